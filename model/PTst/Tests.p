/*
 * Scenarios and test cases. Every scenario runs with today's rules (the C# code now) and with the fixed rules;
 * the same machines, one switch (tCfg.fixed). Small numbers: 1-2 operation ids, 2 participants, a few faults.
 * Time: Retention = 3 ticks, MaxClockSkew = 1 tick.
 */
enum tScenario { SC_TWO_PHASE, SC_STALE_PARTICIPANT, SC_STALE_COORDINATOR, SC_ONE_PHASE, SC_EXPIRY }

fun Transfer(id: int, amt: int): tReq {
  var r: tReq;
  r.id = id;
  r.ops += (0, (pid = 0, amt = -amt));
  r.ops += (1, (pid = 1, amt = amt));
  return r;
}

fun Single(id: int, pid: int, amt: int): tReq {
  var r: tReq;
  r.id = id;
  r.ops += (0, (pid = pid, amt = amt));
  return r;
}

machine World {
  start state Init {
    entry (p: (sc: tScenario, fixed: bool, broken: bool)) {
      var cfg: tCfg;
      var nc: tNetCfg;
      var balances: seq[int];
      var stor: Storage;
      var net: Net;
      var op: tMsg;
      var writeFaults: int;

      cfg = (fixed = p.fixed, broken = p.broken, retention = 3, skew = 1);
      nc = (crashes = 2, staleParticipants = 0, staleCoordinators = 0, drops = 1, earlyTimers = 3, maxTime = 1, skew = 1);
      balances += (0, 1);
      balances += (1, 0);
      writeFaults = 1;
      if (p.sc == SC_STALE_PARTICIPANT) { nc.staleParticipants = 1; nc.crashes = 1; }
      if (p.sc == SC_STALE_COORDINATOR) { nc.staleCoordinators = 1; nc.crashes = 1; }
      if (p.sc == SC_EXPIRY) { nc.maxTime = 7; nc.crashes = 1; writeFaults = 0; }
      if (p.broken) { nc.crashes = 0; nc.drops = 0; writeFaults = 0; }

      announce eMonSetup, (balances = balances,);
      stor = new Storage((cfg = cfg, balances = balances, writeFaults = writeFaults));
      net = new Net((cfg = cfg, nc = nc, stor = stor));
      new RecoverySweeper((net = net, stor = stor, minSweeps = 2));

      if (p.sc == SC_ONE_PHASE) {
        // A one-phase withdrawal and a transfer competing for the same unit.
        new Client((net = net, cfg = cfg, req = Single(1, 0, -1), addr = 20, retries = 2, resubmitAt = 0, off = choose(2)));
        new Client((net = net, cfg = cfg, req = Transfer(2, 1), addr = 21, retries = 2, resubmitAt = 0, off = choose(2)));
        return;
      }
      if (p.sc == SC_EXPIRY) {
        // A transfer; the client comes back after the retention period with the same id.
        new RetentionSweeper((net = net, stor = stor, skew = cfg.skew, maxTime = nc.maxTime));
        new Client((net = net, cfg = cfg, req = Transfer(1, 1), addr = 20, retries = 2, resubmitAt = 6, off = choose(2)));
        return;
      }
      // A transfer, submitted by two clients at once (concurrent duplicates), maybe aborted by an operator.
      new Client((net = net, cfg = cfg, req = Transfer(1, 1), addr = 20, retries = 2, resubmitAt = 0, off = choose(2)));
      new Client((net = net, cfg = cfg, req = Transfer(1, 1), addr = 21, retries = 1, resubmitAt = 0, off = choose(2)));
      if (!p.broken && $) {
        op = NewMsg(K_OPABORT, CoordAddr(1), 1);
        send net, eSend, op;
      }
    }
  }
}

machine FixedTwoPhase { start state I { entry { new World((sc = SC_TWO_PHASE, fixed = true, broken = false)); } } }
machine FixedStaleParticipant { start state I { entry { new World((sc = SC_STALE_PARTICIPANT, fixed = true, broken = false)); } } }
machine FixedStaleCoordinator { start state I { entry { new World((sc = SC_STALE_COORDINATOR, fixed = true, broken = false)); } } }
machine FixedOnePhase { start state I { entry { new World((sc = SC_ONE_PHASE, fixed = true, broken = false)); } } }
machine FixedExpiry { start state I { entry { new World((sc = SC_EXPIRY, fixed = true, broken = false)); } } }
machine TodayOnePhase { start state I { entry { new World((sc = SC_ONE_PHASE, fixed = false, broken = false)); } } }
machine TodayStaleParticipant { start state I { entry { new World((sc = SC_STALE_PARTICIPANT, fixed = false, broken = false)); } } }
machine TodayStaleCoordinator { start state I { entry { new World((sc = SC_STALE_COORDINATOR, fixed = false, broken = false)); } } }
machine TodayExpiry { start state I { entry { new World((sc = SC_EXPIRY, fixed = false, broken = false)); } } }
machine BrokenCommitWithoutVotes { start state I { entry { new World((sc = SC_TWO_PHASE, fixed = true, broken = true)); } } }

module Protocol = { Storage, Net, Participant, Coordinator, Client, RecoverySweeper, RetentionSweeper, World };

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
