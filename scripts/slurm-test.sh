#!/usr/bin/env bash
# End-to-end test of `bench all --executor slurm` on a real (throw-away, single-node) Slurm:
#  1. install Slurm if missing (root) and start a private cluster (scripts/slurm-local.sh);
#  2. run the smoke suite serially (--no-timing) as the reference;
#  3. submit the same suite with --executor slurm (its own teacher cache, so the teachers
#     array really trains), cancel one student task while it runs, wait for the finalize job;
#  4. `bench status` must report the cancelled task (state, log) and the missing run;
#  5. submit again: only that run is resubmitted, and it completes;
#  6. records, summary.csv and tables must be byte-identical to the serial run;
#  7. a timed submission: the tasks defer their latency probes, the finalize job probes every
#     saved model and leaves none behind;
#  8. stop every daemon it started (also on failure).
# Needs a release build (make build). Exit status 0 only if every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-$PWD/.build/release/bench}
SUITE=benchmarks/smoke.yaml
WORK=$(mktemp -d /tmp/dbslurm.XXXXXX)
chmod 755 "$WORK"                           # the munge user must reach its socket inside
export SLURM_LOCAL_DIR=$WORK/c              # short: the munge socket path must fit 108 bytes
pass=0; fail=0
t0=$(date +%s%N)
say() { local t=$(( ($(date +%s%N) - t0) / 100000000 )); printf '[slurm-test %3d.%ds] %s\n' $((t / 10)) $((t % 10)) "$*"; }
check() { if eval "$2"; then pass=$((pass + 1)); say "ok   $1"; else fail=$((fail + 1)); say "FAIL $1"; fi; }

[ -x "$BENCH" ] || { say "no release build at $BENCH (run: make build)"; exit 1; }
scripts/slurm-local.sh install
scripts/slurm-local.sh start
trap 'scripts/slurm-local.sh stop' EXIT
# shellcheck disable=SC1091
source "$SLURM_LOCAL_DIR/env.sh"

# Wait until none of the given jobs is pending or running.
wait_jobs() {
  local limit=$((SECONDS + 600))
  while [ -n "$(squeue -h -j "$(IFS=,; echo "$*")" -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $limit ] || { say "timeout waiting for jobs $*"; return 1; }
    sleep 0.2
  done
}
# Job ids of the latest submission of a results directory: "role id" lines.
latest_jobs() {
  python3 - "$1" <<'PY'
import json, os, sys
d = os.path.join(sys.argv[1], "slurm")
latest = sorted(n for n in os.listdir(d) if os.path.exists(os.path.join(d, n, "submission.json")))[-1]
for job in json.load(open(os.path.join(d, latest, "submission.json")))["jobs"]:
    print(job["role"], job["jobID"], len(job["keys"]))
PY
}

say "serial reference run"
DISTILLBENCH_CACHE=$WORK/cache-serial "$BENCH" all --suite $SUITE --out "$WORK/serial" --no-timing --no-plots --threads 1 --quiet >/dev/null

say "submitting through Slurm"
export DISTILLBENCH_CACHE=$WORK/cache-slurm
"$BENCH" all --suite $SUITE --out "$WORK/slurm" --no-timing --threads 1 --executor slurm
declare -A job; while read -r role id _; do job[$role]=$id; done < <(latest_jobs "$WORK/slurm")
check "three jobs submitted (teachers, students, finalize)" '[ -n "${job[teachers]:-}" ] && [ -n "${job[students]:-}" ] && [ -n "${job[finalize]:-}" ]'

# Cancel the dcd task (the suite's slowest) once it runs: SIGTERM, its run lock released.
keys=$(ls "$WORK"/slurm/slurm/*/students.keys)
victim_index=$(( $(grep -n '__dcd__' "$keys" | head -1 | cut -d: -f1) - 1 ))
victim_key=$(sed -n "$((victim_index + 1))p" "$keys")
task="${job[students]}_$victim_index"
limit=$((SECONDS + 300))
until [ "$(squeue -h -j "$task" -o %T 2>/dev/null)" = RUNNING ]; do
  [ $SECONDS -lt $limit ] || break
  sleep 0.02
done
scancel "$task"
say "cancelled $task ($victim_key)"
wait_jobs "${job[teachers]}" "${job[students]}" "${job[finalize]}"

status_out=$("$BENCH" status "$WORK/slurm" || true)
echo "$status_out"
check "the cancelled task is reported CANCELLED with its log" 'echo "$status_out" | grep -q "task $victim_index ($victim_key): CANCELLED, exit [0-9:]*, log .*students-$victim_index.log"'
check "its run is missing" 'echo "$status_out" | grep -q "missing  $victim_key"'
check "every other task completed" '[ "$(echo "$status_out" | grep -c "^  students job .*: 1 CANCELLED, 7 COMPLETED")" = 1 ] && echo "$status_out" | grep -q "^  teachers job .*: 1 COMPLETED"'
check "no run lock is left behind" '[ -z "$(find "$WORK/slurm/runs" -name .lock)" ]'
check "bench status exits 1 while a run is missing" '! "$BENCH" status "$WORK/slurm" >/dev/null'

say "resubmitting: only runs without a finished record"
"$BENCH" all --suite $SUITE --out "$WORK/slurm" --no-timing --threads 1 --executor slurm
unset job; declare -A job; declare -A tasks
while read -r role id n; do job[$role]=$id; tasks[$role]=$n; done < <(latest_jobs "$WORK/slurm")
check "the rerun submits the one missing run, no teacher" '[ -z "${job[teachers]:-}" ] && [ "${tasks[students]}" = 1 ]'
wait_jobs "${job[students]}" "${job[finalize]}"
status_out=$("$BENCH" status "$WORK/slurm") && complete=yes || complete=no
echo "$status_out"
check "after the rerun every run is finished" '[ $complete = yes ]'

for f in summary.csv tables; do
  check "$f byte-identical to the serial run" 'diff -r "$WORK/serial/$f" "$WORK/slurm/$f" >/dev/null'
done
check "every record, top-k and per-user file byte-identical to the serial run" \
  'diff -r -x .lock "$WORK/serial/runs" "$WORK/slurm/runs" >/dev/null'

say "a timed submission: latency probed by the finalize job, one model at a time"
# Every record has its latency, taken deferred (not beside training), and nothing awaits a probe.
all_latency_deferred() {
  python3 - "$1" <<'PY'
import glob, json, sys
records = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/runs/*/record.json")]
ok = len(records) == 9 and all((r.get("latency") or {}).get("conditions", {}).get("mode") == "deferred"
                               and not r.get("latencyPending") for r in records)
sys.exit(0 if ok else 1)
PY
}
"$BENCH" all --suite $SUITE --out "$WORK/timed" --threads 1 --executor slurm
unset job; declare -A job; while read -r role id _; do job[$role]=$id; done < <(latest_jobs "$WORK/timed")
wait_jobs "${job[teachers]}" "${job[students]}" "${job[finalize]}"
check "every record of the timed run has a deferred latency probe" 'all_latency_deferred "$WORK/timed"'
check "no saved model is left behind" '[ -z "$(find "$WORK/timed/runs" -name model-awaiting-latency.bin)" ]'
check "bench status: the timed run is complete" '"$BENCH" status "$WORK/timed" >/dev/null'

scripts/slurm-local.sh stop; trap - EXIT
check "no daemon of the test cluster is left" '! pgrep -f "$SLURM_LOCAL_DIR" >/dev/null'
say "$pass passed, $fail failed (work folder $WORK)"
[ $fail = 0 ] && rm -rf "$WORK"
[ $fail = 0 ]
