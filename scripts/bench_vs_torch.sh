#!/usr/bin/env bash
# bench_vs_torch.sh: ctdtui against the PyTorch reference, side by side.
#
# For each workload, each round runs ctdtui's `go test -bench` benchmark and
# ../shared/bench/torch_ref.py (through scripts/torch_ref_shared.py, which
# lets it run on a shared, never quiet machine) one after the other, pinned
# to the same cores with taskset, the order alternating between rounds; the
# table gives the medians over the rounds and their ratio.
#
#   gru1   GRU-128 epoch (3-bit flip-flop, 1000 trials × 500 steps, batch 256,
#          validation included), 1 core: CPU seconds of each side
#   gru2   the same on 2 cores: wall seconds (torch: 2 threads,
#          OMP_WAIT_POLICY=PASSIVE)
#   node1  NODE-3 epoch (3 layers of 64), 1 core, CPU seconds
#   lstm1  LSTM-128 epoch, 1 core, CPU seconds
#   infer1 inference over the 1000 trials of a GRU-128 (no gradients), 1 core,
#          CPU seconds
#
# On one core the CPU time is what the work costs: other processes taking
# the core stretch the wall time of both sides but not it. Wall seconds are
# printed too.
#
# Usage: scripts/bench_vs_torch.sh [-r ROUNDS] [-c CORE] [WORKLOAD...]
# Needs Go and /usr/bin/python3 with torch (apt-get install -y python3-torch
# libopenblas0-pthread). Default: 3 rounds, core 1, every workload.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 core=1
while getopts "r:c:" o; do
	case $o in
	r) rounds=$OPTARG ;;
	c) core=$OPTARG ;;
	*) echo "usage: $0 [-r ROUNDS] [-c CORE] [WORKLOAD...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
workloads=("$@")
[[ ${#workloads[@]} -gt 0 ]] || workloads=(gru1 gru2 node1 lstm1 infer1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/nets.test" ./nets
torch=(/usr/bin/python3 scripts/torch_ref_shared.py)
results=$work/results.tsv # workload side round wall cpu

# ctdtui WORKLOAD ROUND: one benchmark run, its wall and CPU seconds.
ctdtui() {
	local w=$1 r=$2 bench cpus=1 set=$core unit=epoch out
	case $w in
	gru1) bench='EpochGRU128$' ;;
	gru2) bench='EpochGRU128$' cpus=2 set=0,1 ;;
	node1) bench='EpochNODE3$' ;;
	lstm1) bench='EpochLSTM128$' ;;
	infer1) bench='InferGRU128$' unit=pass ;;
	esac
	out=$(GOMAXPROCS=$cpus taskset -c "$set" "$work/nets.test" -test.run '^$' -test.bench "$bench" \
		-test.benchtime 3x -test.cpu "$cpus")
	echo "$out" | awk -v w="$w" -v r="$r" -v u="$unit" '/^Benchmark/ {
		for (i = 1; i <= NF; i++) { if ($i == "s/" u) wall = $(i-1); if ($i == "cpu-s/" u) cpu = $(i-1) }
		print w "\tctdtui\t" r "\t" wall "\t" cpu }' >>"$results"
}

# torchref WORKLOAD ROUND: the same workload in torch_ref.py.
torchref() {
	local w=$1 r=$2 args set=$core clock=--cpu-clock json=$work/t.json
	case $w in
	gru1) args=(--model gru --latent 128 --epochs 3 --warmup 1 --threads 1) ;;
	gru2) args=(--model gru --latent 128 --epochs 3 --warmup 1 --threads 2) set=0,1 clock= ;;
	node1) args=(--model node --latent 3 --epochs 4 --warmup 1 --threads 1) ;;
	lstm1) args=(--model lstm --latent 128 --epochs 3 --warmup 1 --threads 1) ;;
	infer1) args=(--infer --model gru --latent 128 --epochs 0 --infer-reps 3 --threads 1) ;;
	esac
	rm -f "$json"
	OMP_WAIT_POLICY=PASSIVE taskset -c "$set" "${torch[@]}" $clock -- "${args[@]}" --json "$json" >"$work/torch.log" 2>&1 ||
		{ cat "$work/torch.log" >&2; exit 1; }
	/usr/bin/python3 - "$json" "$w" "$r" "$clock" >>"$results" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
w, r, cpu = sys.argv[2], sys.argv[3], sys.argv[4] == "--cpu-clock"
t = s["infer"]["no_grad"]["median_s"] if "infer" in s else s["epoch_summary"]["total_s_median"]
print(f"{w}\ttorch\t{r}\t{'' if cpu else t}\t{t if cpu else ''}")
PY
}

echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for r in $(seq 1 "$rounds"); do
	for w in "${workloads[@]}"; do
		if ((r % 2)); then ctdtui "$w" "$r"; torchref "$w" "$r"; else torchref "$w" "$r"; ctdtui "$w" "$r"; fi
		echo "# round $r $w done (load $(cut -d' ' -f1 /proc/loadavg))"
	done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def med(w, side, col):
    v = [float(r[col]) for r in rows if r[0] == w and r[1] == side and r[col]]
    return (statistics.median(v), v) if v else (None, v)
print(f"{'workload':8} {'clock':5} {'ctdtui s':>9} {'torch s':>9} {'ratio':>6}   rounds (ctdtui | torch)")
for w in dict.fromkeys(r[0] for r in rows):
    col = 3 if w == "gru2" else 4
    c, cv = med(w, "ctdtui", col)
    t, tv = med(w, "torch", col)
    wall, _ = med(w, "ctdtui", 3)
    fmt = lambda v: " ".join(f"{x:.3f}" for x in v)
    print(f"{w:8} {'wall' if col == 3 else 'cpu':5} {c:9.3f} {t:9.3f} {c / t:6.3f}   {fmt(cv)} | {fmt(tv)}"
          + ("" if col == 3 else f"   (ctdtui wall {wall:.3f})"))
PY
