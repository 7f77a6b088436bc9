/*
 * The coordinator grain of one operation id (TransactionCoordinatorGrain + CoordinatorProtocol + CoordinatorRecord):
 * its storage row (the record), its recovery registry entry, and its activations. An activation loads the record
 * and, if it is unfinished, resumes it at once (OnActivateAsync -> Resume). One driver per activation; Execute
 * duplicates join it; status questions are answered while it runs (the grain is reentrant). A failed write poisons
 * the activation (the driver faults -> DeactivateOnIdle): its callers get the error, it answers nothing more and
 * goes; the next activation loads the truth.
 *
 * The driver is a small state machine over `stage`:
 *   S_PREPARE  waiting for votes (RunTwoPhaseAsync)
 *   S_C1P      waiting for the one-phase answer (RunOnePhaseAsync)
 *   S_ASK1P    one-phase outcome unknown: Abort until answered (RunOnePhaseAsync catch / RecoverUndecidedAsync)
 *   S_PHASE2   Commit/Abort until every participant answered (FinishAsync)
 *   S_DONE     completed, unregistered, Forget anySent
 */
enum tStage { S_IDLE, S_PREPARE, S_C1P, S_ASK1P, S_PHASE2, S_DONE }

// One activation's memory: the working record (runs ahead of storage while a write is in flight), the version it
// loaded or last wrote, the durable view (_durable), and the driver's state.
type tCAct = (alive: bool, inc: int, off: int, rec: tCRec, ver: int, durable: tCRec, driver: bool, opAbort: bool,
              waiters: seq[tMsg], stage: tStage, calls: map[int, int], votes: seq[int], acks: seq[bool]);

machine Coordinator {
  var id: int;
  var addr: int;
  var cfg: tCfg;
  var dir: map[int, machine];
  var f: tFaults;
  var ops: seq[tOp];        // the request (Ops(id))
  // the storage row (version 0: no row) and the recovery registry entry (RecoveryShardGrain)
  var row: tCRec;
  var rowVer: int;
  var nextVer: int;
  var registered: bool;
  // the activations: a handles the current message; b is the other one, if any
  var a: tCAct;
  var b: tCAct;
  var hasB: bool;
  var incs: int;
  var nextCall: int;
  var now: int;

  start state Init {
    entry (p: (id: int, cfg: tCfg, faults: tFaults)) {
      id = p.id;
      addr = CoordAddr(id);
      cfg = p.cfg;
      f = p.faults;
      ops = Ops(id);
      nextVer = 1;
    }
    on eWire goto Ready with (d: map[int, machine]) { dir = d; }
    defer eDeliver;
  }

  state Ready {
    on eDeliver do (m: tMsg) { Dispatch(m); }
  }

  fun Dispatch(m: tMsg) {
    if (m.inc == 0 && Delay(m)) {
      m.hops = m.hops + 1;
      send this, eDeliver, m;
      return;
    }
    if (choose(16) == 0) { ClockTick(); }
    if (m.k == K_PURGE) { Purge(m); return; }
    if (m.k == K_SWEEP && !registered) {
      send m.reply, eDeliver, ReplyTo(m, K_SWEEP_RESP);
      return;
    }
    if (m.inc != 0) {
      if (!(a.alive && a.inc == m.inc)) {
        if (hasB && b.inc == m.inc) { SwapAB(); } else { return; }
      }
      now = ClockNow() + a.off;
    } else {
      if (f.drops > 0 && choose(12) == 0) {
        f.drops = f.drops - 1;
        Fail(m);
        return;
      }
      if (!a.alive) {
        a = Load();
        if (!Activated()) { Fail(m); return; }
      }
      if (f.stales > 0 && !hasB && $) {
        // Orleans runs a second activation beside the live one (membership change); it loads the row now, runs
        // OnActivateAsync, and is stale as soon as the other one writes.
        f.stales = f.stales - 1;
        b = a;
        hasB = true;
        a = Load();
        if (!Activated()) { Fail(m); return; }
      }
      if (hasB && $) { SwapAB(); }
      now = ClockNow() + a.off;
    }
    if (m.inc == 0) { print format("coordinator {0} activation {1} handles {2}", id, a.inc, m.k); }
    if (!Handle(m)) {
      Fail(m);
      Die();
    }
  }

  fun Load(): tCAct {
    var t: tCAct;
    incs = incs + 1;
    t.alive = true;
    t.inc = incs;
    t.off = choose(cfg.skew + 1);
    t.rec = row;
    t.ver = rowVer;
    t.durable = row;
    print format("coordinator {0} activation {1} starts from row version {2}", id, incs, rowVer);
    return t;
  }

  // OnActivateAsync: a record left unfinished by an earlier activation is resumed now.
  fun Activated(): bool {
    now = ClockNow() + a.off;
    if (Unfinished() && !a.driver) {
      if (!StartResume()) {
        Die();
        return false;
      }
    }
    return true;
  }

  fun SwapAB() {
    var t: tCAct;
    t = a;
    a = b;
    b = t;
  }

  // The activation goes: its callers get the error; the other activation, if any, stays.
  fun Die() {
    var i: int;
    while (i < sizeof(a.waiters)) {
      send a.waiters[i].reply, eDeliver, ReplyTo(a.waiters[i], K_FAIL);
      i = i + 1;
    }
    a.alive = false;
    a.waiters = default(seq[tMsg]);
    if (hasB) { a = b; hasB = false; }
    // The recovery sweeper runs every interval, for ever; in the model it sweeps after an activation died (the only
    // time a sweep can find work that no live activation does).
    send dir[30], eDeliver, NewMsg(K_TICK_RECOVERY, 30, 0);
  }

  // The janitor's DELETE (RetentionSweeper.SweepOnceAsync) with the sweeper's clock in m.now. Today: rows last
  // written before now - Retention that are not in the recovery registry. Fixed: completed rows last written
  // before now - Retention - MaxClockSkew (cfg.purgeSkews = 1; 2 in the fixed_expiry_2skew case).
  fun Purge(m: tMsg) {
    var purge: bool;
    if (rowVer == 0) { return; }
    if (cfg.fixed) {
      purge = row.phase == PH_COMPLETED && row.written < m.now - cfg.retention - cfg.purgeSkews * cfg.skew;
    } else {
      purge = row.written < m.now - cfg.retention && !registered;
    }
    if (purge) {
      row = default(tCRec);
      rowVer = 0;
      announce eMonPurged, id;
    }
  }

  fun Unfinished(): bool {
    return a.rec.phase == PH_PREPARING || a.rec.phase == PH_COMMITTING || a.rec.phase == PH_ABORTING;
  }

  fun Handle(m: tMsg): bool {
    if (m.k == K_EXECUTE) { return Execute(m); }
    if (m.k == K_GETSTATUS) {
      Reply(m, K_STATUS_RESP, StatusOf(a.durable), a.durable.phase == PH_COMPLETED);
      return true;
    }
    if (m.k == K_GETDECISION) { return GetDecision(m); }
    if (m.k == K_OPABORT) { return OperatorAbort(); }
    if (m.k == K_SWEEP) {
      // RecoveryShardGrain.Sweep: activating the coordinator is the recovery, through GetDecision. With no record the
      // activation first makes a presumed abort durable, version-checked against "no row" (a stale activation's write
      // fails: no answer, the entry stays); the entry goes once the answer is completed.
      if (a.rec.phase == PH_NONE) {
        if (!PresumeAbortFromAbsence()) { return false; }
      }
      if (a.durable.phase == PH_COMPLETED) { registered = false; }
      send m.reply, eDeliver, ReplyTo(m, K_SWEEP_RESP);
      return true;
    }
    if (m.inc != 0 && m.call in a.calls) { return OnCallResult(m); }
    return true;
  }

  // ---- ExecuteAsync
  fun Execute(m: tMsg): bool {
    if (a.rec.phase == PH_NONE) {
      // CheckAge: a request older than Retention is refused, never run.
      if (m.createdAt < now - cfg.retention) {
        Reply(m, K_EXEC_RESP, ST_EXPIRED, false);
        return true;
      }
      // CoordinatorRecord.Begin, then the record and the registry entry, both durable before any prepare.
      a.rec.phase = PH_PREPARING;
      a.rec.createdAt = m.createdAt;
      a.rec.epoch = 1;
      a.rec.dec = ST_INPROGRESS;
      a.rec.written = now;
      if (cfg.noBegin) {
        // Not the protocol (the nobegin_one_phase case): only the registry entry is durable before the first
        // message, so a later activation finds no record and runs the request as new.
        Register();
        if (Crash()) { return false; }
      } else if ($) {
        Register();
        if (Crash()) { return false; }
        if (!Persist()) { return false; }
      } else {
        if (!Persist()) { return false; }
        if (Crash()) { return false; }
        Register();
      }
      if (Crash()) { return false; }          // FaultPoint.CoordinatorRecordWritten
      a.waiters += (sizeof(a.waiters), m);
      a.driver = true;
      return StartFresh();
    }
    if (Decided(a.durable.dec)) {
      Reply(m, K_EXEC_RESP, a.durable.dec, false);   // replayed
      return true;
    }
    a.waiters += (sizeof(a.waiters), m);              // joins the running (or resumed) execution
    if (!a.driver) { return StartResume(); }
    return true;
  }

  fun StatusOf(r: tCRec): tSt {
    if (r.phase == PH_NONE) {
      if (a.rec.phase != PH_NONE) { return ST_INPROGRESS; }
      return ST_UNKNOWN;
    }
    return r.dec;
  }

  // ---- GetDecision (fixed rules): the participant's question about an overdue prepared record.
  fun GetDecision(m: tMsg): bool {
    if (a.rec.phase == PH_NONE) {
      if (!PresumeAbortFromAbsence()) { return false; }
      Reply(m, K_DECISION_RESP, ST_ABORTED, true);
      return true;
    }
    if (!Decided(a.durable.dec)) {
      Reply(m, K_DECISION_RESP, ST_INPROGRESS, false);
      return true;
    }
    Reply(m, K_DECISION_RESP, a.durable.dec, a.durable.phase == PH_COMPLETED);
    return true;
  }

  // No record: make the abort durable before saying so, version-checked against "no row". If someone wrote Begin
  // since this activation loaded, the write fails and nothing is answered (CoordinatorRecord.PresumeAbort).
  fun PresumeAbortFromAbsence(): bool {
    a.rec.phase = PH_COMPLETED;
    a.rec.dec = ST_ABORTED;
    a.rec.noRecord = true;
    a.rec.written = now;
    return Persist();
  }

  // ---- AbortByOperatorAsync
  fun OperatorAbort(): bool {
    if (a.rec.phase == PH_NONE || Decided(a.durable.dec)) { return true; }   // refused
    a.opAbort = true;
    if (!a.driver) { return StartResume(); }
    return true;
  }

  // ---- DriveAsync(fresh: true): RunTwoPhaseAsync / RunOnePhaseAsync
  fun StartFresh(): bool {
    var i: int;
    var n: int;
    n = sizeof(ops);
    if (n == 1) {
      a.stage = S_C1P;
      Call(0, K_C1P);
      return true;
    }
    a.stage = S_PREPARE;
    a.votes = default(seq[int]);
    i = 0;
    while (i < n) { a.votes += (i, 0); i = i + 1; }
    i = 0;
    while (i < n) {
      Call(i, K_PREPARE);
      if (i + 1 < n && Crash()) { return false; }   // some prepares anySent, then the crash
      i = i + 1;
    }
    return true;
  }

  // ---- DriveAsync(fresh: false): NewAttempt (epoch + 1, durable first), then RecoverUndecidedAsync or FinishAsync
  fun StartResume(): bool {
    a.driver = true;
    a.rec.epoch = a.rec.epoch + 1;
    a.rec.written = now;
    if (!Persist()) { return false; }
    if (Crash()) { return false; }
    if (a.rec.phase == PH_PREPARING) {
      if (sizeof(ops) == 1) {
        // Presumed abort, one phase: ask the participant with Abort; Committed means it had applied.
        a.stage = S_ASK1P;
        Call(0, K_ABORT);
        return true;
      }
      return Decide(false, false);
    }
    AnswerWaiters();
    return Finish();
  }

  fun OnCallResult(m: tMsg): bool {
    var i: int;
    var yes: bool;
    var all: bool;
    i = a.calls[m.call];
    a.calls -= (m.call);
    if (a.stage == S_PREPARE) {
      if (m.k == K_TIMEOUT || m.k == K_FAIL) { a.votes[i] = 3; }
      else if (m.yes) { a.votes[i] = 1; }
      else { a.votes[i] = 2; }
      i = 0;
      all = true;
      while (i < sizeof(a.votes)) {
        if (a.votes[i] == 0) { all = false; }
        i = i + 1;
      }
      if (!all) { return true; }
      a.rec.votes = a.votes;
      return Decide(CommitVotes(), false);
    }
    if (a.stage == S_C1P) {
      if (m.k == K_TIMEOUT || m.k == K_FAIL) {
        // The one-phase commit may or may not have landed: ask (and fence) before deciding anything.
        a.stage = S_ASK1P;
        Call(0, K_ABORT);
        return true;
      }
      yes = m.yes;
      a.rec.votes = default(seq[int]);
      if (yes) { a.rec.votes += (0, 1); } else { a.rec.votes += (0, 2); }
      return Decide(yes, true);
    }
    if (a.stage == S_ASK1P) {
      if (m.k == K_TIMEOUT || m.k == K_FAIL) {
        Call(0, K_ABORT);                       // SendUntilAnsweredAsync
        return true;
      }
      return Decide(m.st == ST_COMMITTED, true);
    }
    if (a.stage == S_PHASE2) {
      if (m.k == K_TIMEOUT || m.k == K_FAIL) {
        if (a.rec.dec == ST_COMMITTED) { Call(i, K_COMMIT); } else { Call(i, K_ABORT); }
        return true;
      }
      a.acks[i] = true;
      i = 0;
      while (i < sizeof(a.acks)) {
        if (!a.acks[i]) { return true; }
        i = i + 1;
      }
      return Complete();
    }
    return true;
  }

  // The commit rule. Broken on purpose in the broken test case: a participant that did not answer in time
  // counts as yes (the commit is decided without every vote).
  fun CommitVotes(): bool {
    var i: int;
    if (a.opAbort) { return false; }
    while (i < sizeof(a.votes)) {
      if (a.votes[i] == 2) { return false; }
      if (a.votes[i] == 3 && !cfg.broken) { return false; }
      i = i + 1;
    }
    return true;
  }

  // ---- DecideAsync (CoordinatorRecord.Decide): the commit point
  fun Decide(commit: bool, participantsDone: bool): bool {
    assert a.rec.phase == PH_PREPARING, format("coordinator {0}: a decision never changes; phase is {1}", id, a.rec.phase);
    if (commit) { a.rec.dec = ST_COMMITTED; } else { a.rec.dec = ST_ABORTED; }
    if (participantsDone) { a.rec.phase = PH_COMPLETED; }
    else if (commit) { a.rec.phase = PH_COMMITTING; }
    else { a.rec.phase = PH_ABORTING; }
    a.rec.written = now;
    if (!Persist()) { return false; }
    if (Crash()) { return false; }            // FaultPoint.DecisionWritten
    AnswerWaiters();
    return Finish();
  }

  // ---- FinishAsync: phase 2 to every participant that may hold a prepared record
  fun Finish(): bool {
    var i: int;
    var n: int;
    var anySent: bool;
    if (a.rec.phase == PH_COMPLETED) { return Done(); }
    a.stage = S_PHASE2;
    n = sizeof(ops);
    a.acks = default(seq[bool]);
    i = 0;
    while (i < n) { a.acks += (i, false); i = i + 1; }
    i = 0;
    while (i < n) {
      if (a.rec.dec == ST_ABORTED && sizeof(a.rec.votes) == n && a.rec.votes[i] == 2) {
        a.acks[i] = true;   // it voted no itself: it holds nothing, it gets no abort
      } else {
        if (anySent && Crash()) { return false; }  // FaultPoint.CommitFanOut
        if (a.rec.dec == ST_COMMITTED) { Call(i, K_COMMIT); } else { Call(i, K_ABORT); }
        anySent = true;
      }
      i = i + 1;
    }
    if (!anySent) { return Complete(); }
    return true;
  }

  // ---- CoordinatorRecord.Complete
  fun Complete(): bool {
    a.rec.phase = PH_COMPLETED;
    a.rec.written = now;
    if (!Persist()) { return false; }
    if (Crash()) { return false; }            // FaultPoint.CompletionRecorded
    return Done();
  }

  // Unregister from the recovery registry; Forget at every participant (one way, best effort).
  fun Done(): bool {
    var i: int;
    var m: tMsg;
    a.stage = S_DONE;
    registered = false;    // Unregister (lazy in the service: lost with a crash before the next registry write)
    while (i < sizeof(ops)) {
      m = NewMsg(K_FORGET, ops[i].pid, id);
      send dir[ops[i].pid], eDeliver, m;
      i = i + 1;
    }
    return true;
  }

  fun AnswerWaiters() {
    var i: int;
    while (i < sizeof(a.waiters)) {
      Reply(a.waiters[i], K_EXEC_RESP, a.durable.dec, false);
      i = i + 1;
    }
    a.waiters = default(seq[tMsg]);
  }

  // RegisterAsync: the registry entry, durable (its own row, in RecoveryShardGrain).
  fun Register() {
    registered = true;
  }

  // PersistAsync: a version-checked write of the record; on success the durable view moves on. A write may fail
  // (writeFaults), having landed or not.
  fun Persist(): bool {
    var lands: bool;
    var ok: bool;
    var prev: int;
    lands = a.ver == rowVer;
    ok = lands;
    if (f.writeFaults > 0 && choose(8) == 0) {
      f.writeFaults = f.writeFaults - 1;
      lands = lands && $;
      ok = false;
    }
    if (lands) {
      prev = rowVer;
      row = a.rec;
      rowVer = nextVer;
      nextVer = nextVer + 1;
      announce eMonCoordStored, (id = id, prevVer = prev, rec = row);
    }
    if (ok) {
      a.ver = rowVer;
      a.durable = a.rec;
    }
    return ok;
  }

  // A call to participant i of the request, with its timeout (PrepareTimeout).
  fun Call(i: int, k: tK) {
    var m: tMsg;
    nextCall = nextCall + 1;
    m = NewMsg(k, ops[i].pid, id);
    m.call = nextCall;
    m.reply = this;
    m.fromInc = a.inc;
    m.epoch = a.rec.epoch;
    m.createdAt = a.rec.createdAt;
    a.calls[m.call] = i;
    send dir[ops[i].pid], eDeliver, m;
    if (f.early > 0 && $) {
      // The answer will come too late: PrepareTimeout fires first (a slow or paused participant).
      f.early = f.early - 1;
      m = NewMsg(K_TIMEOUT, addr, id);
      m.inc = a.inc;
      m.call = nextCall;
      send this, eDeliver, m;
    }
  }

  fun Reply(m: tMsg, k: tK, s: tSt, done: bool) {
    var r: tMsg;
    if (m.reply == default(machine)) { return; }
    r = ReplyTo(m, k);
    r.st = s;
    r.done = done;
    send m.reply, eDeliver, r;
  }

  fun Fail(m: tMsg) {
    if (m.reply == default(machine) || m.inc != 0 || m.call == 0) { return; }
    send m.reply, eDeliver, ReplyTo(m, K_FAIL);
  }

  fun Crash(): bool {
    if (f.crashes > 0 && choose(3) == 0) {
      f.crashes = f.crashes - 1;
      return true;
    }
    return false;
  }
}
