/*
 * A participant grain (ParticipantGrain + ParticipantProtocol), a ledger account: its storage row and its
 * activations. An activation loads the row, changes its own copy, and writes it whole, version-checked (the ETag),
 * before every answer that rests on a change. Handlers run one at a time (the C# grain is reentrant with group
 * commit, but every handler changes state within one turn and answers only after a write covering that change, so
 * serial handling shows the same answers). A failed write poisons the activation: the caller gets the exception,
 * the activation answers nothing more and goes (Guard -> DeactivateOnIdle); the next one loads the row again.
 */
type tPAct = (alive: bool, inc: int, off: int, st: tPState, ver: int, asking: map[int, int], tickArmed: bool);

machine Participant {
  var pid: int;
  var cfg: tCfg;
  var dir: map[int, machine];
  var f: tFaults;
  // the storage row
  var row: tPState;
  var rowVer: int;
  var nextVer: int;
  // the activations: a handles the current message; b is the other one, if any
  var a: tPAct;
  var b: tPAct;
  var hasB: bool;
  var incs: int;
  var nextCall: int;
  var now: int;

  start state Init {
    entry (p: (pid: int, cfg: tCfg, balance: int, faults: tFaults)) {
      pid = p.pid;
      cfg = p.cfg;
      f = p.faults;
      row.balance = p.balance;
      rowVer = 1;
      nextVer = 2;
    }
    on eWire goto Ready with (d: map[int, machine]) { dir = d; }
    defer eDeliver;
  }

  state Ready {
    on eDeliver do (m: tMsg) { Dispatch(m); }
  }

  fun Dispatch(m: tMsg) {
    var t: tPAct;
    if (m.inc == 0 && Delay(m)) {
      m.hops = m.hops + 1;
      send this, eDeliver, m;
      return;
    }
    if (choose(16) == 0) { ClockTick(); }
    if (m.inc != 0) {
      // A reply or a timer of one activation: lost if that activation is gone.
      if (!(a.alive && a.inc == m.inc)) {
        if (hasB && b.inc == m.inc) { SwapAB(); } else { return; }
      }
    } else {
      if (f.drops > 0 && m.k != K_FORGET && choose(12) == 0) {
        f.drops = f.drops - 1;      // lost: the caller's call fails (times out)
        Fail(m);
        return;
      }
      if (!a.alive) {
        a = Load();
        ArmTick();
      }
      if (f.stales > 0 && !hasB && $) {
        // Orleans runs a second activation beside the live one (membership change); it loads the row now and
        // is stale as soon as the other one writes.
        f.stales = f.stales - 1;
        SwapAB();
        a = Load();
        ArmTick();
        hasB = true;
      }
      if (hasB && $) { SwapAB(); }
    }
    now = ClockNow() + a.off;
    if (m.inc == 0) { print format("participant {0} activation {1} handles {2}", pid, a.inc, m.k); }
    if (!Handle(m)) {
      Fail(m);
      a.alive = false;
      if (hasB) { a = b; hasB = false; }
    }
  }

  fun Load(): tPAct {
    var t: tPAct;
    incs = incs + 1;
    t.alive = true;
    t.inc = incs;
    t.off = choose(cfg.skew + 1);
    t.st = row;
    t.ver = rowVer;
    print format("participant {0} activation {1} starts from row version {2}", pid, incs, rowVer);
    return t;
  }

  fun SwapAB() {
    var t: tPAct;
    t = a;
    a = b;
    b = t;
  }

  // Returns false when the activation must go (a failed write or a crash).
  fun Handle(m: tMsg): bool {
    if (m.k == K_PREPARE) { return Prepare(m); }
    if (m.k == K_C1P) { return CommitOnePhase(m); }
    if (m.k == K_COMMIT) { return Commit(m); }
    if (m.k == K_ABORT) { return Abort(m); }
    if (m.k == K_FORGET) { Forget(m.id); return true; }
    if (m.k == K_TICK_STALE) { return ResolveStale(); }
    if (m.k == K_STATUS_RESP || m.k == K_DECISION_RESP) { return OnDecision(m); }
    if (m.k == K_TIMEOUT || m.k == K_FAIL) {
      if (m.call in a.asking) {
        a.asking -= (m.call);
        ArmTick();
      }
      return true;
    }
    return true;
  }

  // ---- PrepareAsync
  fun Prepare(m: tMsg): bool {
    var p: tPrep;
    var op: tOp;
    op = OpAt(m.id, pid);
    if (cfg.fixed && m.createdAt < now - cfg.retention) {
      Reply(m, K_VOTE, false, ST_UNKNOWN);   // expired: refused, nothing written
      return true;
    }
    if (m.id in a.st.ended) {
      // A duplicate or late prepare: answered from the ended record, never reserved twice.
      Reply(m, K_VOTE, EndedSaysYes(m), ST_UNKNOWN);
      return true;
    }
    if (m.id in a.st.prep) {
      p = a.st.prep[m.id];
      if (p.epoch > m.epoch) {
        Reply(m, K_VOTE, false, ST_UNKNOWN);   // fenced: an older attempt
        return true;
      }
      p.epoch = m.epoch;
      a.st.prep[m.id] = p;
      if (!Write()) { return false; }
      if (Crash()) { return false; }
      Reply(m, K_VOTE, true, ST_UNKNOWN);
      return true;
    }
    if (!Reserve(op)) {
      Reply(m, K_VOTE, false, ST_UNKNOWN);     // the rule refuses: nothing reserved, nothing written
      return true;
    }
    a.st.prep[m.id] = (epoch = m.epoch, op = op, createdAt = m.createdAt);
    a.st.log += (sizeof(a.st.log), (id = m.id, kind = EF_PREPARE, amt = op.amt));
    if (!Write()) { return false; }
    if (Crash()) { return false; }            // FaultPoint.PrepareWritten
    ArmTick();
    Reply(m, K_VOTE, true, ST_UNKNOWN);
    return true;
  }

  // ---- CommitOnePhaseAsync
  fun CommitOnePhase(m: tMsg): bool {
    var op: tOp;
    op = OpAt(m.id, pid);
    if (cfg.fixed && m.createdAt < now - cfg.retention) {
      Reply(m, K_C1P_RESP, false, ST_UNKNOWN);
      return true;
    }
    if (m.id in a.st.ended) {
      Reply(m, K_C1P_RESP, EndedSaysYes(m), ST_UNKNOWN);
      return true;
    }
    assert !(m.id in a.st.prep), format("participant {0}: one-phase commit of prepared id {1}", pid, m.id);
    if (!Reserve(op)) {
      Reply(m, K_C1P_RESP, false, ST_UNKNOWN);
      return true;
    }
    ApplyReserved(op);
    a.st.ended[m.id] = (committed = true, op = op, createdAt = m.createdAt, at = now, fence = false);
    a.st.log += (sizeof(a.st.log), (id = m.id, kind = EF_APPLY, amt = op.amt));
    if (!Write()) { return false; }
    if (Crash()) { return false; }
    Reply(m, K_C1P_RESP, true, ST_UNKNOWN);
    return true;
  }

  // ---- CommitAsync
  fun Commit(m: tMsg): bool {
    var p: tPrep;
    if (m.id in a.st.ended) {
      assert a.st.ended[m.id].committed, format("participant {0}: commit of id {1} after it aborted here (ProtocolInvariantException)", pid, m.id);
      Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
      return true;
    }
    if (!(m.id in a.st.prep)) {
      // No prepared and no ended record: "applied, then forgotten".
      if (cfg.fixed) {
        // Fixed: prove this activation is current (a version-checked write) before answering from absence.
        if (!Write()) { return false; }
      }
      Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
      return true;
    }
    p = a.st.prep[m.id];
    a.st.prep -= (m.id);
    ApplyReserved(p.op);
    a.st.ended[m.id] = (committed = true, op = p.op, createdAt = p.createdAt, at = now, fence = false);
    a.st.log += (sizeof(a.st.log), (id = m.id, kind = EF_APPLY, amt = p.op.amt));
    if (!Write()) { return false; }
    if (Crash()) { return false; }            // FaultPoint.ParticipantApplied
    Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
    return true;
  }

  // ---- AbortAsync
  fun Abort(m: tMsg): bool {
    if (m.id in a.st.ended) {
      if (a.st.ended[m.id].committed) { Reply(m, K_ABORT_RESP, true, ST_COMMITTED); }
      else { Reply(m, K_ABORT_RESP, true, ST_ABORTED); }
      return true;
    }
    if (m.id in a.st.prep) {
      Release(m.id);
      a.st.ended[m.id] = (committed = false, op = default(tOp), createdAt = 0, at = now, fence = false);
    } else {
      // Nothing here: this abort may have overtaken its prepare / one-phase commit. Remember it (fixed: a fence).
      a.st.ended[m.id] = (committed = false, op = default(tOp), createdAt = 0, at = now, fence = true);
    }
    if (!Write()) { return false; }
    if (Crash()) { return false; }
    Reply(m, K_ABORT_RESP, true, ST_ABORTED);
    return true;
  }

  // ---- Forget: in memory only; the removal lands with the next write. Fixed: never a fence.
  fun Forget(id: int) {
    if (id in a.st.ended) {
      if (!cfg.fixed || !a.st.ended[id].fence) {
        a.st.ended -= (id);
      }
    }
  }

  // ---- ResolveStaleAsync: ask the coordinator about every overdue prepared record (today GetStatus, fixed
  // GetDecision). Asking also activates the coordinator, whose activation resumes an unfinished record.
  fun ResolveStale(): bool {
    var ids: seq[int];
    var i: int;
    var m: tMsg;
    a.tickArmed = false;
    ids = keys(a.st.prep);
    while (i < sizeof(ids)) {
      if (!AskingAbout(ids[i])) {
        nextCall = nextCall + 1;
        if (cfg.fixed) { m = NewMsg(K_GETDECISION, CoordAddr(ids[i]), ids[i]); }
        else { m = NewMsg(K_GETSTATUS, CoordAddr(ids[i]), ids[i]); }
        m.call = nextCall;
        m.reply = this;
        m.fromInc = a.inc;
        a.asking[m.call] = ids[i];
        send dir[m.toAddr], eDeliver, m;
        EarlyTimeout(m.call);
      }
      i = i + 1;
    }
    return true;
  }

  fun OnDecision(m: tMsg): bool {
    var id: int;
    if (!(m.call in a.asking)) { return true; }
    id = a.asking[m.call];
    a.asking -= (m.call);
    if (!(id in a.st.prep)) { ArmTick(); return true; }   // the decision arrived while we asked
    if (m.st == ST_COMMITTED && m.done) {
      // Completed: this participant applied it already, so this prepared record came from a prepare delivered after
      // the ended record was forgotten (a stray). Release it, no ended record.
      Release(id);
      if (!Write()) { return false; }
    } else if (m.st == ST_COMMITTED) {
      m.k = K_COMMIT;
      m.reply = default(machine);
      if (!Commit(m)) { return false; }
    } else if (m.st == ST_ABORTED || m.st == ST_UNKNOWN) {
      // Today: Unknown (no record) is taken for expired, so presumed abort. Fixed: GetDecision never says Unknown.
      m.k = K_ABORT;
      m.reply = default(machine);
      if (!Abort(m)) { return false; }
    }
    ArmTick();   // in progress: ask again after the next DecisionTimeout
    return true;
  }

  fun AskingAbout(id: int): bool {
    var calls: seq[int];
    var i: int;
    calls = keys(a.asking);
    while (i < sizeof(calls)) {
      if (a.asking[calls[i]] == id) { return true; }
      i = i + 1;
    }
    return false;
  }

  // ---- ledger rules (Ledger.cs): a debit holds funds at prepare
  fun Reserve(op: tOp): bool {
    if (op.amt < 0) {
      if (a.st.balance - a.st.held < -op.amt) { return false; }
      a.st.held = a.st.held - op.amt;
    }
    return true;
  }

  fun ApplyReserved(op: tOp) {
    a.st.balance = a.st.balance + op.amt;
    if (op.amt < 0) { a.st.held = a.st.held + op.amt; }
  }

  fun Release(id: int) {
    var p: tPrep;
    p = a.st.prep[id];
    if (p.op.amt < 0) { a.st.held = a.st.held + p.op.amt; }
    a.st.prep -= (id);
    a.st.log += (sizeof(a.st.log), (id = id, kind = EF_RELEASE, amt = p.op.amt));
  }

  fun EndedSaysYes(m: tMsg): bool {
    var e: tEnd;
    e = a.st.ended[m.id];
    if (!e.committed) { return false; }
    if (cfg.fixed) { return e.op == OpAt(m.id, pid) && e.createdAt == m.createdAt; }
    return true;
  }

  // Write the activation's state, version-checked; expired ended records are pruned first (PruneExpired).
  fun Write(): bool {
    var lands: bool;
    var ok: bool;
    Prune();
    lands = a.ver == rowVer;
    ok = lands;
    if (f.writeFaults > 0 && choose(8) == 0) {
      f.writeFaults = f.writeFaults - 1;   // the storage call fails; the row may have been written or not
      lands = lands && $;
      ok = false;
    }
    if (lands) {
      row = a.st;
      rowVer = nextVer;
      nextVer = nextVer + 1;
      announce eMonPartStored, (pid = pid, st = row);
    }
    if (ok) { a.ver = rowVer; }
    return ok;
  }

  // Today every ended record older than Retention goes; fixed: a fence only after Retention + 2 * MaxClockSkew.
  fun Prune() {
    var ids: seq[int];
    var i: int;
    var e: tEnd;
    var limit: int;
    ids = keys(a.st.ended);
    while (i < sizeof(ids)) {
      e = a.st.ended[ids[i]];
      limit = cfg.retention;
      if (cfg.fixed && e.fence) { limit = cfg.retention + 2 * cfg.skew; }
      if (e.at < now - limit) { a.st.ended -= (ids[i]); }
      i = i + 1;
    }
  }

  fun Crash(): bool {
    if (f.crashes > 0 && choose(3) == 0) {
      f.crashes = f.crashes - 1;
      return true;
    }
    return false;
  }

  fun ArmTick() {
    var m: tMsg;
    if (a.tickArmed || sizeof(a.st.prep) == 0) { return; }
    a.tickArmed = true;
    m = NewMsg(K_TICK_STALE, pid, 0);
    m.inc = a.inc;
    send this, eDeliver, m;
  }

  fun EarlyTimeout(call: int) {
    var m: tMsg;
    if (f.early > 0 && choose(3) == 0) {
      f.early = f.early - 1;
      m = NewMsg(K_TIMEOUT, pid, 0);
      m.inc = a.inc;
      m.call = call;
      send this, eDeliver, m;
    }
  }

  fun Reply(m: tMsg, k: tK, yes: bool, s: tSt) {
    var r: tMsg;
    if (m.reply == default(machine)) { return; }   // an internal call (from ResolveStale): nobody to answer
    r = ReplyTo(m, k);
    r.yes = yes;
    r.st = s;
    send m.reply, eDeliver, r;
  }

  fun Fail(m: tMsg) {
    if (m.reply == default(machine) || m.inc != 0 || m.call == 0) { return; }
    send m.reply, eDeliver, ReplyTo(m, K_FAIL);
  }
}
