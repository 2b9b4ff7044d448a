# Shared by the tests that run job scripts under a real one-node Slurm: the private cluster of
# tests/slurm/local-slurm.sh (everything under one directory, loopback ports of its own); sourced, not run.
# The caller defines say() and fail(), and sets $work (its temporary directory). Functions:
#   slurm_available  whether the cluster can be had here: the Slurm and munge programs, or root with apt-get to
#                    install them (otherwise the test skips, exit 77)
#   slurm_start      start the cluster in $CURIO_SLURM_DIR if one answers there (then leave it running), else a new
#                    one in a new temporary directory; exports SLURM_CONF; checks that the node has >= 2 CPUs
#   slurm_cancel J   cancel job J if it is still queued or running, and wait until it is gone
#   slurm_stop       stop the cluster if slurm_start started it
# shellcheck shell=bash disable=SC2154  # say, fail and work come from the caller

slurm_started=0
slurm_dir=
slurm_tool=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/local-slurm.sh

slurm_available() {
  local b
  for b in slurmctld slurmd munged sbatch; do
    command -v "$b" >/dev/null || { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; } || return 1
  done
  return 0
}

slurm_start() {
  local t0=$SECONDS node_cpus
  if [[ -n ${CURIO_SLURM_DIR:-} ]] && "$slurm_tool" status "$CURIO_SLURM_DIR"; then
    slurm_dir=$CURIO_SLURM_DIR
    say "local Slurm already running in $slurm_dir; will leave it running"
  else
    # its own directory, not under $work (mktemp's 0700 would keep the munge user out of the socket's directory)
    slurm_dir=$(mktemp -d "${TMPDIR:-/tmp}/curio-slurm.XXXXXX")
    chmod 711 "$slurm_dir"
    slurm_started=1
    say "starting a private Slurm in $slurm_dir"
    "$slurm_tool" start "$slurm_dir" || fail "tests/slurm/local-slurm.sh start failed (logs in $slurm_dir/log)"
  fi
  eval "$("$slurm_tool" env "$slurm_dir")"
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
  (( slurm_started )) || return 0
  say "stopping the private Slurm this test started"
  "$slurm_tool" stop "$slurm_dir" || true
  rm -rf "$slurm_dir"
}
