#!/usr/bin/env bash
# notebook.sh: the reference's NBFF notebook end to end, headless, timed.
#
# What the notebook does, as ctdtui commands: train the 3-bit flip-flop GRU
# with 128 latents (preset 3bff-gru128: 500 epochs, batch 1000, no clipping)
# and the neural ODE with 3 latents (3bff-node3 for 500 epochs, as the
# notebook trains it; the preset's own default is 1000), then find the
# fixed points of both and compare the two models (affine R², state R²,
# Procrustes, CCA, DSA). Every stage runs on the same cores (2 by default)
# and the script prints each stage's wall and CPU seconds, the total, and the
# machine's load average before and after (the machine may be shared: other
# processes' load stretches the wall times).
#
# Usage: scripts/notebook.sh [-j THREADS] [-e EPOCHS] [OUTDIR]
#   -j THREADS  cores (GOMAXPROCS and train.threads; default 2)
#   -e EPOCHS   both trainings' epochs (default 500), e.g. a few for a quick
#               check of the script itself
#   OUTDIR      where the runs, logs and reports go (default: a new temporary
#               directory, kept)
set -euo pipefail
cd "$(dirname "$0")/.."

threads=2 epochs=500
while getopts "j:e:" o; do
	case $o in
	j) threads=$OPTARG ;;
	e) epochs=$OPTARG ;;
	*) echo "usage: $0 [-j THREADS] [-e EPOCHS] [OUTDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=${1:-$(mktemp -d -t ctdtui-notebook.XXXXXX)}
mkdir -p "$out"
if [[ -e $out/gru || -e $out/node ]]; then
	echo "notebook.sh: $out already holds runs (gru, node); give an empty or new directory" >&2
	exit 1
fi

go build -o "$out/ctdtui" .
bin=$out/ctdtui
export GOMAXPROCS=$threads
cores=$(seq -s, 0 $((threads - 1)))
pin=()
if command -v taskset >/dev/null && ((threads <= $(nproc))); then pin=(taskset -c "$cores"); fi
ep=(--epochs "$epochs")

report=$out/times.tsv
: >"$report"
# stage NAME PATTERN CMD...: run CMD (output to OUTDIR/NAME.log), record
# its wall and CPU seconds, show the first log line matching PATTERN.
stage() {
	local name=$1 pattern=$2
	shift 2
	local t0 t1 u s
	t0=$(date +%s.%N)
	if ! "${pin[@]}" /usr/bin/env time -f "%U %S" -o "$out/$name.cpu" "$@" >"$out/$name.log" 2>&1; then
		echo "notebook.sh: $name failed; its output:" >&2
		tail -20 "$out/$name.log" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	read -r u s <"$out/$name.cpu"
	printf '%s\t%.1f\t%.1f\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(echo "$u + $s" | bc)" >>"$report"
	printf '%-18s %7.1f s wall %7.1f s CPU   %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(echo "$u + $s" | bc)" \
		"$(grep -m1 -E "$pattern" "$out/$name.log" | sed 's/^ *//' | cut -c1-110)"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $("$bin" version 2>/dev/null | head -1), $threads cores ($cores), $(nproc) on the machine; load before: $load0"
echo "# outputs in $out"
stage train-gru128 '^finished' "$bin" train --preset 3bff-gru128 "${ep[@]}" --set train.threads="$threads" --out "$out/gru"
stage train-node3 '^finished' "$bin" train --preset 3bff-node3 "${ep[@]}" --set train.threads="$threads" --out "$out/node"
stage fixedpoints-gru '^ *fixed points +[0-9]' "$bin" fixedpoints "$out/gru"
stage fixedpoints-node '^ *fixed points +[0-9]' "$bin" fixedpoints "$out/node"
stage compare 'DSA angular' "$bin" compare "$out/gru" "$out/node"
awk -F'\t' '{w += $2; c += $3} END {printf "%-18s %7.1f s wall %7.1f s CPU   (%.1f min)\n", "total", w, c, w / 60}' "$report"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
