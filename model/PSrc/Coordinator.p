/*
 * One activation of the coordinator grain of one operation id (TransactionCoordinatorGrain + CoordinatorProtocol +
 * CoordinatorRecord). It loads the record on activation and, if the record is unfinished, resumes it at once
 * (OnActivateAsync -> Resume). One driver per activation; Execute duplicates join it; status questions are
 * answered while it runs (the grain is reentrant). A failed write poisons the activation (the driver faults ->
 * DeactivateOnIdle): it answers nothing more and goes; the next activation reloads the truth.
 *
 * The driver is a small state machine over `stage`:
 *   S_PREPARE  waiting for votes (RunTwoPhaseAsync)
 *   S_C1P      waiting for the one-phase answer (RunOnePhaseAsync)
 *   S_ASK1P    one-phase outcome unknown: Abort until answered (RunOnePhaseAsync catch / RecoverUndecidedAsync)
 *   S_PHASE2   Commit/Abort until every participant answered (FinishAsync)
 *   S_DONE     completed, unregistered, Forget anySent
 */
enum tStage { S_IDLE, S_PREPARE, S_C1P, S_ASK1P, S_PHASE2, S_DONE }

machine Coordinator {
  var net: Net;
  var stor: Storage;
  var cfg: tCfg;
  var id: int;
  var addr: int;
  var crashTok: bool;
  var off: int;
  var rec: tCRec;       // the working record (runs ahead of storage while a write is in flight)
  var ver: int;
  var durable: tCRec;   // what storage holds as this activation's last successful write left it (_durable)
  var driver: bool;
  var opAbort: bool;
  var waiters: seq[tMsg];   // Execute calls waiting for the decision
  var stage: tStage;
  var calls: map[int, int]; // call -> participant index
  var votes: seq[int];      // 0 pending, 1 yes, 2 no (cast), 3 no answer (timeout: the coordinator votes no)
  var acks: seq[bool];
  var nextCall: int;
  var now: int;

  start state Load {
    entry (p: (net: Net, stor: Storage, cfg: tCfg, id: int, crashTok: bool, off: int)) {
      net = p.net;
      stor = p.stor;
      cfg = p.cfg;
      id = p.id;
      addr = CoordAddr(id);
      crashTok = p.crashTok;
      off = p.off;
      send stor, eCLoad, (from = this, id = id);
      receive {
        case eCLoadResp: (r: (rec: tCRec, ver: int)) {
          rec = r.rec;
          ver = r.ver;
        }
      }
      durable = rec;
      goto Ready;
    }
  }

  state Ready {
    on eDeliver do (m: tMsg) {
      now = m.now + off;
      if (!driver && Unfinished()) {
        // OnActivateAsync: a record left unfinished by an earlier activation is resumed now.
        if (!StartResume()) { Die(); }
      }
      if (!Handle(m)) { Die(); }
    }
  }

  fun Die() {
    send net, eDied, (addr = addr, m = this);
    raise halt;
  }

  fun Unfinished(): bool {
    return rec.phase == PH_PREPARING || rec.phase == PH_COMMITTING || rec.phase == PH_ABORTING;
  }

  fun Handle(m: tMsg): bool {
    if (m.k == K_EXECUTE) { return Execute(m); }
    if (m.k == K_GETSTATUS) {
      Reply(m, K_STATUS_RESP, StatusOf(durable), durable.phase == PH_COMPLETED);
      return true;
    }
    if (m.k == K_GETDECISION) { return GetDecision(m); }
    if (m.k == K_OPABORT) { return OperatorAbort(); }
    if (m.call in calls) { return OnCallResult(m); }
    return true;
  }

  // ---- ExecuteAsync
  fun Execute(m: tMsg): bool {
    if (rec.phase == PH_NONE) {
      // CheckAge: a request older than Retention is refused, never run.
      if (m.req.createdAt < now - cfg.retention) {
        Reply(m, K_EXEC_RESP, ST_EXPIRED, false);
        return true;
      }
      // CoordinatorRecord.Begin, then the record and the registry entry, both durable before any prepare.
      rec.phase = PH_PREPARING;
      rec.req = m.req;
      rec.epoch = 1;
      rec.dec = ST_INPROGRESS;
      rec.written = now;
      if ($) {
        Register();
        if (Crash()) { return false; }
        if (!Persist()) { return false; }
      } else {
        if (!Persist()) { return false; }
        if (Crash()) { return false; }
        Register();
      }
      if (Crash()) { return false; }          // FaultPoint.CoordinatorRecordWritten
      waiters += (sizeof(waiters), m);
      driver = true;
      return StartFresh();
    }
    if (Decided(durable.dec)) {
      Reply(m, K_EXEC_RESP, durable.dec, false);   // replayed
      return true;
    }
    waiters += (sizeof(waiters), m);              // joins the running (or resumed) execution
    if (!driver) { return StartResume(); }
    return true;
  }

  fun StatusOf(r: tCRec): tSt {
    if (r.phase == PH_NONE) {
      if (rec.phase != PH_NONE) { return ST_INPROGRESS; }
      return ST_UNKNOWN;
    }
    return r.dec;
  }

  // ---- GetDecision (fixed rules): the participant's question about an overdue prepared record.
  fun GetDecision(m: tMsg): bool {
    if (rec.phase == PH_NONE) {
      // No record: make the abort durable before saying so, version-checked against "no row". If someone wrote
      // Begin since this activation loaded, the write fails and nothing is answered.
      rec.phase = PH_COMPLETED;
      rec.dec = ST_ABORTED;
      rec.noRecord = true;
      rec.written = now;
      if (!Persist()) { return false; }
      Reply(m, K_DECISION_RESP, ST_ABORTED, true);
      return true;
    }
    if (!Decided(durable.dec)) {
      Reply(m, K_DECISION_RESP, ST_INPROGRESS, false);
      return true;
    }
    Reply(m, K_DECISION_RESP, durable.dec, durable.phase == PH_COMPLETED);
    return true;
  }

  // ---- AbortByOperatorAsync
  fun OperatorAbort(): bool {
    if (rec.phase == PH_NONE || Decided(durable.dec)) { return true; }   // refused
    opAbort = true;
    if (!driver) { return StartResume(); }
    return true;
  }

  // ---- DriveAsync(fresh: true): RunTwoPhaseAsync / RunOnePhaseAsync
  fun StartFresh(): bool {
    var i: int;
    var n: int;
    n = sizeof(rec.req.ops);
    if (n == 1) {
      stage = S_C1P;
      Call(0, K_C1P);
      return true;
    }
    stage = S_PREPARE;
    votes = default(seq[int]);
    i = 0;
    while (i < n) { votes += (i, 0); i = i + 1; }
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
    driver = true;
    rec.epoch = rec.epoch + 1;
    rec.written = now;
    if (!Persist()) { return false; }
    if (Crash()) { return false; }
    if (rec.phase == PH_PREPARING) {
      if (sizeof(rec.req.ops) == 1) {
        // Presumed abort, one phase: ask the participant with Abort; Committed means it had applied.
        stage = S_ASK1P;
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
    i = calls[m.call];
    calls -= (m.call);
    if (stage == S_PREPARE) {
      if (m.k == K_TIMEOUT) { votes[i] = 3; }
      else if (m.yes) { votes[i] = 1; }
      else { votes[i] = 2; }
      i = 0;
      all = true;
      while (i < sizeof(votes)) {
        if (votes[i] == 0) { all = false; }
        i = i + 1;
      }
      if (!all) { return true; }
      rec.votes = votes;
      return Decide(CommitVotes(), false);
    }
    if (stage == S_C1P) {
      if (m.k == K_TIMEOUT) {
        // The one-phase commit may or may not have landed: ask (and fence) before deciding anything.
        stage = S_ASK1P;
        Call(0, K_ABORT);
        return true;
      }
      yes = m.yes;
      rec.votes = default(seq[int]);
      if (yes) { rec.votes += (0, 1); } else { rec.votes += (0, 2); }
      return Decide(yes, true);
    }
    if (stage == S_ASK1P) {
      if (m.k == K_TIMEOUT) {
        Call(0, K_ABORT);                       // SendUntilAnsweredAsync
        return true;
      }
      return Decide(m.st == ST_COMMITTED, true);
    }
    if (stage == S_PHASE2) {
      if (m.k == K_TIMEOUT) {
        if (rec.dec == ST_COMMITTED) { Call(i, K_COMMIT); } else { Call(i, K_ABORT); }
        return true;
      }
      acks[i] = true;
      i = 0;
      while (i < sizeof(acks)) {
        if (!acks[i]) { return true; }
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
    if (opAbort) { return false; }
    while (i < sizeof(votes)) {
      if (votes[i] == 2) { return false; }
      if (votes[i] == 3 && !cfg.broken) { return false; }
      i = i + 1;
    }
    return true;
  }

  // ---- DecideAsync (CoordinatorRecord.Decide): the commit point
  fun Decide(commit: bool, participantsDone: bool): bool {
    assert rec.phase == PH_PREPARING, format("coordinator {0}: a decision never changes; phase is {1}", id, rec.phase);
    if (commit) { rec.dec = ST_COMMITTED; } else { rec.dec = ST_ABORTED; }
    if (participantsDone) { rec.phase = PH_COMPLETED; }
    else if (commit) { rec.phase = PH_COMMITTING; }
    else { rec.phase = PH_ABORTING; }
    rec.written = now;
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
    if (rec.phase == PH_COMPLETED) { return Done(); }
    stage = S_PHASE2;
    n = sizeof(rec.req.ops);
    acks = default(seq[bool]);
    i = 0;
    while (i < n) { acks += (i, false); i = i + 1; }
    i = 0;
    while (i < n) {
      if (rec.dec == ST_ABORTED && sizeof(rec.votes) == n && rec.votes[i] == 2) {
        acks[i] = true;   // it voted no itself: it holds nothing, it gets no abort
      } else {
        if (anySent && Crash()) { return false; }  // FaultPoint.CommitFanOut
        if (rec.dec == ST_COMMITTED) { Call(i, K_COMMIT); } else { Call(i, K_ABORT); }
        anySent = true;
      }
      i = i + 1;
    }
    if (!anySent) { return Complete(); }
    return true;
  }

  // ---- CoordinatorRecord.Complete
  fun Complete(): bool {
    rec.phase = PH_COMPLETED;
    rec.written = now;
    if (!Persist()) { return false; }
    if (Crash()) { return false; }            // FaultPoint.CompletionRecorded
    return Done();
  }

  // Unregister from the recovery registry; Forget at every participant (one way, best effort).
  fun Done(): bool {
    var i: int;
    var m: tMsg;
    stage = S_DONE;
    send stor, eRegRemove, id;
    while (i < sizeof(rec.req.ops)) {
      m = NewMsg(K_FORGET, rec.req.ops[i].pid, id);
      send net, eSend, m;
      i = i + 1;
    }
    return true;
  }

  fun AnswerWaiters() {
    var i: int;
    while (i < sizeof(waiters)) {
      Reply(waiters[i], K_EXEC_RESP, durable.dec, false);
      i = i + 1;
    }
    waiters = default(seq[tMsg]);
  }

  fun Register() {
    send stor, eRegAdd, (from = this, id = id);
    receive { case eRegAddResp: { } }
  }

  // PersistAsync: a version-checked write; on success the durable view moves on.
  fun Persist(): bool {
    var ok: bool;
    send stor, eCWrite, (from = this, id = id, ver = ver, rec = rec);
    receive {
      case eCWriteResp: (r: (ok: bool, ver: int)) {
        ok = r.ok;
        if (ok) { ver = r.ver; }
      }
    }
    if (ok) { durable = rec; }
    return ok;
  }

  // A call to participant i of the request, with its timeout (PrepareTimeout).
  fun Call(i: int, k: tK) {
    var m: tMsg;
    var op: tOp;
    op = rec.req.ops[i];
    nextCall = nextCall + 1;
    m = NewMsg(k, op.pid, id);
    m.call = addr * 1000 + nextCall;
    m.reply = this;
    m.epoch = rec.epoch;
    m.op = op;
    m.createdAt = rec.req.createdAt;
    calls[m.call] = i;
    send net, eSend, m;
    m = NewMsg(K_TIMEOUT, addr, id);
    m.dest = this;
    m.call = addr * 1000 + nextCall;
    send net, eSend, m;
  }

  fun Reply(m: tMsg, k: tK, s: tSt, done: bool) {
    var r: tMsg;
    if (m.reply == default(machine)) { return; }
    r = NewMsg(k, m.toAddr, id);
    r.dest = m.reply;
    r.call = m.call;
    r.st = s;
    r.done = done;
    send net, eSend, r;
  }

  fun Crash(): bool {
    return crashTok && choose(4) == 0;
  }
}
