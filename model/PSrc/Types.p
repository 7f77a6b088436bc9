/*
 * Types, messages and configuration shared by every machine of the model.
 *
 * Addresses: participant p is grain address p (0, 1); the coordinator of operation id k is grain address
 * CoordAddr(k). Clients and sweepers are not grains: they are only ever answered (dest = the machine).
 * Every grain-to-grain message goes through the Net machine, which may delay, reorder and drop it and picks the
 * activation that receives it. Replies and timers carry dest = the machine that asked: Orleans delivers a response
 * to the activation that called, or not at all.
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
  K_TICK_CLIENT     // timer: the client comes back later (resubmission after expiry)
}

// Statuses, as TransactionStatus plus the refusals a client can get.
enum tSt { ST_UNKNOWN, ST_INPROGRESS, ST_COMMITTED, ST_ABORTED, ST_EXPIRED }

// CoordinatorPhase.
enum tPhase { PH_NONE, PH_PREPARING, PH_COMMITTING, PH_ABORTING, PH_COMPLETED }

// A participant operation: amt < 0 debits (reserves funds at prepare), amt > 0 credits.
type tOp = (pid: int, amt: int);

// A request: the operation id, its operations (its fingerprint) and the creation time the caller fixed.
type tReq = (id: int, ops: seq[tOp], createdAt: int);

// The envelope. now is stamped by the network at delivery (the global clock); each activation adds its skew.
type tMsg = (k: tK, toAddr: int, dest: machine, reply: machine, id: int, call: int, epoch: int, op: tOp,
             createdAt: int, yes: bool, st: tSt, done: bool, req: tReq, now: int);

// The rules in force: today's (the C# code now) or the fixed ones; broken: a deliberately wrong rule.
type tCfg = (fixed: bool, broken: bool, retention: int, skew: int);

// CoordinatorRecord: phase, request, epoch, decision, votes (0 none, 1 yes, 2 no), written = last write time.
type tCRec = (phase: tPhase, req: tReq, epoch: int, dec: tSt, votes: seq[int], noRecord: bool, written: int);

// ParticipantState: PreparedRecord and EndedRecord per operation id. fence: an aborted record written by an Abort
// that found nothing (fixed rules). log is ghost state for the monitors only: every effect, in order.
type tPrep = (epoch: int, op: tOp, createdAt: int);
type tEnd = (committed: bool, op: tOp, createdAt: int, at: int, fence: bool);
enum tEffKind { EF_PREPARE, EF_APPLY, EF_RELEASE }
type tEff = (id: int, kind: tEffKind, amt: int);
type tPState = (balance: int, held: int, prep: map[int, tPrep], ended: map[int, tEnd], log: seq[tEff]);

// The network's choices: how many of each fault one schedule may contain.
type tNetCfg = (crashes: int, staleParticipants: int, staleCoordinators: int, drops: int, earlyTimers: int,
                maxTime: int, skew: int);

// ---- events between machines
event eSend: tMsg;       // any machine -> Net
event eDeliver: tMsg;    // Net -> the receiving machine
event eStep;             // Net -> itself
event eDied: (addr: int, m: machine);   // an activation crashed or deactivated

// Storage (grain storage with ETags; version 0 = no row).
event eCLoad: (from: machine, id: int);
event eCLoadResp: (rec: tCRec, ver: int);
event eCWrite: (from: machine, id: int, ver: int, rec: tCRec);
event eCWriteResp: (ok: bool, ver: int);
event ePLoad: (from: machine, pid: int);
event ePLoadResp: (st: tPState, ver: int);
event ePWrite: (from: machine, pid: int, ver: int, st: tPState);
event ePWriteResp: (ok: bool, ver: int);
event eRegAdd: (from: machine, id: int);
event eRegAddResp;
event eRegRemove: int;
event eRegList: machine;
event eRegListResp: set[int];
event eRetentionSweep: (from: machine, now: int);
event eRetentionDone;

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

fun IsTimer(k: tK): bool {
  return k == K_TIMEOUT || k == K_TICK_STALE || k == K_TICK_RECOVERY || k == K_TICK_RETENTION || k == K_TICK_CLIENT;
}

fun IsResponse(k: tK): bool {
  return k == K_EXEC_RESP || k == K_VOTE || k == K_C1P_RESP || k == K_COMMIT_ACK || k == K_ABORT_RESP
    || k == K_STATUS_RESP || k == K_DECISION_RESP;
}

fun Decided(st: tSt): bool { return st == ST_COMMITTED || st == ST_ABORTED; }
