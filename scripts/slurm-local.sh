#!/usr/bin/env bash
# A throw-away Slurm cluster of one node on localhost, for testing `bench all --executor slurm`.
#
#   scripts/slurm-local.sh install   apt-get install slurmctld slurmd slurm-client munge (root; skipped if present)
#   scripts/slurm-local.sh start     private munge key and socket, config and state in $SLURM_LOCAL_DIR; start
#                                    munged, slurmctld, slurmd; wait for the node to be idle
#   scripts/slurm-local.sh stop      cancel jobs, stop the daemons this script started (by pid), keep the logs
#
# Nothing under /etc is used and no system service is started (works without systemd). After
# `start`, `source $SLURM_LOCAL_DIR/env.sh` points sbatch/squeue/scontrol at this cluster.
# Environment: SLURM_LOCAL_DIR (default /tmp/slurm-local-$UID; keep it short: the munge socket
# path must fit 108 bytes), SLURM_LOCAL_CPUS (slots, default nproc), SLURM_LOCAL_PORT (slurmctld's
# port, default 6817; slurmd uses the next one).
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-/tmp/slurm-local-$(id -u)}
CPUS=${SLURM_LOCAL_CPUS:-$(nproc)}
PORT=${SLURM_LOCAL_PORT:-6817}
NODE=$(hostname -s)
SOCKET=$DIR/munge/socket
export SLURM_CONF=$DIR/slurm.conf

say() { echo "[slurm-local] $*" >&2; }

installed() { for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || return 1; done; }

cmd_install() {
  if installed; then say "install: present (slurm $(dpkg-query -W -f '${Version}' slurmctld))"; return 0; fi
  if [ "$(id -u)" != 0 ]; then
    say "install: slurmctld slurmd slurm-client munge are missing and this is not root; install them as root first"
    return 1
  fi
  # The packages' postinst would start system daemons; a policy-rc.d that says no keeps them down.
  local added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; added=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  if [ $added = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  say "install: slurm $(dpkg-query -W -f '${Version}' slurmctld) installed"
}

# pid file -> pid, if that process still is the named daemon (no pid-reuse accidents)
daemon_pid() {
  local pid; pid=$(cat "$1" 2>/dev/null) || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

cmd_start() {
  installed || { say "start: Slurm is not installed (run: $0 install)"; return 1; }
  if daemon_pid "$DIR/slurmctld.pid" slurmctld >/dev/null && scontrol ping >/dev/null 2>&1; then
    say "start: already running in $DIR"; return 0
  fi
  cmd_stop quiet
  # Only a folder this script made (marker) or an empty one is ever wiped.
  if [ -d "$DIR" ] && [ ! -e "$DIR/.slurm-local" ] && [ -n "$(ls -A "$DIR")" ]; then
    say "start: $DIR exists and was not made by this script; set SLURM_LOCAL_DIR elsewhere"; return 1
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"/{munge,state,spool,log}
  touch "$DIR/.slurm-local"
  chmod 755 "$DIR" "$DIR/munge"       # munged refuses a socket folder others cannot traverse
  head -c 128 /dev/urandom > "$DIR/munge/key"
  chmod 600 "$DIR/munge/key"
  local munged=(/usr/sbin/munged --socket="$SOCKET" --key-file="$DIR/munge/key" --pid-file="$DIR/munge/munged.pid"
                --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/seed")
  if [ "$(id -u)" = 0 ] && id munge >/dev/null 2>&1; then
    chown -R munge: "$DIR/munge"; runuser -u munge -- "${munged[@]}"
  else
    "${munged[@]}"
  fi
  local user; user=$(id -un)
  cat > "$SLURM_CONF" <<CONF
# scripts/slurm-local.sh: one node on loopback, no cgroups, no accounting daemon
ClusterName=local
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
MinJobAge=3600
$( [ "$CPUS" -gt "$(nproc)" ] && echo "SlurmdParameters=config_overrides" )
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF" > "$DIR/env.sh"
  /usr/sbin/slurmctld -f "$SLURM_CONF"
  /usr/sbin/slurmd -f "$SLURM_CONF" -N "$NODE"
  local state=""
  for _ in $(seq 1 300); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case "$state" in idle|*inval*|*drain*) break ;; esac
    sleep 0.1
  done
  if [ "$state" != idle ]; then say "start: node state '$state'"; tail -n 20 "$DIR"/log/*.log >&2 || true; return 1; fi
  say "start: node $NODE idle with $CPUS slots (config $SLURM_CONF)"
}

cmd_stop() {
  local quiet=${1:-}
  if daemon_pid "$DIR/slurmctld.pid" slurmctld >/dev/null; then
    # A running job outlives `scontrol shutdown` (its slurmstepd keeps going), so cancel first.
    local jobs; jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 100); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    fi
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  local spec pid
  for spec in "$DIR/slurmctld.pid:slurmctld" "$DIR/slurmd.pid:slurmd" "$DIR/munge/munged.pid:munged"; do
    pid=$(daemon_pid "${spec%%:*}" "${spec##*:}") || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Job steps whose daemons are gone ignore SIGTERM and retry for ever: kill those of this cluster.
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
    case "$(readlink "$p/cwd" 2>/dev/null)" in "$DIR"|"$DIR"/*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
  done
  [ -n "$quiet" ] || say "stop: daemons stopped (logs in $DIR/log)"
}

case "${1:-}" in
  install|start|stop) "cmd_$1" ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
