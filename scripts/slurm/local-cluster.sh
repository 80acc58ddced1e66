#!/usr/bin/env bash
# A real, private Slurm cluster on this one machine, for tests and demos: one slurmctld and N virtual nodes
# (Debian's multiple-slurmd build: one `slurmd -N nI` per node), each node with G fake GPUs.
#   scripts/slurm/local-cluster.sh start DIR [--nodes N] [--gpus-per-node G] [--install]
#   scripts/slurm/local-cluster.sh stop DIR
#   scripts/slurm/local-cluster.sh status DIR
# Everything lives under DIR (config, state, spool, logs, pid files, fake GPU devices) on private ports, so several
# clusters can run at once beside any system Slurm. `start` prints `export SLURM_CONF=DIR/slurm.conf` on stdout and
# nothing else (progress goes to stderr), so `eval "$(scripts/slurm/local-cluster.sh start DIR)"` sets up a shell;
# SLURM_CONF is the only variable the client commands (srun, sbatch, squeue, scontrol, scancel) need.
# Needs root (slurmd runs jobs as their user; mknod makes the fake GPUs). No munge: auth/none and cred/none.
# --install installs Debian's slurmd, slurmctld, slurm-client and munge with apt-get when slurmctld is missing.
# Defaults: 4 nodes, 1 GPU per node; partition `debug`; finished jobs stay visible for 300 s (MinJobAge).
set -euo pipefail

usage() {
    sed -n '4,6s/^#   //p' "${BASH_SOURCE[0]}" >&2
    exit 2
}
log() { echo "local-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

START_DEADLINE_S=${LOCAL_CLUSTER_DEADLINE_S:-60} # start: how long to wait for every node to be idle
JOBS_DEADLINE_S=30  # stop: how long to wait for cancelled jobs to end
KILL_AFTER_S=10     # stop: SIGKILL a daemon still alive this long after SIGTERM

# The PID in pid file $1 (DIR/pids/slurmctld.pid or DIR/pids/slurmd-nI.pid) when that process is alive and its
# name is the daemon's (so a PID reused by another process is left alone); nothing otherwise.
live_pid() {
    local pid comm name
    name=$(basename "$1" .pid)
    name=${name%%-*}
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    if [[ $comm == "$name" ]]; then echo "$pid"; fi
}

# SIGTERM the daemons of the given pid files together, wait for them, SIGKILL those left after KILL_AFTER_S.
term_all() {
    local file pid pids=() deadline
    for file in "$@"; do
        pid=$(live_pid "$file")
        [[ -n $pid ]] || continue
        pids+=("$pid")
        kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$((SECONDS + KILL_AFTER_S))
    for pid in ${pids[@]+"${pids[@]}"}; do
        while [[ -d /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.1; done
        if [[ -d /proc/$pid ]]; then
            log "pid $pid did not end after SIGTERM; SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -f "$@"
}

# Cancel every job of the cluster in $1, wait for them to end, then stop its daemons; quiet when nothing runs.
stop_cluster() {
    local dir=$1 deadline
    [[ -d $dir/pids ]] || return 0
    if [[ -n $(live_pid "$dir/pids/slurmctld.pid") ]]; then
        export SLURM_CONF=$dir/slurm.conf
        # squeue lists pending, running and completing jobs: a job stays COMPLETING until its slurmstepd are gone.
        if [[ -n $(squeue -h -o %A 2>/dev/null) ]]; then
            log "cancelling the jobs of $dir"
            squeue -h -o %A 2>/dev/null | xargs -r scancel 2>/dev/null || true
            deadline=$((SECONDS + JOBS_DEADLINE_S))
            while [[ -n $(squeue -h -o %A 2>/dev/null) ]]; do
                ((SECONDS < deadline)) || { log "jobs still listed after ${JOBS_DEADLINE_S} s; stopping anyway"; break; }
                sleep 0.2
            done
        fi
    fi
    shopt -s nullglob
    local slurmds=("$dir"/pids/slurmd-*.pid)
    shopt -u nullglob
    term_all ${slurmds[@]+"${slurmds[@]}"}
    term_all "$dir/pids/slurmctld.pid" # its child slurmscriptd ends with it
}

# The first of $1 consecutive TCP ports (below the ephemeral range) that nothing listens on.
free_ports() {
    local count=$1 base port listening ok
    for _ in $(seq 50); do
        base=$((10000 + RANDOM % 20000))
        listening=$(ss -ltnH 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
        ok=1
        for ((port = base; port < base + count; port++)); do
            if grep -qx "$port" <<<"$listening" || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                ok=0
                break
            fi
        done
        ((ok)) && { echo "$base"; return 0; }
    done
    die "found no $count free consecutive ports"
}

install_slurm() {
    command -v slurmctld >/dev/null && return 0
    command -v apt-get >/dev/null || die "--install needs apt-get"
    log "installing slurmd slurmctld slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends slurmd slurmctld slurm-client munge >&2
}

start_cluster() {
    local dir=$1 nodes=$2 gpus=$3 i g base files conf
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    conf=$dir/slurm.conf
    for f in "$dir"/pids/*.pid; do
        [[ -n $(live_pid "$f") ]] && die "a cluster already runs in $dir; stop it first"
    done
    # A fresh cluster each time: no state, spool or devices left from an earlier one; the logs are kept.
    rm -rf "${dir:?}"/{state,spool,dev,run,pids}
    mkdir -p "$dir"/{state,spool,dev,run,pids,log}
    chmod 700 "$dir"
    base=$(free_ports $((nodes + 1))) # slurmctld on base, node nI on base+I

    # Fake GPUs: character devices with /dev/null's numbers, so Slurm binds them and sets CUDA_VISIBLE_DEVICES.
    echo "AutoDetect=off" >"$dir/gres.conf"
    for ((i = 1; i <= nodes; i++)); do
        ((gpus > 0)) || continue
        for ((g = 0; g < gpus; g++)); do mknod -m 666 "$dir/dev/n$i-gpu$g" c 1 3; done
        files=$dir/dev/n$i-gpu0
        ((gpus > 1)) && files="$dir/dev/n$i-gpu[0-$((gpus - 1))]"
        echo "NodeName=n$i Name=gpu File=$files" >>"$dir/gres.conf"
    done

    # gres.conf is read from slurm.conf's folder.
    cat >"$conf" <<EOF
# Written by scripts/slurm/local-cluster.sh: a private test cluster; every path is under $dir.
ClusterName=tokenmeter
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
MpiDefault=none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in containers: track processes by parent id, bind nothing, account nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Trust the CPUs and memory below, whatever the host has.
SlurmdParameters=config_overrides
ReturnToService=2
# Refuse at submit time what the partition can never run (too many nodes, GPUs, ...).
EnforcePartLimits=ALL
# Keep finished jobs visible to scontrol for 5 minutes, so callers can poll for their end.
MinJobAge=300
KillWait=5
InactiveLimit=0
MailProg=/bin/true
GresTypes=gpu
EOF
    for ((i = 1; i <= nodes; i++)); do
        echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((base + i)) CPUs=2 RealMemory=2048$(
            ((gpus > 0)) && echo " Gres=gpu:$gpus")" >>"$conf"
    done
    echo "PartitionName=debug Nodes=n[1-$nodes] Default=YES MaxTime=INFINITE State=UP" >>"$conf"
    [[ $nodes == 1 ]] && sed -i 's/Nodes=n\[1-1\]/Nodes=n1/' "$conf"

    # From here on, a failure stops whatever was started.
    started_dir=$dir
    trap 'log "start failed; stopping what was started"; stop_cluster "$started_dir"' EXIT
    export SLURM_CONF=$conf
    # Daemons in the foreground (-D) in their own session: their PIDs are ours to record at once, they hold none
    # of our file descriptors (so `$(... start DIR)` returns) and a Ctrl-C of the caller does not reach them.
    log "starting slurmctld on port $base and $nodes node(s) on ports $((base + 1))-$((base + nodes)) in $dir"
    setsid slurmctld -D -c -f "$conf" </dev/null >"$dir/log/slurmctld.out" 2>&1 &
    echo $! >"$dir/pids/slurmctld.pid"
    for ((i = 1; i <= nodes; i++)); do
        setsid slurmd -D -f "$conf" -N "n$i" </dev/null >"$dir/log/slurmd-n$i.out" 2>&1 &
        echo $! >"$dir/pids/slurmd-n$i.pid"
    done

    # Wait for the controller to answer and every node to be idle.
    local deadline=$((SECONDS + START_DEADLINE_S)) idle=0 f
    while :; do
        for f in "$dir"/pids/*.pid; do
            [[ -n $(live_pid "$f") ]] || { log "$(basename "$f" .pid) exited"; break 2; }
        done
        if scontrol ping 2>/dev/null | grep -q 'is UP'; then
            idle=$(sinfo -h -N -o '%N %T' 2>/dev/null | awk '$2 == "idle"' | sort -u | wc -l)
            ((idle == nodes)) && break
        fi
        ((SECONDS < deadline)) || { log "not ready after ${START_DEADLINE_S} s ($idle of $nodes nodes idle)"; break; }
        sleep 0.2
    done
    if ((idle != nodes)); then
        sinfo -N >&2 2>/dev/null || true
        for f in "$dir"/log/*; do
            # A daemon's .out file repeats its .log file, once it has one.
            [[ $f == *.out && -s ${f%.out}.log ]] && continue
            echo "==> $f <==" >&2
            tail -n 15 "$f" >&2
        done
        exit 1 # the EXIT trap stops the daemons
    fi
    trap - EXIT
    log "ready: $nodes node(s), $gpus GPU(s) each, partition debug"
    echo "export SLURM_CONF=$conf"
}

(($# >= 2)) || usage
command=$1 dir=$2
shift 2
case $command in
start)
    nodes=4 gpus=1 install=0
    while (($#)); do
        case $1 in
        --nodes) nodes=${2:?}; shift 2 ;;
        --gpus-per-node) gpus=${2:?}; shift 2 ;;
        --install) install=1; shift ;;
        *) usage ;;
        esac
    done
    if ! [[ $nodes =~ ^[1-9][0-9]*$ ]] || ((nodes < 1 || nodes > 64)); then die "--nodes must be 1..64"; fi
    if ! [[ $gpus =~ ^(0|[1-9][0-9]*)$ ]] || ((gpus > 16)); then die "--gpus-per-node must be 0..16"; fi
    ((EUID == 0)) || die "needs root (slurmd runs jobs as their user; mknod)"
    ((install)) && install_slurm
    command -v slurmctld >/dev/null || die "slurmctld not found; install it or pass --install"
    start_cluster "$dir" "$nodes" "$gpus"
    ;;
stop)
    (($# == 0)) || usage
    stop_cluster "$dir"
    ;;
status)
    (($# == 0)) || usage
    [[ -n $(live_pid "$dir/pids/slurmctld.pid") ]] || die "no cluster runs in $dir"
    SLURM_CONF=$dir/slurm.conf exec sinfo
    ;;
*) usage ;;
esac
