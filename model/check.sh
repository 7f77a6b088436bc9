#!/usr/bin/env bash
# Model check of the 2PC protocol (issue 13, docs/protocol.md "The model (P)").
#
# Restores the P tool (the repository's tool manifest), compiles the model, and checks every test case with a fixed
# budget: MODEL_SCHEDULES schedules (default 10000) from a fixed seed (MODEL_SEED, default 1), MODEL_JOBS cases at a
# time (default 2). The fixed-rules cases must find no bug; today's-rules cases and the broken-rule case must find
# their bug (the first bug the checker reports must match the case's pattern). One line per case, then
# "model: N passed, M failed"; exits non-zero when any expectation fails.
#
# Needs only the .NET SDK: the P tool (3.1.0, built for .NET 8) runs on this SDK with DOTNET_ROLL_FORWARD=Major.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_ROLL_FORWARD=Major DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

schedules=${MODEL_SCHEDULES:-10000}
seed=${MODEL_SEED:-1}
jobs=${MODEL_JOBS:-2}
out=${MODEL_OUT:-results}
max_steps=5000   # a schedule longer than this is reported as a bug (it would not end: a livelock)

# case | expected | pattern the first bug must match (expected = bug)
cases=(
  "fixed_two_phase|none|"
  "fixed_stale_participant|none|"
  "fixed_stale_coordinator|none|"
  "fixed_one_phase|none|"
  "fixed_expiry_2skew|none|"
  "today_one_phase|bug|Atomicity: participant [0-9]+ applied id 2, which was decided abort|Atomicity: id 2 decided abort but participant [0-9]+ applied it"
  "today_stale_participant|bug|Atomicity: participant [0-9]+ released its prepared record of id 1, which was decided commit, without applying it|Progress detected liveness bug"
  "today_stale_coordinator|bug|Atomicity: id 1 decided commit but participant [0-9]+ had already released its prepared record|Atomicity: participant [0-9]+ released its prepared record of id 1, which was decided commit, without applying it"
  "today_expiry|bug|RunsOnce: id 1 ran again after retention purged its record"
  "broken_commit_without_votes|bug|Atomicity: id 1 decided commit but participant [0-9]+ never held a durable prepared record"
  "nobegin_one_phase|bug|Progress detected liveness bug|Atomicity: id [0-9]+ decided abort but participant [0-9]+ applied it"
)

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

if ! dotnet tool restore >"$out/restore.log" 2>&1; then
  cat "$out/restore.log"
  echo "model: dotnet tool restore failed"
  echo "model: 0 passed, ${#cases[@]} failed"
  exit 1
fi
if ! dotnet p compile >"$out/compile.log" 2>&1 || ! grep -q "Compilation succeeded" "$out/compile.log"; then
  tail -n 40 "$out/compile.log"
  echo "model: p compile failed"
  echo "model: 0 passed, ${#cases[@]} failed"
  exit 1
fi
dll=PGenerated/PChecker/net8.0/OrleansTwoPcModel.dll
echo "model: compiled in $(($(date +%s) - start)) s; checking ${#cases[@]} cases, $schedules schedules each, seed $seed, $jobs at a time"

run_case() {
  local name=$1 t0 code
  t0=$(date +%s)
  timeout --kill-after=30 900 dotnet p check "$dll" -tc "$name" -s "$schedules" --seed "$seed" \
    --max-steps "$max_steps" --fail-on-maxsteps -o "$out/$name" >"$out/$name.log" 2>&1
  code=$?
  echo "$code $(($(date +%s) - t0))" >"$out/$name.status"
}

# At most $jobs checkers at once.
running=0
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  run_case "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

passed=0
failed=0
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  rest=${entry#*|}
  expected=${rest%%|*}
  pattern=${rest#*|}
  log="$out/$name.log"
  read -r code secs <"$out/$name.status"
  explored=$(grep -oE 'Explored [0-9]+ schedules' "$log" | head -n 1 | grep -oE '[0-9]+' || true)
  error=$(cat "$out/$name"/BugFinding/*.txt 2>/dev/null | grep -m 1 '<ErrorLog>' | sed 's/^<ErrorLog> //' || true)
  if grep -q 'Found 0 bugs' "$log"; then
    found=none
  elif grep -q 'Checker found a bug' "$log"; then
    found=bug
  else
    found=error
  fi
  verdict=FAILED
  if [ "$found" = error ]; then
    detail="the checker did not finish (exit $code): see $log"
  elif [ "$expected" = none ] && [ "$found" = none ]; then
    verdict=passed
    detail="no bug in ${explored:-?} schedules"
  elif [ "$expected" = none ]; then
    detail="found a bug after ${explored:-?} schedules: $error"
  elif [ "$found" = none ]; then
    detail="expected a bug, found none in ${explored:-?} schedules"
  elif printf '%s' "$error" | grep -qE "$pattern"; then
    verdict=passed
    detail="found the expected bug after ${explored:-?} schedules: $error"
  else
    detail="found another bug than expected after ${explored:-?} schedules: $error"
  fi
  if [ "$verdict" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "model: $name: $verdict, $detail (${secs} s)"
done

echo "model: done in $(($(date +%s) - start)) s"
echo "model: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
