#!/usr/bin/env bash
# A private one-node Slurm cluster for curio's job-script tests, entirely under one directory:
#
#   tests/slurm/local-slurm.sh start [DIR]    # DIR defaults to $CURIO_SLURM_DIR or /tmp/curio-slurm
#   tests/slurm/local-slurm.sh env   [DIR]    # prints 'export SLURM_CONF=...' for sbatch/squeue/sinfo
#   tests/slurm/local-slurm.sh stop  [DIR]    # ends the daemons it started (by the pids in DIR)
#   tests/slurm/local-slurm.sh status [DIR]   # exit 0 if its controller answers
#
# Nothing outside DIR is written: the configuration is DIR/slurm.conf (clients find it through SLURM_CONF, which
# `env` prints), munge runs with its own key and socket in DIR/munge (Slurm's AuthInfo points at that socket), the
# controller and the node daemon listen on the loopback address on ports of their own (CURIO_SLURM_PORT, default
# 16817, and the next one), so a system Slurm or munge on the machine is neither used nor disturbed. One node, the
# machine's CPUs and 80% of its memory, one partition "debug", MpiDefault=pmix so that srun starts Open MPI programs
# (Debian's slurm-wlm ships the PMIx plugin). Jobs run as the user who started it (root in CI: the job scripts
# set OMPI_ALLOW_RUN_AS_ROOT). Needs the Debian packages slurm-wlm and munge; `start` installs them with apt-get
# when they are missing and it runs as root, and otherwise says what is missing (exit 2).
set -euo pipefail

cmd=${1:-}
dir=${2:-${CURIO_SLURM_DIR:-/tmp/curio-slurm}}
port=${CURIO_SLURM_PORT:-16817}
conf=$dir/slurm.conf

die() { echo "local-slurm: $*" >&2; exit 2; }

need_packages() {
  local missing=() b
  for b in slurmctld slurmd munged sbatch; do command -v "$b" >/dev/null || missing+=("$b"); done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "local-slurm: installing slurm-wlm and munge (missing: ${missing[*]})"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  else
    die "missing ${missing[*]}: install the Debian packages slurm-wlm and munge"
  fi
}

write_config() {
  local host cpus mem user
  host=$(hostname -s)
  # nproc obeys OMP_NUM_THREADS (the test suite sets it to 1 for BLAS): count the CPUs the machine has
  cpus=$(env -u OMP_NUM_THREADS nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  user=$(id -un)
  mkdir -p "$dir"/{state,spool,log,munge}
  chmod 711 "$dir" # munged (as the munge user when started by root) reaches its socket through it
  cat > "$conf" <<EOF
# written by tests/slurm/local-slurm.sh; every path is under $dir
ClusterName=curiotest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=pmix
ReturnToService=2
KillWait=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  local m=$dir/munge owner
  [[ -S $m/socket ]] && pgrep -F "$m/pid" munged >/dev/null 2>&1 && return 0
  # munged refuses to run as root; as root it runs as the munge user, which must own its files
  owner=$(id -un)
  [[ $(id -u) -eq 0 ]] && owner=munge
  [[ -s $m/key ]] || { head -c 1024 /dev/urandom > "$m/key"; }
  chmod 711 "$m" # the socket's directory must be searchable by every user (munge checks it)
  chmod 400 "$m/key"
  chown -R "$owner" "$m"
  local args=(--socket="$m/socket" --key-file="$m/key" --pid-file="$m/pid" --log-file="$m/log" --seed-file="$m/seed")
  if [[ $owner != "$(id -un)" ]]; then runuser -u "$owner" -- munged "${args[@]}"; else munged "${args[@]}"; fi
}

daemon_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  need_packages
  write_config
  start_munge
  export SLURM_CONF=$conf
  daemon_alive "$dir/slurmctld.pid" || slurmctld -f "$conf"
  daemon_alive "$dir/slurmd.pid" || slurmd -f "$conf" -N "$(hostname -s)"
  local i
  for ((i = 0; i < 60; i++)); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE 'idle|mix|alloc'; then
      echo "local-slurm: up in $dir: $(sinfo -h -o '%P %D %t %c cpus' | tr '\n' ' ')"
      return 0
    fi
    sleep 1
  done
  echo "local-slurm: the node did not become idle; logs in $dir/log" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
  return 1
}

stop() {
  local f p i
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/pid"; do
    [[ -s $f ]] || continue
    p=$(cat "$f")
    kill "$p" 2>/dev/null || continue
    # slurmctld saves its state on the way out: wait, so that a new start does not meet a dying daemon
    for ((i = 0; i < 30; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
    kill -0 "$p" 2>/dev/null && echo "local-slurm: pid $p ($f) still running after 30 s" >&2
  done
  rm -f "$dir/slurmd.pid" "$dir/slurmctld.pid"
  echo "local-slurm: stopped ($dir)"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  status) [[ -f $conf ]] && SLURM_CONF=$conf sinfo -h >/dev/null 2>&1 ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
