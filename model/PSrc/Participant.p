/*
 * One activation of a participant grain (ParticipantGrain + ParticipantProtocol), a ledger account.
 * It loads its state on activation and writes it whole (version-checked) before every answer that rests on a
 * change. Handlers run one at a time here (the C# grain is reentrant with group commit, but every handler changes
 * state within one turn and answers only after a write covering that change, so serial handling shows the same
 * answers). A failed write poisons the activation: it answers nothing more and goes (Guard -> DeactivateOnIdle).
 * crashTok: this activation may crash at one of its crash points (after a write, before the answer).
 */
machine Participant {
  var net: Net;
  var stor: Storage;
  var cfg: tCfg;
  var pid: int;
  var crashTok: bool;
  var off: int;
  var st: tPState;
  var ver: int;
  var nextCall: int;
  var asking: map[int, int];   // call -> operation id (ResolveStaleAsync's questions in flight)
  var tickArmed: bool;

  start state Load {
    entry (p: (net: Net, stor: Storage, cfg: tCfg, pid: int, crashTok: bool, off: int)) {
      net = p.net;
      stor = p.stor;
      cfg = p.cfg;
      pid = p.pid;
      crashTok = p.crashTok;
      off = p.off;
      send stor, ePLoad, (from = this, pid = pid);
      receive {
        case ePLoadResp: (r: (st: tPState, ver: int)) {
          st = r.st;
          ver = r.ver;
        }
      }
      ArmTick();
      goto Ready;
    }
  }

  state Ready {
    on eDeliver do (m: tMsg) {
      if (!Handle(m)) {
        send net, eDied, (addr = pid, m = this);
        raise halt;
      }
    }
  }

  // Returns false when the activation must go (a failed write or a crash).
  fun Handle(m: tMsg): bool {
    var now: int;
    now = m.now + off;
    if (m.k == K_PREPARE) { return Prepare(m, now); }
    if (m.k == K_C1P) { return CommitOnePhase(m, now); }
    if (m.k == K_COMMIT) { return Commit(m, now); }
    if (m.k == K_ABORT) { return Abort(m, now); }
    if (m.k == K_FORGET) { Forget(m.id); return true; }
    if (m.k == K_TICK_STALE) { return ResolveStale(now); }
    if (m.k == K_STATUS_RESP || m.k == K_DECISION_RESP) { return OnDecision(m, now); }
    if (m.k == K_TIMEOUT) {
      if (m.call in asking) {
        asking -= (m.call);
        ArmTick();
      }
      return true;
    }
    return true;
  }

  // ---- PrepareAsync
  fun Prepare(m: tMsg, now: int): bool {
    var p: tPrep;
    if (cfg.fixed && m.createdAt < now - cfg.retention) {
      Reply(m, K_VOTE, false, ST_UNKNOWN);   // expired: refused, nothing written
      return true;
    }
    if (m.id in st.ended) {
      // A duplicate or late prepare: answered from the ended record, never reserved twice.
      Reply(m, K_VOTE, EndedSaysYes(m), ST_UNKNOWN);
      return true;
    }
    if (m.id in st.prep) {
      p = st.prep[m.id];
      assert p.op == m.op, format("participant {0}: prepared {1} but asked to prepare {2} for id {3}", pid, p.op, m.op, m.id);
      if (p.epoch > m.epoch) {
        Reply(m, K_VOTE, false, ST_UNKNOWN);   // fenced: an older attempt
        return true;
      }
      p.epoch = m.epoch;
      st.prep[m.id] = p;
      if (!Write(now)) { return false; }
      if (Crash()) { return false; }
      Reply(m, K_VOTE, true, ST_UNKNOWN);
      return true;
    }
    if (!Reserve(m.op)) {
      Reply(m, K_VOTE, false, ST_UNKNOWN);     // the rule refuses: nothing reserved, nothing written
      return true;
    }
    st.prep[m.id] = (epoch = m.epoch, op = m.op, createdAt = m.createdAt);
    st.log += (sizeof(st.log), (id = m.id, kind = EF_PREPARE, amt = m.op.amt));
    if (!Write(now)) { return false; }
    if (Crash()) { return false; }            // FaultPoint.PrepareWritten
    ArmTick();
    Reply(m, K_VOTE, true, ST_UNKNOWN);
    return true;
  }

  // ---- CommitOnePhaseAsync
  fun CommitOnePhase(m: tMsg, now: int): bool {
    if (cfg.fixed && m.createdAt < now - cfg.retention) {
      Reply(m, K_C1P_RESP, false, ST_UNKNOWN);
      return true;
    }
    if (m.id in st.ended) {
      Reply(m, K_C1P_RESP, EndedSaysYes(m), ST_UNKNOWN);
      return true;
    }
    assert !(m.id in st.prep), format("participant {0}: one-phase commit of prepared id {1}", pid, m.id);
    if (!Reserve(m.op)) {
      Reply(m, K_C1P_RESP, false, ST_UNKNOWN);
      return true;
    }
    ApplyReserved(m.op);
    st.ended[m.id] = (committed = true, op = m.op, createdAt = m.createdAt, at = now, fence = false);
    st.log += (sizeof(st.log), (id = m.id, kind = EF_APPLY, amt = m.op.amt));
    if (!Write(now)) { return false; }
    if (Crash()) { return false; }
    Reply(m, K_C1P_RESP, true, ST_UNKNOWN);
    return true;
  }

  // ---- CommitAsync
  fun Commit(m: tMsg, now: int): bool {
    var p: tPrep;
    if (m.id in st.ended) {
      assert st.ended[m.id].committed, format("participant {0}: commit of id {1} after it aborted here (ProtocolInvariantException)", pid, m.id);
      Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
      return true;
    }
    if (!(m.id in st.prep)) {
      // No prepared and no ended record: "applied, then forgotten".
      if (cfg.fixed) {
        // Fixed: prove this activation is current before answering from absence.
        if (!Write(now)) { return false; }
      }
      Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
      return true;
    }
    p = st.prep[m.id];
    st.prep -= (m.id);
    ApplyReserved(p.op);
    st.ended[m.id] = (committed = true, op = p.op, createdAt = p.createdAt, at = now, fence = false);
    st.log += (sizeof(st.log), (id = m.id, kind = EF_APPLY, amt = p.op.amt));
    if (!Write(now)) { return false; }
    if (Crash()) { return false; }            // FaultPoint.ParticipantApplied
    Reply(m, K_COMMIT_ACK, true, ST_COMMITTED);
    return true;
  }

  // ---- AbortAsync
  fun Abort(m: tMsg, now: int): bool {
    var e: tEnd;
    if (m.id in st.ended) {
      e = st.ended[m.id];
      if (e.committed) { Reply(m, K_ABORT_RESP, true, ST_COMMITTED); } else { Reply(m, K_ABORT_RESP, true, ST_ABORTED); }
      return true;
    }
    if (m.id in st.prep) {
      Release(m.id);
      st.ended[m.id] = (committed = false, op = default(tOp), createdAt = 0, at = now, fence = false);
    } else {
      // Nothing here: the abort may have overtaken its prepare / one-phase commit. Remember it (a fence).
      st.ended[m.id] = (committed = false, op = default(tOp), createdAt = 0, at = now, fence = true);
    }
    if (!Write(now)) { return false; }
    if (Crash()) { return false; }
    Reply(m, K_ABORT_RESP, true, ST_ABORTED);
    return true;
  }

  // ---- Forget: in memory only; the removal lands with the next write.
  fun Forget(id: int) {
    if (id in st.ended) {
      if (!cfg.fixed || !st.ended[id].fence) {
        st.ended -= (id);
      }
    }
  }

  // ---- ResolveStaleAsync: ask the coordinator about every overdue prepared record.
  fun ResolveStale(now: int): bool {
    var ids: seq[int];
    var i: int;
    var m: tMsg;
    tickArmed = false;
    ids = keys(st.prep);
    while (i < sizeof(ids)) {
      if (!AskingAbout(ids[i])) {
        nextCall = nextCall + 1;
        if (cfg.fixed) { m = NewMsg(K_GETDECISION, CoordAddr(ids[i]), ids[i]); }
        else { m = NewMsg(K_GETSTATUS, CoordAddr(ids[i]), ids[i]); }
        m.call = pid * 1000 + nextCall;
        m.reply = this;
        asking[m.call] = ids[i];
        send net, eSend, m;
        Timer(m.call);
      }
      i = i + 1;
    }
    return true;
  }

  fun OnDecision(m: tMsg, now: int): bool {
    var id: int;
    if (!(m.call in asking)) { return true; }
    id = asking[m.call];
    asking -= (m.call);
    if (!(id in st.prep)) { ArmTick(); return true; }   // the decision arrived while we asked
    if (m.st == ST_COMMITTED && m.done) {
      // Completed: this participant applied it already; this prepared record came from a prepare delivered after
      // the ended record was forgotten (a stray). Release it, no ended record.
      Release(id);
      if (!Write(now)) { return false; }
    } else if (m.st == ST_COMMITTED) {
      m.k = K_COMMIT;
      m.dest = default(machine);
      m.reply = default(machine);
      if (!Commit(m, now)) { return false; }
    } else if (m.st == ST_ABORTED || m.st == ST_UNKNOWN) {
      // Today: Unknown (no record) means expired, presumed abort. Fixed: GetDecision never answers Unknown.
      m.k = K_ABORT;
      m.dest = default(machine);
      m.reply = default(machine);
      if (!Abort(m, now)) { return false; }
    }
    ArmTick();
    return true;
  }

  fun AskingAbout(id: int): bool {
    var calls: seq[int];
    var i: int;
    calls = keys(asking);
    while (i < sizeof(calls)) {
      if (asking[calls[i]] == id) { return true; }
      i = i + 1;
    }
    return false;
  }

  // ---- ledger rules (Ledger.cs): a debit holds funds at prepare
  fun Reserve(op: tOp): bool {
    if (op.amt < 0) {
      if (st.balance - st.held < -op.amt) { return false; }
      st.held = st.held - op.amt;
    }
    return true;
  }

  fun ApplyReserved(op: tOp) {
    st.balance = st.balance + op.amt;
    if (op.amt < 0) { st.held = st.held + op.amt; }
    assert st.balance >= 0 && st.held >= 0 && st.held <= st.balance, format("participant {0}: ledger invariant broken: balance {1} held {2}", pid, st.balance, st.held);
  }

  fun Release(id: int) {
    var p: tPrep;
    p = st.prep[id];
    if (p.op.amt < 0) { st.held = st.held + p.op.amt; }
    st.prep -= (id);
    st.log += (sizeof(st.log), (id = id, kind = EF_RELEASE, amt = p.op.amt));
  }

  fun EndedSaysYes(m: tMsg): bool {
    var e: tEnd;
    e = st.ended[m.id];
    if (!e.committed) { return false; }
    if (cfg.fixed) { return e.op == m.op && e.createdAt == m.createdAt; }
    return true;
  }

  // Write the whole state, version-checked; prune expired ended records first (they land with this write).
  fun Write(now: int): bool {
    var ok: bool;
    Prune(now);
    send stor, ePWrite, (from = this, pid = pid, ver = ver, st = st);
    receive {
      case ePWriteResp: (r: (ok: bool, ver: int)) {
        ok = r.ok;
        if (ok) { ver = r.ver; }
      }
    }
    return ok;
  }

  // PruneExpired: today every ended record older than Retention; fixed: fences only after Retention + 2 skew.
  fun Prune(now: int) {
    var ids: seq[int];
    var i: int;
    var e: tEnd;
    var limit: int;
    ids = keys(st.ended);
    while (i < sizeof(ids)) {
      e = st.ended[ids[i]];
      limit = cfg.retention;
      if (cfg.fixed && e.fence) { limit = cfg.retention + 2 * cfg.skew; }
      if (e.at < now - limit) { st.ended -= (ids[i]); }
      i = i + 1;
    }
  }

  fun Crash(): bool {
    return crashTok && choose(4) == 0;
  }

  fun ArmTick() {
    var m: tMsg;
    if (tickArmed || sizeof(st.prep) == 0) { return; }
    tickArmed = true;
    m = NewMsg(K_TICK_STALE, pid, 0);
    m.dest = this;
    send net, eSend, m;
  }

  fun Timer(call: int) {
    var m: tMsg;
    m = NewMsg(K_TIMEOUT, pid, 0);
    m.dest = this;
    m.call = call;
    send net, eSend, m;
  }

  fun Reply(m: tMsg, k: tK, yes: bool, s: tSt) {
    var r: tMsg;
    if (m.reply == default(machine)) { return; }   // an internal call (from ResolveStale): nobody to answer
    r = NewMsg(k, m.toAddr, m.id);
    r.dest = m.reply;
    r.call = m.call;
    r.yes = yes;
    r.st = s;
    send net, eSend, r;
  }
}
