/*
 * Grain storage: one row per coordinator record (operation id) and per participant, each with a version (the
 * ETag). A write names the version its writer loaded or last wrote; it lands only when the row still has that
 * version (version 0 = no row), and then gets a fresh version. A write may also fail (writeFaults of them per
 * schedule), having landed or not: the writer cannot tell, which is why a failed write poisons its activation.
 * Versions are never reused, except that a deleted row is "no row" again (what a janitor's DELETE leaves).
 *
 * Also the recovery registry (RecoveryShardGrain's Pending set, durable) and the retention janitor's DELETE.
 * Every row that lands is announced to the monitors: they judge what is durable, not what an activation believes.
 */
machine Storage {
  var cfg: tCfg;
  var crec: map[int, tCRec];
  var cver: map[int, int];
  var pst: map[int, tPState];
  var pver: map[int, int];
  var registry: set[int];
  var nextVer: int;
  var writeFaults: int;

  start state Init {
    entry (p: (cfg: tCfg, balances: seq[int], writeFaults: int)) {
      var i: int;
      var s: tPState;
      cfg = p.cfg;
      writeFaults = p.writeFaults;
      nextVer = 1;
      while (i < sizeof(p.balances)) {
        s = default(tPState);
        s.balance = p.balances[i];
        pst[i] = s;
        pver[i] = nextVer;
        nextVer = nextVer + 1;
        i = i + 1;
      }
      goto Serve;
    }
  }

  state Serve {
    on eCLoad do (r: (from: machine, id: int)) {
      if (r.id in crec) {
        send r.from, eCLoadResp, (rec = crec[r.id], ver = cver[r.id]);
      } else {
        send r.from, eCLoadResp, (rec = default(tCRec), ver = 0);
      }
    }

    on eCWrite do (w: (from: machine, id: int, ver: int, rec: tCRec)) {
      var current: int;
      var lands: bool;
      var reportOk: bool;
      if (w.id in cver) { current = cver[w.id]; }
      lands = current == w.ver;
      reportOk = lands;
      if (writeFaults > 0 && choose(6) == 0) {
        // The storage call fails: the row may or may not have been written.
        writeFaults = writeFaults - 1;
        lands = lands && $;
        reportOk = false;
      }
      if (lands) {
        crec[w.id] = w.rec;
        cver[w.id] = nextVer;
        nextVer = nextVer + 1;
        announce eMonCoordStored, (id = w.id, prevVer = current, rec = w.rec);
      }
      if (reportOk) {
        send w.from, eCWriteResp, (ok = true, ver = cver[w.id]);
      } else {
        send w.from, eCWriteResp, (ok = false, ver = 0);
      }
    }

    on ePLoad do (r: (from: machine, pid: int)) {
      send r.from, ePLoadResp, (st = pst[r.pid], ver = pver[r.pid]);
    }

    on ePWrite do (w: (from: machine, pid: int, ver: int, st: tPState)) {
      var lands: bool;
      var reportOk: bool;
      lands = pver[w.pid] == w.ver;
      reportOk = lands;
      if (writeFaults > 0 && choose(6) == 0) {
        writeFaults = writeFaults - 1;
        lands = lands && $;
        reportOk = false;
      }
      if (lands) {
        pst[w.pid] = w.st;
        pver[w.pid] = nextVer;
        nextVer = nextVer + 1;
        announce eMonPartStored, (pid = w.pid, st = w.st);
      }
      if (reportOk) {
        send w.from, ePWriteResp, (ok = true, ver = pver[w.pid]);
      } else {
        send w.from, ePWriteResp, (ok = false, ver = 0);
      }
    }

    on eRegAdd do (r: (from: machine, id: int)) {
      registry += (r.id);
      send r.from, eRegAddResp;
    }

    on eRegRemove do (id: int) {
      if (id in registry) { registry -= (id); }
    }

    on eRegList do (from: machine) {
      send from, eRegListResp, registry;
    }

    // The janitor's DELETE (RetentionSweeper.SweepOnceAsync). Today: rows last written before now - Retention, except
    // the ids in the recovery registry. Fixed: completed rows last written before now - Retention - MaxClockSkew.
    on eRetentionSweep do (r: (from: machine, now: int)) {
      var ids: seq[int];
      var i: int;
      var id: int;
      var rec: tCRec;
      var purge: bool;
      ids = keys(crec);
      while (i < sizeof(ids)) {
        id = ids[i];
        rec = crec[id];
        if (cfg.fixed) {
          purge = rec.phase == PH_COMPLETED && rec.written < r.now - cfg.retention - cfg.skew;
        } else {
          purge = rec.written < r.now - cfg.retention && !(id in registry);
        }
        if (purge) {
          crec -= (id);
          cver -= (id);
          announce eMonPurged, id;
        }
        i = i + 1;
      }
      send r.from, eRetentionDone;
    }
  }
}
