#!/usr/bin/env bash
# Runs jobscripts/curio-default.sbatch and jobscripts/curio-sweep.sbatch on a real
# one-node local Slurm cluster (tests/slurm/local-slurm.sh: a private cluster under the test's temporary directory).
#
#   tests/slurm/test_jobscripts.sh [path/to/curio]     (default: build/curio in the repo)
#
# Exit status: 0 pass, 77 skipped (no Slurm and no way to install it), anything else: failure.
# Starts local Slurm if it is not already running, and stops it again at the end only in
# that case. Job logs and outputs go to a temp dir, kept (and printed) on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
wait_limit=${CURIO_TEST_TIMEOUT:-600}     # seconds per job
# The jobs get the test's environment (--export=ALL); keep the caller's settings out of it.
# (CURIO_SRUN_ARGS is passed through on purpose, e.g. CURIO_SRUN_ARGS=--mpi=pmix.)
unset CURIO_ARGS CURIO_BIN CURIO_LIST CURIO_OUTDIR

# shellcheck source=tests/slurm/lib.sh
source "$here/lib.sh"
say()  { echo "test_jobscripts: $*"; }
fail() { echo "test_jobscripts: FAIL: $*" >&2; exit 1; }

if ! slurm_available; then
  say "SKIP: no Slurm here (the Debian packages slurm-wlm and munge, or root to install them)"
  exit 77
fi

bin=${1:-$repo/build/curio}
[[ $bin == /* ]] || bin=$PWD/$bin
[[ -f $bin && -x $bin ]] || fail "curio executable not found or not executable: $bin (build it, or pass its path as \$1)"

work=$(mktemp -d "${TMPDIR:-/tmp}/curio-slurm-test.XXXXXX")
case $work$bin in *,*|*:*) fail "paths must not contain ',' or ':' (sbatch --export / -log_view): $work $bin" ;; esac

# shellcheck disable=SC2317  # reached only from the EXIT trap
dump_logs() {
  local f
  for f in "$work"/*.out; do
    [[ -e $f ]] || continue
    echo "----- $f -----" >&2
    cat "$f" >&2
  done
}

# shellcheck disable=SC2317  # the EXIT trap handler
cleanup() {
  local rc=$? f
  # On timeout, failure or Ctrl-C: cancel this test's jobs that are still queued/running,
  # and let them end before Slurm may be stopped (slurmstepd ignores SIGTERM and, once
  # slurmctld is gone, retries its completion RPC for minutes, keeping slurmd alive).
  for f in "$work"/*.jobid; do
    [[ -s $f ]] || continue
    slurm_cancel "$(cut -d';' -f1 < "$f")"
  done
  if (( rc != 0 )); then
    dump_logs
    say "kept $work for inspection" >&2
  else
    rm -rf -- "$work"
  fi
  slurm_stop
  exit "$rc"      # the exit status of the test, not of the last cleanup command
}
trap cleanup EXIT
trap 'echo "test_jobscripts: interrupted" >&2; exit 130' INT TERM

t0=$SECONDS
slurm_start

if [[ $(id -u) -eq 0 ]]; then          # Open MPI refuses to run as root without these
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# submit NAME SCRIPT [sbatch options...]: sbatch, record the job id in $work/NAME.jobid, wait until every task of
# the job has ended (polled every 0.5 s: `sbatch --wait` backs off to 30 s between its polls), set $job_id and
# $job_rc (the largest exit status over the tasks, 128 + signal for a task killed by one, as sbatch --wait reports).
submit() {
  local name=$1 script=$2 out t=$SECONDS
  shift 2
  job_rc=0
  out=$(cd "$repo" && sbatch --parsable --time=00:10:00 --job-name="curio-test-$name" "$@" "$script" < /dev/null) ||
    fail "$name: sbatch failed: $out"
  job_id=${out%%;*}
  [[ -n $job_id ]] || fail "$name: sbatch did not return a job id"
  echo "$job_id" > "$work/$name.jobid"
  while squeue -h -j "$job_id" -o %i 2> /dev/null | grep -q .; do
    (( SECONDS - t < wait_limit )) || fail "$name: job $job_id did not finish within $wait_limit s"
    sleep 0.5
  done
  job_rc=$(scontrol -o show job "$job_id" | sed -n 's/.* ExitCode=\([0-9]*\):\([0-9]*\).*/\1 \2/p' |
    awk '{ c = $1 > 0 ? $1 : ($2 > 0 ? 128 + $2 : 0); if (c > m) m = c } END { print m + 0 }')
  say "$name: job $job_id finished with status $job_rc in $((SECONDS - t)) s"
}

# job_states ID: one "JobId=... JobState=... ExitCode=..." line per (array) job.
job_states() {
  scontrol -o show job "$1" | awk '{ s = ""
    for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobState|ExitCode)=/) s = s " " $i
    print substr(s, 2) }'
}

expect_completed() {   # NAME ID N_EXPECTED
  local states n_ok
  states=$(job_states "$2") || fail "$1: scontrol show job $2 failed"
  printf '%s\n' "$states" | sed "s/^/test_jobscripts: $1: /"
  n_ok=$(printf '%s\n' "$states" | grep -c 'JobState=COMPLETED ExitCode=0:0' || true)
  (( n_ok == $3 )) || fail "$1: expected $3 COMPLETED job(s) with ExitCode=0:0, got $n_ok"
}

expect_nonempty() { [[ -s $1 ]] || fail "missing or empty: $1"; }

expect_in_log() {      # LOGFILE EXTENDED-REGEX WHAT
  grep -Eq -- "$2" "$1" || fail "$3 (no /$2/ in $1)"
}

# ---------------------------------------------------------------- the documented rank override
# `sbatch --ntasks=N SCRIPT` must be a valid request: a script that also pins --nodes=1 --ntasks-per-node=2 makes
# Slurm refuse any N > 2 ("Requested node configuration is not available"). --overcommit: the node may have 2 CPUs.
for script in curio-default curio-sgdf curio-sweep curio-study; do
  out=$(cd "$repo" && sbatch --test-only --overcommit --ntasks=4 "jobscripts/$script.sbatch" < /dev/null 2>&1) ||
    fail "$script: sbatch --test-only --ntasks=4 refused: $out"
done
say "sbatch --ntasks=4 accepted by every job script"

# ---------------------------------------------------------------- default job
outdir=$work/default
submit default jobscripts/curio-default.sbatch \
  --output="$work/default-%j.out" \
  --export="ALL,CURIO_BIN=$bin,CURIO_OUTDIR=$outdir"
(( job_rc == 0 )) || fail "default: job $job_id exited with status $job_rc"
expect_completed default "$job_id" 1
log=$work/default-$job_id.out
expect_nonempty "$outdir/curio.h5"
expect_nonempty "$outdir/log_view.txt"
expect_in_log "$log" 'SLURM_NTASKS=2 ' "default: job did not get 2 tasks"
# PETSc's -log_view header says "... with 2 processes" (older: "processors"): this proves
# the 2 ranks formed one MPI_COMM_WORLD rather than 2 singletons.
expect_in_log "$outdir/log_view.txt" 'with 2 (MPI )?process' "default: log_view does not report 2 MPI processes"

# ---------------------------------------------------------------- missing binary
submit nobin jobscripts/curio-default.sbatch \
  --output="$work/nobin-%j.out" \
  --export="ALL,CURIO_BIN=$work/no-such-curio,CURIO_OUTDIR=$work/nobin"
(( job_rc != 0 )) || fail "nobin: job $job_id with a missing CURIO_BIN succeeded"
expect_in_log "$work/nobin-$job_id.out" 'curio executable not found' "nobin: no clear error message"
say "nobin: failed as expected with a clear message"
rm -f -- "$work/nobin-$job_id.out"     # expected failure; don't dump it if a later check fails

# ---------------------------------------------------------------- sweep (array of 2)
list=$work/sweep.list
cat > "$list" <<'EOF'
# test list: comment and blank lines must not count as entries

builtin -curio_s 0.5
   # indented comment
builtin -curio_solver krylov
builtin -curio_s 99
EOF
sweepdir=$work/sweep
submit sweep jobscripts/curio-sweep.sbatch \
  --array=0-1 \
  --output="$work/sweep-%A_%a.out" \
  --export="ALL,CURIO_BIN=$bin,CURIO_LIST=$list,CURIO_OUTDIR=$sweepdir"
(( job_rc == 0 )) || fail "sweep: array job $job_id exited with status $job_rc"
expect_completed sweep "$job_id" 2
expected_entries=("builtin -curio_s 0.5" "builtin -curio_solver krylov")
for i in 0 1; do
  log=$work/sweep-${job_id}_$i.out
  expect_nonempty "$sweepdir/task-$i/curio.h5"
  expect_nonempty "$sweepdir/task-$i/log_view.txt"
  expect_in_log "$log" 'SLURM_NTASKS=2$' "sweep task $i: did not get 2 tasks"
  [[ $(< "$sweepdir/task-$i/entry.txt") == "${expected_entries[i]}" ]] ||
    fail "sweep task $i ran entry '$(< "$sweepdir/task-$i/entry.txt")', expected '${expected_entries[i]}'"
  expect_in_log "$log" "running: srun .* ${expected_entries[i]#builtin }\$" "sweep task $i: wrong options passed"
done
[[ ! -e $sweepdir/task-2 ]] || fail "sweep: task-2 exists although --array=0-1"

say "PASS in $((SECONDS - t0)) s"
exit 0
