/*
 * Types, messages and configuration shared by every machine of the model.
 *
 * Each grain (participant p, the coordinator of operation id k) is one P machine that holds the grain's storage row
 * and its activations: the live one and, at times, a second (stale) one, each with its own memory loaded from the
 * row. Messages go straight to the grain's machine; there each may be delayed (put back behind later ones), lost,
 * or handled by either activation. Replies and timers name the activation that asked (inc): Orleans answers the
 * activation that called, or nobody.
 */

// What a message is. One envelope type keeps the network generic.
enum tK {
  K_EXECUTE,        // client -> coordinator: Execute(request)                    (ExecuteAsync)
  K_EXEC_RESP,      // coordinator -> client: the outcome
  K_PREPARE,        // coordinator -> participant: Prepare(id, epoch, op, createdAt)
  K_VOTE,           // participant -> coordinator: yes / no
  K_C1P,            // coordinator -> participant: CommitOnePhase(id, epoch, op, createdAt)
  K_C1P_RESP,       // participant -> coordinator: yes (applied) / no (refused)
  K_COMMIT,         // coordinator -> participant: Commit(id, epoch)
  K_COMMIT_ACK,     // participant -> coordinator
  K_ABORT,          // coordinator -> participant: Abort(id, epoch)
  K_ABORT_RESP,     // participant -> coordinator: Aborted, or Committed (a one-phase commit applied)
  K_FORGET,         // coordinator -> participant, one way, after Completed
  K_GETSTATUS,      // sweeper (and, on today's rules, a participant) -> coordinator
  K_STATUS_RESP,
  K_GETDECISION,    // participant with an overdue prepared record -> coordinator (fixed rules)
  K_DECISION_RESP,
  K_OPABORT,        // operator -> coordinator: AbortByOperator
  K_TIMEOUT,        // timer: a call was not answered in time (PrepareTimeout, client deadline)
  K_TICK_STALE,     // timer: a participant's DecisionTimeout tick (ResolveStaleAsync)
  K_TICK_RECOVERY,  // timer: a recovery sweep (RecoverySweeper -> RecoveryShardGrain.Sweep)
  K_TICK_RETENTION, // timer: a retention sweep (RetentionSweeper.SweepOnceAsync)
  K_TICK_CLIENT,    // timer: the client comes back later (resubmission after expiry)
  K_FAIL,           // the call failed: the callee's activation died or was poisoned, or the message was lost
  K_SWEEP,          // recovery sweeper -> coordinator grain: wake the id if it is in the registry
  K_SWEEP_RESP,     // yes: still registered
  K_PURGE           // retention sweeper -> coordinator grain: the janitor's DELETE, with the sweeper's clock
}

// Statuses, as TransactionStatus plus the refusals a client can get.
enum tSt { ST_UNKNOWN, ST_INPROGRESS, ST_COMMITTED, ST_ABORTED, ST_EXPIRED }

// CoordinatorPhase.
enum tPhase { PH_NONE, PH_PREPARING, PH_COMMITTING, PH_ABORTING, PH_COMPLETED }

// A participant operation: amt < 0 debits (reserves funds at prepare), amt > 0 credits.
type tOp = (pid: int, amt: int);

// The requests are fixed per operation id (their fingerprint): Ops(id). Id 1 is a transfer of 1 from account 0 to
// account 1 (two phase), id 2 a withdrawal of 1 from account 0 (one phase). A message carries the id and the
// creation time the caller gave; the operation for a participant is Ops(id) at that participant.
fun Ops(id: int): seq[tOp] {
  var ops: seq[tOp];
  if (id == 1) {
    ops += (0, (pid = 0, amt = -1));
    ops += (1, (pid = 1, amt = 1));
  } else {
    ops += (0, (pid = 0, amt = -1));
  }
  return ops;
}

fun OpAt(id: int, pid: int): tOp {
  var ops: seq[tOp];
  var i: int;
  ops = Ops(id);
  while (i < sizeof(ops)) {
    if (ops[i].pid == pid) { return ops[i]; }
    i = i + 1;
  }
  return default(tOp);
}

// The envelope. reply/fromInc: the caller's machine and activation; inc: the activation a reply or timer is for
// (0: a request for the grain, handled by whichever activation); hops: how often it was put back (delayed).
type tMsg = (k: tK, toAddr: int, reply: machine, fromInc: int, inc: int, id: int, call: int, epoch: int,
             createdAt: int, yes: bool, st: tSt, done: bool, now: int, hops: int);

// The rules in force: today's (the C# code now) or the fixed ones; broken: a deliberately wrong rule.
// purgeSkews: the retention janitor deletes completed records last written before now - retention - purgeSkews *
// skew (the fixed rules say 1). noBegin: a design that is not the protocol, checked to show why it is not
// (docs/performance.md, "Writes per commit"): the coordinator writes no Begin record before its first message.
type tCfg = (fixed: bool, broken: bool, retention: int, skew: int, purgeSkews: int, noBegin: bool);

// CoordinatorRecord: phase, the request's createdAt (the request itself is Ops(id)), epoch, decision, votes (0 none, 1 yes, 2 no), written = last write time.
type tCRec = (phase: tPhase, createdAt: int, epoch: int, dec: tSt, votes: seq[int], noRecord: bool, written: int);

// ParticipantState: PreparedRecord and EndedRecord per operation id. fence: an aborted record written by an Abort
// that found nothing (fixed rules). log is ghost state for the monitors only: every effect, in order.
type tPrep = (epoch: int, op: tOp, createdAt: int);
type tEnd = (committed: bool, op: tOp, createdAt: int, at: int, fence: bool);
enum tEffKind { EF_PREPARE, EF_APPLY, EF_RELEASE }
type tEff = (id: int, kind: tEffKind, amt: int);
type tPState = (balance: int, held: int, prep: map[int, tPrep], ended: map[int, tEnd], log: seq[tEff]);

// Faults one grain may suffer in a schedule (the test driver deals them out): crashes of its activations, a second
// (stale) activation, lost messages, storage writes that fail (landed or not), calls it makes that time out early.
type tFaults = (crashes: int, stales: int, drops: int, writeFaults: int, early: int);

// ---- events
event eDeliver: tMsg;                 // a message arrives at a grain / client / sweeper
event eWire: map[int, machine];       // the driver tells every grain where the others are

// The clock: one global tick count (foreign, Clock.cs), advanced at random up to a bound. Each activation reads it
// plus its own skew (0..MaxClockSkew).
fun ClockReset(max: int);
fun ClockNow(): int;
fun ClockTick();

// ---- helpers
fun CoordAddr(id: int): int { return 10 + id; }
fun IsCoordAddr(a: int): bool { return a >= 10 && a < 20; }
fun IsParticipantAddr(a: int): bool { return a >= 0 && a < 10; }

fun NewMsg(k: tK, toAddr: int, id: int): tMsg {
  var m: tMsg;
  m = default(tMsg);
  m.k = k;
  m.toAddr = toAddr;
  m.id = id;
  return m;
}

// A reply to m, for the activation that called.
fun ReplyTo(m: tMsg, k: tK): tMsg {
  var r: tMsg;
  r = NewMsg(k, -1, m.id);
  r.inc = m.fromInc;
  r.call = m.call;
  return r;
}

// The network may delay a message: put it back behind the later ones (at most 3 times).
fun Delay(m: tMsg): bool {
  return m.hops < 3 && choose(3) == 0;
}

fun Decided(st: tSt): bool { return st == ST_COMMITTED || st == ST_ABORTED; }
