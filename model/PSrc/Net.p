/*
 * The environment: Orleans' messaging and activation, the clock, and the faults.
 *
 * - Every message sent waits in a bag; each step delivers one, chosen at random: any message may be delayed past any
 *   number of others (reordering) and up to drops of them are lost. Orleans delivers a message at most once, so the
 *   network never duplicates one; duplicates come from our own resends (Commit/Abort until answered, the client's
 *   Execute retries), as in the service.
 * - Timers (call timeouts, DecisionTimeout ticks, sweeps, a client's later resubmission) are bag entries too. They
 *   fire when nothing else is in flight, or early (earlyTimers of them per schedule, at any point): an early timeout
 *   is a message delayed past PrepareTimeout.
 * - A message for a grain goes to its activation, created (loading its state from storage) if there is none. Up to
 *   crashes activations may crash at any of their crash points (losing memory; storage stays). Up to
 *   staleParticipants / staleCoordinators times a second activation of a grain is started beside the live one
 *   (Orleans' duplicate activation during membership changes); each message then goes to either.
 * - The clock: a global tick count up to maxTime, advanced at random and whenever only timers are pending; each
 *   activation reads it plus its own skew (0..MaxClockSkew).
 */
machine Net {
  var cfg: tCfg;
  var nc: tNetCfg;
  var stor: Storage;
  var live: map[int, machine];
  var second: map[int, machine];
  var bag: seq[tMsg];
  var now: int;
  var stepping: bool;
  var crashes: int;
  var staleP: int;
  var staleC: int;
  var drops: int;
  var early: int;

  start state Init {
    entry (p: (cfg: tCfg, nc: tNetCfg, stor: Storage)) {
      cfg = p.cfg;
      nc = p.nc;
      stor = p.stor;
      crashes = nc.crashes;
      staleP = nc.staleParticipants;
      staleC = nc.staleCoordinators;
      drops = nc.drops;
      early = nc.earlyTimers;
      goto Run;
    }
  }

  state Run {
    on eSend do (m: tMsg) {
      bag += (sizeof(bag), m);
      Kick();
    }

    on eStep do {
      stepping = false;
      Step();
      Kick();
    }

    on eDied do (d: (addr: int, m: machine)) {
      if (d.addr in second && second[d.addr] == d.m) {
        second -= (d.addr);
      } else if (d.addr in live && live[d.addr] == d.m) {
        live -= (d.addr);
        if (d.addr in second) {
          live[d.addr] = second[d.addr];
          second -= (d.addr);
        }
      }
    }
  }

  fun Kick() {
    if (!stepping && sizeof(bag) > 0) {
      stepping = true;
      send this, eStep;
    }
  }

  fun Step() {
    var normal: seq[int];
    var timers: seq[int];
    var i: int;
    var pick: int;
    var m: tMsg;

    while (i < sizeof(bag)) {
      if (IsTimer(bag[i].k)) { timers += (sizeof(timers), i); } else { normal += (sizeof(normal), i); }
      i = i + 1;
    }

    if ((staleP > 0 || staleC > 0) && choose(6) == 0) {
      if (MakeSecond()) { return; }
    }

    if (now < nc.maxTime && ((sizeof(normal) == 0 && $) || choose(12) == 0)) {
      now = now + 1;
      return;
    }

    if (sizeof(normal) > 0 && (sizeof(timers) == 0 || early == 0 || choose(4) != 0)) {
      pick = normal[choose(sizeof(normal))];
    } else {
      pick = timers[choose(sizeof(timers))];
      if (sizeof(normal) > 0) { early = early - 1; }
    }
    m = bag[pick];
    bag -= (pick);

    if (!IsTimer(m.k) && drops > 0 && choose(10) == 0) {
      drops = drops - 1;
      return;
    }
    Deliver(m);
  }

  fun Deliver(m: tMsg) {
    var i: int;
    m.now = now;
    if (m.dest != default(machine)) {
      if (IsResponse(m.k)) {
        // The call is answered: its timeout is cancelled.
        i = 0;
        while (i < sizeof(bag)) {
          if (bag[i].k == K_TIMEOUT && bag[i].call == m.call) { bag -= (i); } else { i = i + 1; }
        }
      }
      send m.dest, eDeliver, m;
      return;
    }
    if (m.toAddr in second && $) {
      send second[m.toAddr], eDeliver, m;
      return;
    }
    if (!(m.toAddr in live)) {
      live[m.toAddr] = NewActivation(m.toAddr);
    }
    send live[m.toAddr], eDeliver, m;
  }

  fun NewActivation(a: int): machine {
    var tok: bool;
    var off: int;
    if (crashes > 0 && $) {
      tok = true;
      crashes = crashes - 1;
    }
    off = choose(nc.skew + 1);
    if (IsParticipantAddr(a)) {
      return new Participant((net = this, stor = stor, cfg = cfg, pid = a, crashTok = tok, off = off));
    }
    return new Coordinator((net = this, stor = stor, cfg = cfg, id = a - 10, crashTok = tok, off = off));
  }

  // A duplicate activation of a grain that has a live one.
  fun MakeSecond(): bool {
    var cands: seq[int];
    var addrs: seq[int];
    var i: int;
    var a: int;
    addrs = keys(live);
    while (i < sizeof(addrs)) {
      a = addrs[i];
      if (!(a in second) && ((IsParticipantAddr(a) && staleP > 0) || (IsCoordAddr(a) && staleC > 0))) {
        cands += (sizeof(cands), a);
      }
      i = i + 1;
    }
    if (sizeof(cands) == 0) { return false; }
    a = cands[choose(sizeof(cands))];
    if (IsParticipantAddr(a)) { staleP = staleP - 1; } else { staleC = staleC - 1; }
    second[a] = NewActivation(a);
    return true;
  }
}
