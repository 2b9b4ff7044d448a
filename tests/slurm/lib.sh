# Shared by the tests that run job scripts under a real one-node local Slurm (../shared/slurm); sourced, not run.
# The caller defines say() and fail(), and sets $slurm_helpers (the folder of start-local-slurm) and $work (its
# temporary directory). Functions:
#   slurm_start      start local Slurm unless it is running (then leave it running); checks the node has >= 2 CPUs
#   slurm_cancel J   cancel job J if it is still queued or running, and wait until it is gone
#   slurm_stop       stop local Slurm if slurm_start started it, and wait for its daemons to exit
# shellcheck shell=bash disable=SC2154  # say, fail, work and slurm_helpers come from the caller

slurm_started=0

slurm_daemons_running() {
  pgrep -x munged >/dev/null && pgrep -x slurmctld >/dev/null && pgrep -x slurmd >/dev/null
}

slurm_start() {
  local t0=$SECONDS pidfile node_cpus
  if slurm_daemons_running && sinfo -h >/dev/null 2>&1; then
    say "local Slurm already running; will leave it running"
  else
    # start-local-slurm truncates its pid file; don't clobber another starter's record.
    pidfile=${SLURM_LOCAL_PIDS:-/tmp/local-slurm.pids}
    [[ -s $pidfile ]] && pidfile=$work/local-slurm.pids
    export SLURM_LOCAL_PIDS=$pidfile
    slurm_started=1
    say "starting local Slurm (pids in $pidfile)"
    # start-local-slurm sizes the node with nproc, which obeys OMP_NUM_THREADS: the suite sets it to 1 for BLAS
    env -u OMP_NUM_THREADS "$slurm_helpers/start-local-slurm" || fail "start-local-slurm failed (see /var/log/slurm/)"
  fi
  say "Slurm ready after $((SECONDS - t0)) s: $(sinfo -h -o '%P %D %t %c cpus' | tr '\n' ' ')"
  node_cpus=$(sinfo -h -o '%c' | head -n 1)
  [[ ${node_cpus:-0} -ge 2 ]] || fail "the Slurm node has ${node_cpus:-0} CPU(s); the 2-task jobs could never start"
}

# On timeout, failure or Ctrl-C a test cancels its jobs and lets them end before Slurm may be stopped (slurmstepd
# ignores SIGTERM and, once slurmctld is gone, retries its completion RPC for minutes, keeping slurmd alive).
slurm_cancel() {
  local j=$1 i
  [[ -n $(squeue -h -j "$j" 2>/dev/null) ]] || return 0
  say "cancelling job $j" >&2
  scancel "$j" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    [[ -n $(squeue -h -j "$j" 2>/dev/null) ]] || break
    sleep 1
  done
}

slurm_stop() {
  local pids p i
  (( slurm_started )) || return 0
  say "stopping the local Slurm this test started"
  pids=$(cat "$SLURM_LOCAL_PIDS" 2>/dev/null || true)
  "$slurm_helpers/stop-local-slurm" || true
  # The daemons take a few seconds to exit (slurmctld saves state); wait, so that a following start-local-slurm does
  # not mistake a dying daemon for a running one.
  for p in $pids; do
    for ((i = 0; i < 30; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
    if kill -0 "$p" 2>/dev/null; then say "warning: pid $p still running after stop" >&2; fi
  done
}
