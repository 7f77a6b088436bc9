#!/usr/bin/env python3
"""Summarizes a P checker bug trace (PCheckerOutput/BugFinding/*.txt) of this model: one line per message a
grain handled, per row that landed in storage, per client answer, and the error. Usage: summarize-trace.py FILE"""
import re
import sys

KINDS = ["Execute", "ExecuteResp", "Prepare", "Vote", "CommitOnePhase", "CommitOnePhaseResp", "Commit", "CommitAck",
         "Abort", "AbortResp", "Forget", "GetStatus", "StatusResp", "GetDecision", "DecisionResp", "OperatorAbort",
         "Timeout", "TickStale", "TickRecovery", "TickRetention", "TickClient", "Fail", "Sweep", "SweepResp", "Purge"]
ST = ["Unknown", "InProgress", "Committed", "Aborted", "Expired"]
PH = ["None", "Preparing", "Committing", "Aborting", "Completed"]
EF = ["prepare", "apply", "release"]


def field(payload, name):
    m = re.search(r"\b" + name + r":([^,>]*)", payload)
    return m.group(1) if m else ""


def main(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    n = 0
    out = []
    for line in lines:
        m = re.match(r"<PrintLog> (\w+) (\d+) activation (\d+) (handles|starts from row version) ?(\d*)", line)
        if m:
            if m.group(4) == "handles" and out:
                out[-1] = out[-1].replace(" handles ", f" (activation {m.group(3)}) handles ", 1)
            elif m.group(4) != "handles":
                out.append(f"     {'':16} {m.group(1)} {m.group(2)}: activation {m.group(3)} starts, loads row version {m.group(5)}")
            continue
        m = re.match(r"<DequeueLog> '(\w+)\((\d+)\)' dequeued event 'eDeliver with payload \((.*)\)' in state", line)
        if m:
            who, payload = m.group(1) + m.group(2), m.group(3)
            k = KINDS[int(field(payload, "k"))]
            extra = []
            for name in ("id", "call", "epoch", "createdAt", "inc", "hops"):
                v = field(payload, name)
                if v not in ("", "0"):
                    extra.append(f"{name}={v}")
            if k.endswith("Resp") or k == "Vote":
                extra.append(f"yes={field(payload, 'yes')} st={ST[int(field(payload, 'st'))]} done={field(payload, 'done')}")
            n += 1
            out.append(f"{n:4} {who:16} handles {k:18} {' '.join(extra)}")
            continue
        m = re.match(r"<AnnounceLog> '(\w+)\((\d+)\)' announced event '(\w+)' with payload (.*)$", line)
        if m:
            ev, payload = m.group(3), m.group(4)
            if ev == "eMonCoordStored":
                out.append(f"     {'':16} STORED coordinator id={field(payload, 'id')} phase={PH[int(field(payload, 'phase'))]} "
                      f"decision={ST[int(field(payload, 'dec'))]} epoch={field(payload, 'epoch')} noRecord={field(payload, 'noRecord')}")
            elif ev == "eMonPartStored":
                log = re.findall(r"<id:(\d+), kind:(\d), amt:(-?\d+), >", payload)
                prep = re.search(r"prep:\((.*?)\), ended", payload)
                ended = re.search(r"ended:\((.*?)\), log", payload)
                prep_ids = ", ".join(re.findall(r"<(\d+)->", prep.group(1) if prep else ""))
                ended_ids = ", ".join(re.findall(r"<(\d+)->", ended.group(1) if ended else ""))
                effects = " ".join(EF[int(k)] + "(" + i + ")" for i, k, _ in log)
                out.append(f"     {'':16} STORED participant {field(payload, 'pid')} balance={field(payload, 'balance')} "
                      f"held={field(payload, 'held')} prepared=[{prep_ids}] ended=[{ended_ids}] effects={effects}")
            elif ev == "eMonClientAnswer":
                out.append(f"     {'':16} CLIENT told id={field(payload, 'id')} {ST[int(field(payload, 'st'))]}")
            elif ev == "eMonPurged":
                out.append(f"     {'':16} PURGED {payload}")
            continue
        if "<ErrorLog>" in line:
            out.append("ERROR " + line.replace("<ErrorLog> ", ""))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
