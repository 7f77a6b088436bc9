/*
 * The callers and the background services: the client (TransactionClient), the recovery sweeper (RecoverySweeper +
 * RecoveryShardGrain.Sweep) and the retention sweeper (RetentionSweeper.SweepOnceAsync). None of them is a grain the
 * protocol depends on for safety, so they do not crash; their messages are delayed and lost like any other.
 */

// The client: Execute with one operation id until it gets an answer, retrying the same id on timeout (retries
// times; concurrent duplicates arise when a retry overtakes the first call). On today's rules it stamps createdAt
// anew on every call, as TransactionClient does; on the fixed rules createdAt is fixed once, with the request.
// resubmitAt > 0: after the answer, it comes back once when its clock reads resubmitAt (resubmission after expiry).
machine Client {
  var net: Net;
  var cfg: tCfg;
  var req: tReq;
  var addr: int;
  var off: int;
  var retries: int;
  var resubmitAt: int;
  var resubmitted: bool;
  var call: int;
  var nextCall: int;
  var finished: bool;

  start state Run {
    entry (p: (net: Net, cfg: tCfg, req: tReq, addr: int, retries: int, resubmitAt: int, off: int)) {
      net = p.net;
      cfg = p.cfg;
      req = p.req;
      addr = p.addr;
      retries = p.retries;
      resubmitAt = p.resubmitAt;
      off = p.off;
      req.createdAt = off;
      Execute(off);
    }

    on eDeliver do (m: tMsg) {
      var now: int;
      var t: tMsg;
      now = m.now + off;
      if (m.k == K_EXEC_RESP && m.call == call && !finished) {
        call = 0;
        announce eMonClientAnswer, (id = req.id, st = m.st);
        if (resubmitAt > 0 && !resubmitted) {
          ArmLater();
        } else {
          finished = true;
        }
        return;
      }
      if (m.k == K_TIMEOUT && m.call == call && !finished) {
        call = 0;
        if (retries > 0) {
          retries = retries - 1;
          Execute(now);
        }
        return;
      }
      if (m.k == K_TICK_CLIENT && !finished) {
        if (now < resubmitAt) {
          ArmLater();
          return;
        }
        resubmitted = true;
        Execute(now);
      }
    }
  }

  fun Execute(now: int) {
    var m: tMsg;
    if (!cfg.fixed) { req.createdAt = now; }   // today: TransactionClient stamps CreatedAt on every call
    nextCall = nextCall + 1;
    call = addr * 1000 + nextCall;
    m = NewMsg(K_EXECUTE, CoordAddr(req.id), req.id);
    m.req = req;
    m.call = call;
    m.reply = this;
    send net, eSend, m;
    m = NewMsg(K_TIMEOUT, addr, req.id);
    m.call = call;
    m.dest = this;
    send net, eSend, m;
  }

  fun ArmLater() {
    var m: tMsg;
    m = NewMsg(K_TICK_CLIENT, addr, req.id);
    m.dest = this;
    send net, eSend, m;
  }
}

// Recovery: every interval, wake the coordinator of every registered id (GetStatus activates it, and an activation
// resumes an unfinished record); drop the entries whose answer is completed or unknown. It sweeps at least
// minSweeps times and then for as long as the registry is not empty.
machine RecoverySweeper {
  var net: Net;
  var stor: Storage;
  var sweeps: int;
  var minSweeps: int;
  var calls: map[int, int];
  var nextCall: int;

  start state Run {
    entry (p: (net: Net, stor: Storage, minSweeps: int)) {
      net = p.net;
      stor = p.stor;
      minSweeps = p.minSweeps;
      Arm();
    }

    on eDeliver do (m: tMsg) {
      var ids: set[int];
      var i: int;
      var q: tMsg;
      if (m.k == K_TICK_RECOVERY) {
        sweeps = sweeps + 1;
        send stor, eRegList, this;
        receive { case eRegListResp: (r: set[int]) { ids = r; } }
        while (i < sizeof(ids)) {
          nextCall = nextCall + 1;
          q = NewMsg(K_GETSTATUS, CoordAddr(ids[i]), ids[i]);
          q.call = 30000 + nextCall;
          q.reply = this;
          calls[q.call] = ids[i];
          send net, eSend, q;
          q = NewMsg(K_TIMEOUT, 30, ids[i]);
          q.call = 30000 + nextCall;
          q.dest = this;
          send net, eSend, q;
          i = i + 1;
        }
        if (sizeof(ids) > 0 || sweeps < minSweeps) { Arm(); }
        return;
      }
      if (m.call in calls) {
        if (m.k == K_STATUS_RESP && (m.done || m.st == ST_UNKNOWN)) {
          send stor, eRegRemove, calls[m.call];
        }
        calls -= (m.call);
      }
    }
  }

  fun Arm() {
    var m: tMsg;
    m = NewMsg(K_TICK_RECOVERY, 30, 0);
    m.dest = this;
    send net, eSend, m;
  }
}

// Retention: deletes old coordinator records (the janitor's rule is in Storage). Its clock has its own skew on every
// sweep (silos differ). It sweeps until the clock reaches maxTime.
machine RetentionSweeper {
  var net: Net;
  var stor: Storage;
  var skew: int;
  var maxTime: int;

  start state Run {
    entry (p: (net: Net, stor: Storage, skew: int, maxTime: int)) {
      net = p.net;
      stor = p.stor;
      skew = p.skew;
      maxTime = p.maxTime;
      Arm();
    }

    on eDeliver do (m: tMsg) {
      if (m.k == K_TICK_RETENTION) {
        send stor, eRetentionSweep, (from = this, now = m.now + choose(skew + 1));
        receive { case eRetentionDone: { } }
        if (m.now < maxTime) { Arm(); }
      }
    }
  }

  fun Arm() {
    var m: tMsg;
    m = NewMsg(K_TICK_RETENTION, 31, 0);
    m.dest = this;
    send net, eSend, m;
  }
}
