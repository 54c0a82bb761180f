#!/usr/bin/env bash
# slurm-test.sh: run sweeps as Slurm job arrays on a real, single-node Slurm
# cluster started here, and check what a user on a cluster relies on.
#
#   1. install Debian's slurm-wlm when slurmctld is absent (needs root);
#   2. start slurmctld and slurmd in the foreground (as root, in the
#      background of this script) on a private configuration: AuthType and
#      CredType none (no munge), ProctrackType linuxproc, TaskPlugin none, no
#      accounting, one node named `hostname -s` with this machine's CPUs;
#   3. sweep A, 4 tiny runs: `ctdtui sweep slurm --submit` submits a 4-task
#      array; wait for it; all 4 runs finished with full histories, one log
#      per task inside the sweep; submitting again finds nothing to do;
#   4. sweep B, 3 runs: kill one task's trainer with SIGKILL in mid-run (a
#      crashed node) and cancel another (scancel: SIGTERM, a clean stop); the
#      third finishes; re-submitting covers only the two unfinished runs,
#      which resume from their last saved epoch and finish;
#   5. stop the daemons it started, by pid.
#
# Usage: scripts/slurm-test.sh [work-dir]   (default: a temporary directory,
# removed on success). Takes about a minute on 2 cores.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
work=${1:-$(mktemp -d /tmp/ctdtui-slurm.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
log() { echo "slurm-test: $*"; }
fail() {
	echo "slurm-test: FAIL: $*" >&2
	for f in "$work"/slurm/slurmctld.log "$work"/slurm/slurmd.log; do
		[[ -f $f ]] && { echo "--- tail of $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# 1. Slurm itself.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
	[[ $(id -u) -eq 0 ]] || fail "Slurm is not installed and installing it needs root (apt-get install slurm-wlm)"
	log "installing slurm-wlm"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends slurm-wlm >"$work/apt.log" 2>&1; then
		apt-get update >>"$work/apt.log" 2>&1
		apt-get install -y --no-install-recommends slurm-wlm >>"$work/apt.log" 2>&1 || { tail "$work/apt.log" >&2; fail "apt-get install slurm-wlm"; }
	fi
fi
[[ $(id -u) -eq 0 ]] || fail "slurmd must run as root to start jobs"
log "$(slurmctld -V)"

# 2. A private single-node cluster. Free ports, so that it never meets
# another cluster (or another run of this script) on this machine.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
host=$(hostname -s)
cpus=$(nproc)
conf=$work/slurm
mkdir -p "$conf/state" "$conf/spool"
cat >"$conf/slurm.conf" <<EOF
ClusterName=ctdtuitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
StateSaveLocation=$conf/state
SlurmdSpoolDir=$conf/spool
SlurmctldPidFile=$conf/slurmctld.pid
SlurmdPidFile=$conf/slurmd.pid
SlurmctldLogFile=$conf/slurmctld.log
SlurmdLogFile=$conf/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
InactiveLimit=0
KillWait=10
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf/slurm.conf
ctld_pid= slurmd_pid=
stop_daemons() {
	# Only the daemons this script started, by their pids.
	for p in $slurmd_pid $ctld_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $slurmd_pid $ctld_pid; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
}
trap stop_daemons EXIT
slurmctld -D -f "$SLURM_CONF" >"$conf/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" >"$conf/slurmd.out" 2>&1 &
slurmd_pid=$!
log "slurmctld pid $ctld_pid, slurmd pid $slurmd_pid, node $host ($cpus CPUs), config $SLURM_CONF"
for i in $(seq 60); do
	state=$(sinfo -h -N -o %t 2>/dev/null | head -n1 || true)
	[[ $state == idle* ]] && break
	kill -0 "$ctld_pid" 2>/dev/null || { cat "$conf/slurmctld.out" >&2; fail "slurmctld exited"; }
	kill -0 "$slurmd_pid" 2>/dev/null || { cat "$conf/slurmd.out" >&2; fail "slurmd exited"; }
	sleep 1
done
[[ $state == idle* ]] || fail "the node is not idle after a minute (state: ${state:-none})"
log "node $host is $state"

# ctdtui itself: the tasks run this binary.
go build -o "$work/ctdtui" .
ctdtui=$work/ctdtui

# wait_job ID: until none of the job's tasks is pending or running.
wait_job() {
	for _ in $(seq 600); do
		[[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]] && return 0
		sleep 0.5
	done
	squeue -j "$1" >&2 || true
	fail "job $1 still queued or running after 5 minutes"
}
# field DIR KEY: a value of a run's state.json (a flat JSON object).
field() { sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1/state.json"; }
# check_finished SWEEP EPOCHS: every run finished, with one history row per epoch.
check_finished() {
	local r n
	for r in "$1"/*/; do
		r=${r%/}
		[[ -f $r/config.toml ]] || continue
		[[ $(field "$r" status) == finished ]] || fail "$r: status $(field "$r" status), want finished"
		[[ $(field "$r" epoch) == "$2" ]] || fail "$r: epoch $(field "$r" epoch), want $2"
		n=$(($(wc -l <"$r/history.csv") - 1))
		[[ $n == "$2" ]] || fail "$r: $n history rows, want $2"
		[[ -f $r/checkpoint.bin && -f $r/eval.json ]] || fail "$r: no checkpoint or evaluation"
	done
}
submit() {
	local out
	out=$("$ctdtui" sweep slurm "$@" --submit) || fail "ctdtui sweep slurm $* --submit"
	echo "$out" | sed 's/^/    /' >&2
	echo "$out" | sed -n 's/^submitted job \([0-9]*\)$/\1/p'
}

# 3. Sweep A: a 4-task array of tiny runs.
A=$work/sweepA
epochsA=30
nice "$ctdtui" sweep new "$A" --preset 3bff-small --grid model.kind=gru,rnn --seeds 0-1 --set train.epochs=$epochsA >/dev/null
job=$(submit "$A" --max-parallel 2 --time 00:10:00)
[[ -n $job ]] || fail "no job id from ctdtui sweep slurm --submit"
log "sweep A: submitted job $job (4 tasks)"
wait_job "$job"
"$ctdtui" sweep status "$A"
check_finished "$A" $epochsA
nlogs=$(ls "$A/logs"/slurm-"$job"_*.out | wc -l)
[[ $nlogs == 4 ]] || fail "sweep A: $nlogs task logs in $A/logs, want 4"
grep -q "finished" "$A/logs/slurm-${job}_3.out" || fail "task 3's log does not report its run finished"
again=$("$ctdtui" sweep slurm "$A" --submit)
[[ $again == *"nothing to submit"* ]] || fail "re-submitting a finished sweep: $again"
log "sweep A: 4 runs finished with $epochsA epochs of history each, 4 task logs; re-submitting: nothing to submit"

# 4. Sweep B: a crash and a cancellation, then a re-submission.
B=$work/sweepB
epochsB=200
nice "$ctdtui" sweep new "$B" --preset 3bff-small --grid model.kind=gru,rnn,lstm --set train.epochs=$epochsB >/dev/null
job=$(submit "$B" --max-parallel 2)
log "sweep B: submitted job $job (3 tasks, 2 at a time)"
# Wait for runs 0 and 1 to be some epochs in.
for _ in $(seq 600); do
	e0=$(field "$B/gru" epoch) e1=$(field "$B/rnn" epoch)
	[[ $(field "$B/gru" status) == training && $(field "$B/rnn" status) == training && ${e0:-0} -ge 5 && ${e1:-0} -ge 5 ]] && break
	sleep 0.2
done
[[ ${e0:-0} -ge 5 && ${e1:-0} -ge 5 ]] || fail "runs gru and rnn did not start training"
pid=$(field "$B/gru" pid)
log "sweep B: SIGKILL to task 0's trainer (pid $pid) at epoch $e0; scancel of task 1 at epoch $e1"
kill -9 "$pid"
scancel "${job}_1"
wait_job "$job"
"$ctdtui" sweep status "$B"
st=$("$ctdtui" sweep status "$B" --json)
grep -q '"interrupted": 1' <<<"$st" || fail "sweep B: the killed run is not interrupted"
grep -q '"stopped": 1' <<<"$st" || fail "sweep B: the cancelled run is not stopped"
[[ $(field "$B/lstm" status) == finished ]] || fail "sweep B: run lstm (task 2) did not finish"
k0=$(field "$B/gru" epoch) k1=$(field "$B/rnn" epoch)
[[ $k0 -lt $epochsB && $k1 -lt $epochsB ]] || fail "the runs were not stopped mid-run"
job2=$(submit "$B")
grep -q -- "--array=0,1$" "$B/sweep.sbatch" || fail "re-submission does not cover exactly runs 0 and 1: $(grep -- --array "$B/sweep.sbatch")"
log "sweep B: re-submitted job $job2 for runs 0 and 1 (stopped at epochs $k0 and $k1)"
wait_job "$job2"
"$ctdtui" sweep status "$B"
check_finished "$B" $epochsB
# The SIGKILL can land between the epoch's checkpoint.bin and its state.json
# (a crash point the run is built to survive): state.json then says k0 while
# the checkpoint, which resume trusts, holds k0+1.
grep -Eq "resume .* at epoch ($k0|$((k0 + 1)))/$epochsB" "$B/logs/slurm-${job2}_0.out" || { cat "$B/logs/slurm-${job2}_0.out" >&2; fail "task 0 did not resume at epoch $k0 or $((k0 + 1))"; }
grep -q "resume .* at epoch $k1/$epochsB" "$B/logs/slurm-${job2}_1.out" || fail "task 1 did not resume at epoch $k1"
log "sweep B: both resumed from their last saved epoch and finished with $epochsB epochs of history"

stop_daemons
trap - EXIT
kill -0 "$ctld_pid" 2>/dev/null && fail "slurmctld still running"
kill -0 "$slurmd_pid" 2>/dev/null && fail "slurmd still running"
log "daemons stopped"
[[ $# -ge 1 ]] || rm -rf "$work"
log "PASS"
