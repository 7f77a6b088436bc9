/*
 * The properties. Every monitor judges durable state: Storage announces each row that lands (coordinator records,
 * participant states with their ghost effect log), so what an activation believes does not count, only what is
 * written. Clients announce each answer they get.
 */
event eMonSetup: (balances: seq[int]);
event eMonCoordStored: (id: int, prevVer: int, rec: tCRec);
event eMonPartStored: (pid: int, st: tPState);
event eMonPurged: int;
event eMonClientAnswer: (id: int, st: tSt);

fun Key(id: int, pid: int): int { return id * 100 + pid; }

// A decision never changes: once a stored record of an id says committed or aborted, every later stored record
// of that id says the same.
spec DecisionNeverChanges observes eMonCoordStored {
  var dec: map[int, tSt];
  start state Watch {
    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) {
      if (e.id in dec && (Decided(e.rec.dec) || e.prevVer != 0)) {
        // (A Begin landing on no row after retention purged a decided record is RunsOnce's to judge.)
        assert e.rec.dec == dec[e.id],
          format("DecisionNeverChanges: id {0} was decided {1}, now stored as {2}", e.id, dec[e.id], e.rec.dec);
      } else if (Decided(e.rec.dec)) {
        dec[e.id] = e.rec.dec;
      }
    }
  }
}

// All or none, at most once, and the ledger:
// - an effect is applied at most once per participant and id;
// - no participant applies an id that is decided aborted, and no abort is decided for an id some participant applied;
// - a commit is decided only when every participant of the id holds (or held) a durable prepared record (two phase)
//   or applied (one phase), and none of them released that prepared record before the decision;
// - a participant releases a prepared record of a committed id only if it applied that id (a stray after forgetting);
// - every stored ledger: balance >= 0, 0 <= held <= balance, balance = initial + the effects it applied.
spec Atomicity observes eMonSetup, eMonCoordStored, eMonPartStored {
  var init: seq[int];
  var seen: map[int, int];        // pid -> effects of its log already judged
  var prepared: set[int];         // Key(id, pid): held a durable prepared record
  var applied: map[int, int];     // Key(id, pid) -> times applied
  var releasedFirst: set[int];    // Key(id, pid): released a prepared record without having applied
  var dec: map[int, tSt];

  start state Watch {
    on eMonSetup do (s: (balances: seq[int])) { init = s.balances; }

    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) {
      var i: int;
      var n: int;
      var k: int;
      var ops: seq[tOp];
      if (!Decided(e.rec.dec) || e.id in dec) { return; }
      dec[e.id] = e.rec.dec;
      ops = Ops(e.id);
      n = sizeof(ops);
      while (i < n) {
        k = Key(e.id, ops[i].pid);
        if (e.rec.dec == ST_COMMITTED) {
          if (n > 1) {
            assert k in prepared,
              format("Atomicity: id {0} decided commit but participant {1} never held a durable prepared record", e.id, ops[i].pid);
          } else {
            assert k in applied,
              format("Atomicity: one-phase id {0} decided commit but participant {1} never applied it", e.id, ops[i].pid);
          }
          assert !(k in releasedFirst),
            format("Atomicity: id {0} decided commit but participant {1} had already released its prepared record (it was told abort/unknown)", e.id, ops[i].pid);
        } else {
          assert !(k in applied),
            format("Atomicity: id {0} decided abort but participant {1} applied it", e.id, ops[i].pid);
        }
        i = i + 1;
      }
    }

    on eMonPartStored do (e: (pid: int, st: tPState)) {
      var i: int;
      var ef: tEff;
      var k: int;
      var sum: int;
      if (!(e.pid in seen)) { seen[e.pid] = 0; }
      assert sizeof(e.st.log) >= seen[e.pid], format("model: participant {0}'s stored history went backwards", e.pid);
      i = seen[e.pid];
      while (i < sizeof(e.st.log)) {
        ef = e.st.log[i];
        k = Key(ef.id, e.pid);
        if (ef.kind == EF_PREPARE) {
          prepared += (k);
        } else if (ef.kind == EF_APPLY) {
          if (!(k in applied)) { applied[k] = 0; }
          applied[k] = applied[k] + 1;
          assert applied[k] == 1,
            format("AtMostOnce: participant {0} applied id {1} {2} times", e.pid, ef.id, applied[k]);
          assert !(ef.id in dec) || dec[ef.id] == ST_COMMITTED,
            format("Atomicity: participant {0} applied id {1}, which was decided abort", e.pid, ef.id);
        } else {
          if (!(k in applied)) {
            assert !(ef.id in dec) || dec[ef.id] != ST_COMMITTED,
              format("Atomicity: participant {0} released its prepared record of id {1}, which was decided commit, without applying it", e.pid, ef.id);
            releasedFirst += (k);
          }
        }
        i = i + 1;
      }
      seen[e.pid] = sizeof(e.st.log);

      assert e.st.balance >= 0, format("Ledger: participant {0} balance {1} is negative", e.pid, e.st.balance);
      assert e.st.held >= 0 && e.st.held <= e.st.balance,
        format("Ledger: participant {0} holds {1} of balance {2}", e.pid, e.st.held, e.st.balance);
      i = 0;
      sum = init[e.pid];
      while (i < sizeof(e.st.log)) {
        if (e.st.log[i].kind == EF_APPLY) { sum = sum + e.st.log[i].amt; }
        i = i + 1;
      }
      assert e.st.balance == sum, format("Ledger: participant {0} balance {1}, but its applied effects make {2}", e.pid, e.st.balance, sum);
    }
  }
}

// Every definite answer a client gets (committed / aborted) is the stored decision of its id, and stays it.
spec ClientAnswers observes eMonCoordStored, eMonClientAnswer {
  var dec: map[int, tSt];
  var told: map[int, tSt];
  start state Watch {
    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) {
      if (Decided(e.rec.dec)) {
        if (!(e.id in dec)) { dec[e.id] = e.rec.dec; }
        if (e.id in told) {
          assert told[e.id] == e.rec.dec,
            format("ClientAnswers: a client was told {0} for id {1}, but {2} is stored", told[e.id], e.id, e.rec.dec);
        }
      }
    }
    on eMonClientAnswer do (a: (id: int, st: tSt)) {
      if (!Decided(a.st)) { return; }
      assert a.id in dec, format("ClientAnswers: a client was told {0} for id {1} before any decision was stored", a.st, a.id);
      assert dec[a.id] == a.st, format("ClientAnswers: a client was told {0} for id {1}, but {2} was decided", a.st, a.id, dec[a.id]);
      told[a.id] = a.st;
    }
  }
}

// An operation id runs at most once: its Begin lands once, and never again after retention purged its record.
spec RunsOnce observes eMonCoordStored, eMonPurged {
  var begun: set[int];
  var purged: set[int];
  start state Watch {
    on eMonPurged do (id: int) { purged += (id); }
    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) {
      if (e.prevVer != 0 || e.rec.noRecord) { return; }
      assert !(e.id in purged), format("RunsOnce: id {0} ran again after retention purged its record", e.id);
      assert !(e.id in begun), format("RunsOnce: id {0} began twice", e.id);
      begun += (e.id);
    }
  }
}

// Liveness (fair schedules, finitely many faults): every begun id gets a decision, every stored prepared record
// ends, every participant of a committed id applies it, and the money adds up (the initial total plus what
// committed one-phase deposits and withdrawals moved). Hot while any of that is outstanding.
spec Progress observes eMonSetup, eMonCoordStored, eMonPartStored, eMonPurged {
  var undecided: set[int];
  var judged: set[int];
  var owed: set[int];             // Key(id, pid): committed, not yet applied
  var appliedKeys: set[int];
  var preparedAt: map[int, int];  // pid -> prepared records stored
  var balance: map[int, int];
  var expected: int;

  start cold state Idle {
    on eMonSetup do (s: (balances: seq[int])) { Setup(s.balances); }
    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) { OnCoord(e.id, e.rec); Judge(); }
    on eMonPartStored do (e: (pid: int, st: tPState)) { OnPart(e.pid, e.st); Judge(); }
    on eMonPurged do (id: int) { if (id in undecided) { undecided -= (id); } Judge(); }
  }

  hot state Pending {
    on eMonCoordStored do (e: (id: int, prevVer: int, rec: tCRec)) { OnCoord(e.id, e.rec); Judge(); }
    on eMonPartStored do (e: (pid: int, st: tPState)) { OnPart(e.pid, e.st); Judge(); }
    on eMonPurged do (id: int) { if (id in undecided) { undecided -= (id); } Judge(); }
  }

  fun Setup(b: seq[int]) {
    var i: int;
    while (i < sizeof(b)) {
      balance[i] = b[i];
      preparedAt[i] = 0;
      expected = expected + b[i];
      i = i + 1;
    }
  }

  fun OnCoord(id: int, rec: tCRec) {
    var i: int;
    var k: int;
    var ops: seq[tOp];
    if (rec.noRecord) { return; }
    if (!Decided(rec.dec)) {
      undecided += (id);
      return;
    }
    // Judged once, at the first decided record: it normally follows a Begin record (undecided), but a design
    // without one (the nobegin case) stores the decision first.
    if (id in judged) { return; }
    judged += (id);
    if (id in undecided) { undecided -= (id); }
    if (rec.dec == ST_COMMITTED) {
      ops = Ops(id);
      while (i < sizeof(ops)) {
        k = Key(id, ops[i].pid);
        expected = expected + ops[i].amt;
        if (!(k in appliedKeys)) { owed += (k); }
        i = i + 1;
      }
    }
  }

  fun OnPart(pid: int, st: tPState) {
    var i: int;
    var k: int;
    balance[pid] = st.balance;
    preparedAt[pid] = sizeof(st.prep);
    while (i < sizeof(st.log)) {
      if (st.log[i].kind == EF_APPLY) {
        k = Key(st.log[i].id, pid);
        appliedKeys += (k);
        if (k in owed) { owed -= (k); }
      }
      i = i + 1;
    }
  }

  fun Judge() {
    var i: int;
    var total: int;
    var prepared: int;
    var pids: seq[int];
    pids = keys(balance);
    while (i < sizeof(pids)) {
      total = total + balance[pids[i]];
      prepared = prepared + preparedAt[pids[i]];
      i = i + 1;
    }
    if (sizeof(undecided) > 0 || sizeof(owed) > 0 || prepared > 0 || total != expected) {
      goto Pending;
    } else {
      goto Idle;
    }
  }
}
