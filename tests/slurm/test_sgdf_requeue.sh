#!/usr/bin/env bash
# Runs jobscripts/curio-sgdf.sbatch on a real one-node local Slurm cluster
# (tests/slurm/local-slurm.sh: a private cluster under the test's temporary directory) and checks that a job warned
# of its time limit checkpoints, requeues itself, restarts from the checkpoint and finishes
# with the same result, bit for bit, as an uninterrupted run at the same rank count.
#
#   tests/slurm/test_sgdf_requeue.sh [path/to/curio]      (default: build/curio in the repo)
#
# The warning is sent the way Slurm sends it for `#SBATCH --signal=B:USR1@...`: SIGUSR1 to the
# batch shell only (`scancel --batch --signal=USR1 <jobid>`), while the training step runs.
# CURIO_TEST_SGDF_ARGS replaces the default curio options (the run must take >= 12 s here, so
# that it can be interrupted in the middle). Exit status: 0 pass, 77 skipped (no Slurm and no way to install it,
# or a curio without the SGDF driver), anything else: failure. Starts local Slurm if
# it is not already running, and stops it again at the end only in that case. Job logs and
# outputs go to a temp dir, kept (and printed) on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
wait_limit=${CURIO_TEST_TIMEOUT:-900}     # seconds per job, all attempts together
unset CURIO_ARGS CURIO_BIN CURIO_OUTDIR CURIO_CKPT_KEEP CURIO_MAX_REQUEUES

# shellcheck source=tests/slurm/lib.sh
source "$here/lib.sh"
say()  { echo "test_sgdf_requeue: $*"; }
fail() { echo "test_sgdf_requeue: FAIL: $*" >&2; exit 1; }

if ! slurm_available; then
  say "SKIP: no Slurm here (the Debian packages slurm-wlm and munge, or root to install them)"
  exit 77
fi

bin=${1:-$repo/build/curio}
[[ $bin == /* ]] || bin=$PWD/$bin
[[ -f $bin && -x $bin ]] || fail "curio executable not found or not executable: $bin (build it, or pass its path as \$1)"

work=$(mktemp -d "${TMPDIR:-/tmp}/curio-sgdf-requeue.XXXXXX")
case $work$bin in *,*|*:*) fail "paths must not contain ',' or ':' (sbatch --export / -log_view): $work $bin" ;; esac

if [[ $(id -u) -eq 0 ]]; then          # Open MPI refuses to run as root without these
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

if [[ -n ${CURIO_TEST_SGDF_ARGS:-} ]]; then
  args=$CURIO_TEST_SGDF_ARGS
else
  # Size the run to about 15 s at 2 ranks on this machine: time 2 epochs outside Slurm, scale the epochs
  base="-curio_sgdf_synthetic 200000,2000,20 -curio_loss squared -curio_s 0.5 -curio_sgdf_batch 64 -curio_sgdf_seed 7 -curio_sgdf_lr 1e-7 -curio_checkpoint_every 500"
  # (with a checkpoint prefix, as the job script gives one: the driver refuses -curio_checkpoint_every without it,
  # and the checkpoints it writes belong in the timing)
  # shellcheck disable=SC2086  # base is a list of options
  mpiexec --oversubscribe -n 2 "$bin" -curio_mode sgdf $base -curio_sgdf_epochs 2 -curio_checkpoint_prefix "$work/calibrate-ckpt" \
    -curio_output "$work/calibrate.h5" > "$work/calibrate.log" 2>&1 ||
    fail "calibration run failed: $(tail -n 20 "$work/calibrate.log")"
  # the driver's own training time ("curio sgdf: STEPS steps in T s"), without MPI start-up and data generation,
  # which do not grow with the epochs
  t=$(sed -n 's/^curio sgdf: [0-9]* steps in \([0-9.]*\) s.*/\1/p' "$work/calibrate.log" | tail -n 1)
  [[ -n $t ]] || fail "calibration run: no 'curio sgdf: ... steps in T s' line in its output: $(tail -n 20 "$work/calibrate.log")"
  epochs=$(awk -v t="$t" 'BEGIN { e = int(2 * 15 / t); if (e < 4) e = 4; if (e > 5000) e = 5000; print e }')
  say "2 epochs train in $t s outside Slurm: using $epochs epochs"
  args="$base -curio_sgdf_epochs $epochs"
fi

jobs=()

# shellcheck disable=SC2317  # the EXIT trap handler
cleanup() {
  local rc=$? j f
  for j in "${jobs[@]}"; do slurm_cancel "$j"; done
  if (( rc != 0 )); then
    for f in "$work"/*.out; do
      [[ -e $f ]] || continue
      echo "----- $f -----" >&2
      cat "$f" >&2
    done
    say "kept $work for inspection" >&2
  else
    rm -rf -- "$work"
  fi
  slurm_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "test_sgdf_requeue: interrupted" >&2; exit 130' INT TERM

t0=$SECONDS
slurm_start

# submit NAME: submits the SGDF job script (no --wait); sets $job_id. CURIO_ARGS holds commas
# (-curio_sgdf_synthetic N,D,NNZ), so it goes through the environment, not --export.
submit() {
  local name=$1
  job_id=$(cd "$repo" && CURIO_BIN=$bin CURIO_OUTDIR=$work/$name CURIO_ARGS=$args \
    sbatch --parsable --export=ALL --time=00:10:00 --job-name="curio-test-$name" \
      --output="$work/$name-%j.out" jobscripts/curio-sgdf.sbatch < /dev/null)
  job_id=${job_id%%;*}
  [[ -n $job_id ]] || fail "$name: sbatch did not return a job id"
  jobs+=("$job_id")
  say "$name: submitted job $job_id"
}

field() {   # JOBID FIELD: one field of `scontrol show job`
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_done ID: until the job has ended for good (a requeued job passes through
# REQUEUED/PENDING again), at most $wait_limit s. Slurm holds a requeued batch job for about 2 minutes
# (EligibleTime = requeue time + 121 s, Reason=BeginTime); the test moves its start to now, which is what a site's
# scheduler would do on an idle cluster, instead of idling.
wait_done() {
  local t=$SECONDS state
  while :; do
    state=$(field "$1" JobState)
    case $state in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) break ;;
      PENDING)
        if [[ $(field "$1" Reason) == BeginTime ]]; then
          scontrol update JobId="$1" StartTime=now > /dev/null 2>&1 || true
        fi ;;
    esac
    (( SECONDS - t < wait_limit )) || fail "job $1 did not finish within $wait_limit s (state $state)"
    sleep 1
  done
}

expect_in_log() {      # LOGFILE EXTENDED-REGEX WHAT
  grep -Eq -- "$2" "$1" || fail "$3 (no /$2/ in $1)"
}

# ---------------------------------------------------------------- uninterrupted reference run
# The calibration ran outside Slurm, maybe under another load than the job sees: a reference shorter than 12 s is
# run again with the epochs scaled to about 15 s (twice at most), unless CURIO_TEST_SGDF_ARGS fixed the run.
for try in 1 2 3; do
  ref_name=reference$try
  submit "$ref_name"
  ref_id=$job_id
  wait_done "$ref_id"
  [[ $(field "$ref_id" JobState) == COMPLETED && $(field "$ref_id" ExitCode) == 0:0 ]] ||
    fail "reference: job $ref_id ended $(field "$ref_id" JobState) $(field "$ref_id" ExitCode)"
  ref_log=$work/$ref_name-$ref_id.out
  [[ -s $work/$ref_name/curio.h5 ]] || fail "reference: no $work/$ref_name/curio.h5"
  ref_seconds=$(sed -n 's/.*srun exited with status 0 after \([0-9]*\) s.*/\1/p' "$ref_log" | tail -n 1)
  say "reference: job $ref_id ran the training in ${ref_seconds:-?} s"
  (( ${ref_seconds:-0} >= 12 )) && break
  [[ -z ${CURIO_TEST_SGDF_ARGS:-} && $try -lt 3 ]] ||
    fail "the training takes only ${ref_seconds:-?} s; it must take >= 12 s to be interrupted in the middle (set CURIO_TEST_SGDF_ARGS)"
  epochs=$(awk -v e="$epochs" -v t="${ref_seconds:-1}" 'BEGIN { if (t < 1) t = 1; n = int(e * 15 / t) + 1; if (n > 20000) n = 20000; print n }')
  say "reference: too short to interrupt; again with $epochs epochs"
  args="$base -curio_sgdf_epochs $epochs"
done

# ---------------------------------------------------------------- interrupted, requeued run
submit requeue
id=$job_id
log=$work/requeue-$id.out
t=$SECONDS
until [[ $(field "$id" JobState) == RUNNING ]] && squeue -h -s -j "$id" -o %i 2>/dev/null | grep -qE "^$id\.0$"; do
  (( SECONDS - t < wait_limit )) || fail "requeue: the training step of job $id never started"
  sleep 0.5
done
# the warning goes out once the training has written its first checkpoint (500 of its many steps): in the middle of
# the training whatever the machine's load (a delay from the reference's time missed the end of a run that went 3x
# faster than its reference)
t=$SECONDS
until compgen -G "$work/requeue/ckpt-*.h5" > /dev/null; do
  [[ $(field "$id" JobState) == RUNNING ]] || fail "requeue: job $id left RUNNING before its first checkpoint"
  (( SECONDS - t < wait_limit )) || fail "requeue: job $id wrote no checkpoint within $wait_limit s"
  sleep 0.2
done
say "requeue: job $id wrote its first checkpoint; time-limit warning (SIGUSR1 to the batch shell) now"
scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1 $id failed"
wait_done "$id"
state=$(field "$id" JobState)
say "requeue: job $id ended $state $(field "$id" ExitCode) after $(field "$id" Restarts) restart(s); its log:"
sed 's/^/  | /' "$log"
[[ $state == COMPLETED && $(field "$id" ExitCode) == 0:0 ]] || fail "requeue: job $id ended $state $(field "$id" ExitCode)"
(( $(field "$id" Restarts) >= 1 )) || fail "requeue: job $id was not requeued (Restarts=$(field "$id" Restarts))"
expect_in_log "$log" 'SIGUSR1 at .*checkpoint and stop' "the batch shell did not handle the warning"
expect_in_log "$log" 'checkpoint .*/ckpt-[0-9]{10}\.h5 written; requeueing job' "no checkpoint before the requeue"
expect_in_log "$log" "restarting from $work/requeue/ckpt-[0-9]{10}\\.h5" "the requeued attempt did not restart from the checkpoint"
expect_in_log "$log" "curio sgdf: resumed from '$work/requeue/ckpt-[0-9]{10}\\.h5' at step [1-9]" "curio did not resume from the checkpoint (it started over)"
expect_in_log "$log" 'attempt 1 on' "no second attempt in the (appended) log"
ls "$work"/requeue/ckpt-[0-9]*.h5 > /dev/null 2>&1 || fail "requeue: no checkpoint file left under $work/requeue"
left=$(ls -a "$work"/requeue | grep -E '\.tmp-|^\.curio-.*\.tmp$' || true)
[[ -z $left ]] || fail "requeue: temporary files left: $left"
[[ -s $work/requeue/curio.h5 ]] || fail "requeue: no $work/requeue/curio.h5"

# ---------------------------------------------------------------- same result, bit for bit
/usr/bin/python3 - "$work/$ref_name/curio.h5" "$work/requeue/curio.h5" <<'EOF' || fail "the requeued run's result differs from the uninterrupted run's"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ok = True
for name in ("/model/theta", "/model/theta_dot"):
    x, y = a[name][()], b[name][()]
    same = x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    diff = float(np.max(np.abs(x - y))) if x.shape == y.shape else float("nan")
    print(f"test_sgdf_requeue: {name}: shape {x.shape}, bitwise {'equal' if same else 'DIFFERENT'} (max |diff| {diff:.3g})")
    ok = ok and same
sys.exit(0 if ok else 1)
EOF

say "PASS in $((SECONDS - t0)) s"
exit 0
