/*
 * The callers and the background services: the client (TransactionClient), the recovery sweeper (RecoverySweeper
 * driving RecoveryShardGrain.Sweep) and the retention sweeper (RetentionSweeper.SweepOnceAsync). They do not crash;
 * what they send is delayed and lost at the grains like any other message.
 */

// The client: Execute with one operation id until it gets a definite answer, retrying the same id when a call
// fails or times out (retries times, or for ever when retries < 0); a retry may overtake the first call, so
// duplicates run concurrently. On today's rules it stamps createdAt anew on every call, as TransactionClient does;
// on the fixed rules createdAt is fixed once, with the request. resubmitAt > 0: after the answer it comes back once,
// at some moment after its clock reads resubmitAt (a resubmission after expiry).
machine Client {
  var dir: map[int, machine];
  var cfg: tCfg;
  var id: int;
  var createdAt: int;
  var addr: int;
  var off: int;
  var retries: int;
  var resubmitAt: int;
  var resubmitted: bool;
  var call: int;
  var nextCall: int;
  var early: int;
  var finished: bool;

  start state Run {
    entry (p: (dir: map[int, machine], cfg: tCfg, id: int, addr: int, retries: int, resubmitAt: int, off: int, early: int)) {
      dir = p.dir;
      cfg = p.cfg;
      id = p.id;
      addr = p.addr;
      retries = p.retries;
      resubmitAt = p.resubmitAt;
      off = p.off;
      early = p.early;
      createdAt = ClockNow() + off;
      Execute();
    }

    on eDeliver do (m: tMsg) {
      if (m.k == K_EXEC_RESP && m.call == call && !finished) {
        call = 0;
        announce eMonClientAnswer, (id = id, st = m.st);
        if (Decided(m.st) && resubmitAt > 0 && !resubmitted) {
          ComeBackLater();
        } else if (Decided(m.st) || m.st == ST_EXPIRED) {
          finished = true;
        }
        return;
      }
      if ((m.k == K_TIMEOUT || m.k == K_FAIL) && m.call == call && !finished) {
        call = 0;
        if (retries != 0) {
          retries = retries - 1;
          Execute();
        }
        return;
      }
      if (m.k == K_TICK_CLIENT && !finished) {
        if ($) { ClockTick(); }
        if (ClockNow() + off < resubmitAt || $) {
          ComeBackLater();
          return;
        }
        resubmitted = true;
        Execute();
      }
    }
  }

  fun Execute() {
    var m: tMsg;
    if (!cfg.fixed) { createdAt = ClockNow() + off; }   // today: TransactionClient stamps CreatedAt on every call
    nextCall = nextCall + 1;
    call = addr * 1000 + nextCall;
    m = NewMsg(K_EXECUTE, CoordAddr(id), id);
    m.createdAt = createdAt;
    m.call = call;
    m.reply = this;
    send dir[CoordAddr(id)], eDeliver, m;
    if (early > 0 && choose(3) == 0) {
      early = early - 1;
      m = NewMsg(K_TIMEOUT, addr, id);
      m.call = call;
      send this, eDeliver, m;
    }
  }

  fun ComeBackLater() {
    var m: tMsg;
    m = NewMsg(K_TICK_CLIENT, addr, id);
    send this, eDeliver, m;
  }
}

// Recovery: every interval, wake every registered operation id (the coordinator grain activates, and an activation
// resumes an unfinished record); the grain drops its entry once its answer is completed or unknown. The service
// sweeps for ever; the model sweeps after every death of a coordinator activation (Coordinator.Die), and again when
// a sweep message was lost: a sweep while every activation lives finds nothing that they do not do themselves.
machine RecoverySweeper {
  var ids: seq[int];
  var dir: map[int, machine];
  var call: int;

  start state Init {
    entry (p: (ids: seq[int])) { ids = p.ids; }
    on eWire goto Run with (d: map[int, machine]) { dir = d; }
    defer eDeliver;
  }

  state Run {
    on eDeliver do (m: tMsg) {
      var i: int;
      var q: tMsg;
      if (m.k == K_TICK_RECOVERY) {
        call = call + 1;
        while (i < sizeof(ids)) {
          q = NewMsg(K_SWEEP, CoordAddr(ids[i]), ids[i]);
          q.call = call;
          q.reply = this;
          send dir[CoordAddr(ids[i])], eDeliver, q;
          i = i + 1;
        }
        return;
      }
      if (m.k == K_FAIL) { send this, eDeliver, NewMsg(K_TICK_RECOVERY, 30, 0); }
    }
  }
}

// Retention: the janitor's DELETE at every coordinator row (the rule is in Coordinator.Purge), with the sweeper's
// clock (its own skew on every sweep: silos differ). It sweeps until the clock reaches maxTime.
machine RetentionSweeper {
  var dir: map[int, machine];
  var ids: seq[int];
  var skew: int;
  var maxTime: int;

  start state Run {
    entry (p: (dir: map[int, machine], ids: seq[int], skew: int, maxTime: int)) {
      dir = p.dir;
      ids = p.ids;
      skew = p.skew;
      maxTime = p.maxTime;
      Arm();
    }

    on eDeliver do (m: tMsg) {
      var i: int;
      var q: tMsg;
      var now: int;
      if (m.k != K_TICK_RETENTION) { return; }
      if ($) { ClockTick(); }
      now = ClockNow();
      while (i < sizeof(ids)) {
        q = NewMsg(K_PURGE, CoordAddr(ids[i]), ids[i]);
        q.now = now + choose(skew + 1);
        send dir[CoordAddr(ids[i])], eDeliver, q;
        i = i + 1;
      }
      if (now < maxTime) { Arm(); }
    }
  }

  fun Arm() {
    send this, eDeliver, NewMsg(K_TICK_RETENTION, 31, 0);
  }
}
