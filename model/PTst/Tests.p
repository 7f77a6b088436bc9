/*
 * Scenarios and test cases. Every scenario runs with today's rules (the C# code now) and with the fixed rules:
 * the same machines, one switch (tCfg.fixed). Small numbers: 1-2 operation ids, 2 participants (accounts 0 and 1,
 * balances 1 and 0), a few faults dealt out at random to the grains. Time: Retention = 3 ticks, MaxClockSkew = 1.
 */
enum tScenario { SC_TWO_PHASE, SC_STALE_PARTICIPANT, SC_STALE_COORDINATOR, SC_ONE_PHASE, SC_EXPIRY, SC_EXPIRY_2SKEW, SC_ONE_PHASE_NO_BEGIN }

machine World {
  start state Init {
    entry (p: (sc: tScenario, fixed: bool, broken: bool)) {
      var cfg: tCfg;
      var balances: seq[int];
      var ids: seq[int];
      var faults: map[int, tFaults];   // grain address -> its share of the faults
      var dir: map[int, machine];
      var addrs: seq[int];
      var i: int;
      var crashes: int;
      var drops: int;
      var writeFaults: int;
      var early: int;
      var maxTime: int;
      var a: int;
      var t: tFaults;
      var op: tMsg;

      cfg = (fixed = p.fixed, broken = p.broken, retention = 3, skew = 1, purgeSkews = 1, noBegin = false);
      if (p.sc == SC_EXPIRY_2SKEW) { p.sc = SC_EXPIRY; cfg.purgeSkews = 2; }
      if (p.sc == SC_ONE_PHASE_NO_BEGIN) { p.sc = SC_ONE_PHASE; cfg.noBegin = true; }
      balances += (0, 1);
      balances += (1, 0);
      crashes = 2;
      drops = 1;
      writeFaults = 1;
      early = 3;
      maxTime = 1;
      if (p.sc == SC_ONE_PHASE) { ids += (0, 2); }
      ids += (sizeof(ids), 1);
      if (p.sc == SC_STALE_PARTICIPANT || p.sc == SC_STALE_COORDINATOR) { crashes = 1; }
      if (p.sc == SC_EXPIRY) { maxTime = 7; crashes = 1; writeFaults = 0; }
      if (p.broken) { crashes = 0; drops = 0; writeFaults = 0; }
      ClockReset(maxTime);
      announce eMonSetup, (balances = balances,);

      // The grains, each with its share of the faults.
      addrs += (0, 0);
      addrs += (1, 1);
      while (i < sizeof(ids)) { addrs += (sizeof(addrs), CoordAddr(ids[i])); i = i + 1; }
      i = 0;
      while (i < sizeof(addrs)) { faults[addrs[i]] = default(tFaults); i = i + 1; }
      while (crashes > 0) { a = choose(addrs); t = faults[a]; t.crashes = t.crashes + 1; faults[a] = t; crashes = crashes - 1; }
      while (drops > 0) { a = choose(addrs); t = faults[a]; t.drops = t.drops + 1; faults[a] = t; drops = drops - 1; }
      while (writeFaults > 0) { a = choose(addrs); t = faults[a]; t.writeFaults = t.writeFaults + 1; faults[a] = t; writeFaults = writeFaults - 1; }
      while (early > 0) { a = choose(addrs); t = faults[a]; t.early = t.early + 1; faults[a] = t; early = early - 1; }
      if (p.sc == SC_STALE_PARTICIPANT) { a = choose(2); t = faults[a]; t.stales = 1; faults[a] = t; }
      if (p.sc == SC_STALE_COORDINATOR) { t = faults[CoordAddr(1)]; t.stales = 1; faults[CoordAddr(1)] = t; }
      if (p.sc == SC_ONE_PHASE) { t = faults[CoordAddr(2)]; t.early = t.early + 1; faults[CoordAddr(2)] = t; }

      dir[0] = new Participant((pid = 0, cfg = cfg, balance = balances[0], faults = faults[0]));
      dir[1] = new Participant((pid = 1, cfg = cfg, balance = balances[1], faults = faults[1]));
      i = 0;
      while (i < sizeof(ids)) {
        dir[CoordAddr(ids[i])] = new Coordinator((id = ids[i], cfg = cfg, faults = faults[CoordAddr(ids[i])]));
        i = i + 1;
      }
      dir[30] = new RecoverySweeper((ids = ids,));
      addrs = keys(dir);
      i = 0;
      while (i < sizeof(addrs)) { send dir[addrs[i]], eWire, dir; i = i + 1; }
      if (p.sc == SC_ONE_PHASE) {
        // A one-phase withdrawal (id 2) and a transfer (id 1) competing for the same unit of account 0.
        new Client((dir = dir, cfg = cfg, id = 2, addr = 20, retries = -1, resubmitAt = 0, off = choose(2), early = 1));
        new Client((dir = dir, cfg = cfg, id = 1, addr = 21, retries = -1, resubmitAt = 0, off = choose(2), early = 0));
        return;
      }
      if (p.sc == SC_EXPIRY) {
        // A transfer; the client comes back after the retention period with the same id.
        new RetentionSweeper((dir = dir, ids = ids, skew = cfg.skew, maxTime = maxTime));
        new Client((dir = dir, cfg = cfg, id = 1, addr = 20, retries = -1, resubmitAt = 4, off = choose(2), early = 1));
        return;
      }
      // A transfer, submitted by two clients at once (concurrent duplicates), maybe aborted by an operator.
      new Client((dir = dir, cfg = cfg, id = 1, addr = 20, retries = -1, resubmitAt = 0, off = choose(2), early = 1));
      if (p.sc == SC_TWO_PHASE) {
        new Client((dir = dir, cfg = cfg, id = 1, addr = 21, retries = -1, resubmitAt = 0, off = choose(2), early = 0));
      }
      if (!p.broken && $) {
        op = NewMsg(K_OPABORT, CoordAddr(1), 1);
        send dir[CoordAddr(1)], eDeliver, op;
      }
    }
  }
}

machine FixedTwoPhase { start state I { entry { new World((sc = SC_TWO_PHASE, fixed = true, broken = false)); } } }
machine FixedStaleParticipant { start state I { entry { new World((sc = SC_STALE_PARTICIPANT, fixed = true, broken = false)); } } }
machine FixedStaleCoordinator { start state I { entry { new World((sc = SC_STALE_COORDINATOR, fixed = true, broken = false)); } } }
machine FixedOnePhase { start state I { entry { new World((sc = SC_ONE_PHASE, fixed = true, broken = false)); } } }
machine FixedExpiry { start state I { entry { new World((sc = SC_EXPIRY, fixed = true, broken = false)); } } }
machine FixedExpiry2Skew { start state I { entry { new World((sc = SC_EXPIRY_2SKEW, fixed = true, broken = false)); } } }
machine TodayOnePhase { start state I { entry { new World((sc = SC_ONE_PHASE, fixed = false, broken = false)); } } }
machine TodayStaleParticipant { start state I { entry { new World((sc = SC_STALE_PARTICIPANT, fixed = false, broken = false)); } } }
machine TodayStaleCoordinator { start state I { entry { new World((sc = SC_STALE_COORDINATOR, fixed = false, broken = false)); } } }
machine TodayExpiry { start state I { entry { new World((sc = SC_EXPIRY, fixed = false, broken = false)); } } }
machine NoBeginOnePhase { start state I { entry { new World((sc = SC_ONE_PHASE_NO_BEGIN, fixed = true, broken = false)); } } }
machine BrokenCommitWithoutVotes { start state I { entry { new World((sc = SC_TWO_PHASE, fixed = true, broken = true)); } } }

module Protocol = { Participant, Coordinator, Client, RecoverySweeper, RetentionSweeper, World };

test fixed_two_phase [main = FixedTwoPhase]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedTwoPhase });
test fixed_stale_participant [main = FixedStaleParticipant]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedStaleParticipant });
test fixed_stale_coordinator [main = FixedStaleCoordinator]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedStaleCoordinator });
test fixed_one_phase [main = FixedOnePhase]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedOnePhase });
test fixed_expiry [main = FixedExpiry]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedExpiry });
test fixed_expiry_2skew [main = FixedExpiry2Skew]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { FixedExpiry2Skew });
test today_one_phase [main = TodayOnePhase]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { TodayOnePhase });
test today_stale_participant [main = TodayStaleParticipant]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { TodayStaleParticipant });
test today_stale_coordinator [main = TodayStaleCoordinator]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { TodayStaleCoordinator });
test today_expiry [main = TodayExpiry]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { TodayExpiry });
test broken_commit_without_votes [main = BrokenCommitWithoutVotes]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { BrokenCommitWithoutVotes });
test nobegin_one_phase [main = NoBeginOnePhase]:
  assert DecisionNeverChanges, Atomicity, ClientAnswers, RunsOnce, Progress in (union Protocol, { NoBeginOnePhase });
