#!/bin/sh
# A single-node Slurm cluster on this machine, for the tests of `memkd-script submit` (and for
# trying a job array before taking it to a real cluster).
#
#   scripts/slurm-local.sh start    installs slurm-wlm and munge when missing (apt), writes a
#                                   slurm.conf for this host, starts munged, slurmctld and slurmd,
#                                   and waits until the node takes jobs
#   scripts/slurm-local.sh stop     stops the three daemons by the pids it recorded
#   scripts/slurm-local.sh env      prints `export SLURM_CONF=...` for sbatch, squeue and scancel
#
# Everything (configuration, state, spool, logs, pid files, munge's socket) lives in
# $MEMKD_SLURM_DIR (default /tmp/memkd-slurm); nothing under /etc is changed, and no daemon of
# the system's own Slurm or munge is touched. slurmctld listens on $MEMKD_SLURM_PORT (default
# 6817) and slurmd on the port after it, so two such clusters can run side by side. Needs root
# (SlurmUser=root; munged runs as the munge user).
set -eu
dir=${MEMKD_SLURM_DIR:-/tmp/memkd-slurm}
port=${MEMKD_SLURM_PORT:-6817}
conf=$dir/slurm.conf
node=$(hostname -s)
log() { echo "slurm-local: $*" >&2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_missing() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return
  fi
  log "installing slurm-wlm and munge (apt)"
  if [ "$(id -u)" -ne 0 ]; then
    log "needs root to install packages"
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null
}

write_config() {
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/munge-socket"
  chmod 755 "$dir"
  # munged wants its key private and its socket's folder open to every client.
  chown munge:munge "$dir/munge" "$dir/munge-socket"
  chmod 700 "$dir/munge"
  chmod 755 "$dir/munge-socket"
  if [ ! -f "$dir/munge/munge.key" ]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
    chown munge:munge "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
  fi
  cpus=$(nproc)
  memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for tests.
ClusterName=memkd-local
SlurmctldHost=$node
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge-socket/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=5
MinJobAge=300
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  install_missing
  if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && alive "$dir/munged.pid"; then
    log "already running ($dir)"
    return
  fi
  stop_daemons
  write_config
  runuser -u munge -- munged --key-file="$dir/munge/munge.key" \
    --socket="$dir/munge-socket/munge.socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
  cp "$dir/munge/munged.pid" "$dir/munged.pid"
  export SLURM_CONF="$conf"
  slurmctld -f "$conf"
  slurmd -f "$conf" -N "$node"
  tries=0
  until sinfo -h -N -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; do
    tries=$((tries + 1))
    if [ $tries -gt 60 ]; then
      log "the node did not become idle in 30 s; logs: $dir/slurmctld.log $dir/slurmd.log"
      sinfo -N >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "running: $(sinfo -h -o '%P %D node(s) %c CPUs') ($dir)"
}

# Stops each daemon by its recorded pid and waits until it has exited.
stop_daemons() {
  for name in slurmd slurmctld munged; do
    pidfile=$dir/$name.pid
    if alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill "$pid"
      tries=0
      while kill -0 "$pid" 2>/dev/null; do
        tries=$((tries + 1))
        if [ $tries -gt 100 ]; then
          kill -9 "$pid" 2>/dev/null || true
        fi
        sleep 0.1
      done
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
