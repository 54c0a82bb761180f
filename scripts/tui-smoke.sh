#!/usr/bin/env bash
# tui-smoke.sh: drive the terminal UI in a real terminal (tmux) the way a new
# user would, and check what appears on the screen.
#
#   1. start `ctdtui` in a 120x40 tmux window (256 colours);
#   2. load the small flip-flop preset with the keys (o, arrows, enter);
#   3. move to the number of bits and raise it with → (3 -> 4);
#   4. go to the Train tab (2) and start a run (s);
#   5. capture the pane twice, a few seconds apart: the epoch counter must
#      move and the loss chart must be drawn;
#   6. quit (q, then y to stop and save) and check the run directory;
#   7. start ctdtui again on the saved run: open it on the Trials tab, scrub
#      to trial 5 with →, check the panels; run the fixed-point finder on
#      the Analysis tab (f) and find its summary and the points on screen.
#
# Usage: scripts/tui-smoke.sh [capture-dir]
# Needs tmux and Go. Uses its own tmux server (-L), so it never touches yours.
# The screen captures are left in capture-dir (default: a temporary directory).
set -euo pipefail

cd "$(dirname "$0")/.."
work=$(mktemp -d)
caps=${1:-$work/captures}
mkdir -p "$caps"
runs=$work/runs
bin=$work/ctdtui
sock=ctdtui-smoke-$$
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tmx kill-server 2>/dev/null || true; }
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	echo "--- screen ---" >&2
	tmx capture-pane -p -t smoke >&2 || true
	exit 1
}
pass() { echo "ok:   $*"; }
screen() { tmx capture-pane -p -t smoke; }
# wait_for PATTERN [SECONDS]: poll the screen until grep -E finds PATTERN.
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while ((SECONDS < deadline)); do
		if screen | grep -Eq -- "$1"; then return 0; fi
		sleep 0.02
	done
	fail "did not see /$1/ within ${2:-10}s"
}
key() { tmx send-keys -t smoke "$@"; sleep 0.15; }

echo "building ctdtui..."
go build -o "$bin" .

tmx new-session -d -s smoke -x 120 -y 40 \
	"TERM=xterm-256color $bin --runs $runs; echo \"ctdtui exited with status \$?\"; sleep 120"
wait_for "Sample trial"
pass "ctdtui opened on the Task tab with a sample trial preview"

# Load the small preset: o opens the list, arrows move, enter loads.
key o
wait_for "Load a preset"
for _ in $(seq 10); do
	screen | grep -Eq "(›|>) 3bff-small" && break
	key Down
done
key Enter
wait_for "Preset 3bff-small"
pass "loaded preset 3bff-small with o / arrows / enter"

# Raise the number of bits with →.
for _ in $(seq 30); do
	screen | grep -Eq "(›|>) bits " && break
	key Down
done
screen | grep -Eq "(›|>) bits +.* 3 " || fail "the bits slider is not at 3"
key Right
wait_for "(›|>) bits +.* 4 "
wait_for "1 changed"
screen >"$caps/1-task.txt"
pass "→ raised bits to 4, marked as changed against the preset"
screen | grep -q "bit 3" || fail "the preview did not redraw with a fourth channel"
pass "the preview redrew with four channels"

# Start training on the Train tab.
key 2
wait_for "No run open|Runs in"
key s
wait_for "training" 10
wait_for "epoch [0-9]+/40" 20
# Let a few epochs pass, then capture twice.
wait_for "epoch ([2-9]|[1-9][0-9])/40" 60
screen >"$caps/2-train-a.txt"
e1=$(grep -Eo "epoch [0-9]+/40" "$caps/2-train-a.txt" | head -1 | grep -Eo "[0-9]+" | head -1)
sleep 2
screen >"$caps/3-train-b.txt"
e2=$(grep -Eo "epoch [0-9]+/40" "$caps/3-train-b.txt" | head -1 | grep -Eo "[0-9]+" | head -1)
[[ -n $e1 && -n $e2 && $e2 -gt $e1 ]] || fail "the epoch counter did not move ($e1 -> $e2)"
pass "epoch counter moved from $e1/40 to $e2/40 in 2 s"
for f in 2-train-a 3-train-b; do
	grep -q "┤" "$caps/$f.txt" || fail "$f: no loss chart axis"
	grep -q "train [0-9]" "$caps/$f.txt" || fail "$f: no train loss in the legend"
	grep -q "val [0-9]" "$caps/$f.txt" || fail "$f: no validation loss in the legend"
	# Braille cells are U+2800-U+28FF: bytes E2 A0-A3 xx in UTF-8.
	[[ $(LC_ALL=C grep -c $'\xe2[\xa0-\xa3]' "$caps/$f.txt") -ge 3 ]] || fail "$f: no braille curve"
done
if diff -q <(grep "┤\|│" "$caps/2-train-a.txt") <(grep "┤\|│" "$caps/3-train-b.txt") >/dev/null; then
	fail "the loss chart did not change between the captures"
fi
pass "loss chart drawn (axis, legend, braille curves) and redrawn as epochs finished"

# The UI answers keys while training uses every core: switch to the Task tab
# and back, timing until the screen shows each (tmux's own round trip included).
ms() { date +%s%3N; }
t0=$(ms); tmx send-keys -t smoke 1; wait_for "Preset 3bff-small" 5; t1=$(ms)
tmx send-keys -t smoke 2; wait_for "epoch [0-9]+/40" 5; t2=$(ms)
lat1=$((t1 - t0)) lat2=$((t2 - t1))
((lat1 < 500 && lat2 < 500)) || fail "slow keys while training: ${lat1} ms, ${lat2} ms"
pass "keys answered while training: tab switches on screen after ${lat1} ms and ${lat2} ms (tmux round trip included)"

# Quit: q asks first while a run trains; y stops it after saving.
key q
if screen | grep -q "stop it"; then
	pass "q while training asked before quitting"
	key y
fi
wait_for "ctdtui exited with status 0" 30
pass "quit cleanly (status 0)"

state=$(cat "$runs"/*/state.json)
echo "$state" | grep -Eq '"status": "(stopped|finished)"' || fail "run state after quit: $state"
saved=$(echo "$state" | grep -Eo '"epoch": [0-9]+' | grep -Eo "[0-9]+")
[[ $saved -ge $e2 ]] || fail "saved epoch $saved < $e2"
grep -q "bits = 4" "$runs"/*/config.toml || fail "the run did not use 4 bits"
pass "run saved in $(ls "$runs") at epoch $saved with bits = 4"

# Part 2: the saved run on the Trials and Analysis tabs, in a new session.
tmx kill-session -t smoke
tmx new-session -d -s smoke -x 120 -y 40 \
	"TERM=xterm-256color $bin --runs $runs; echo \"ctdtui exited with status \$?\"; sleep 120"
wait_for "Sample trial"
key 3
wait_for "Open a run"
pass "the Trials tab offers the saved runs"
key Enter
wait_for "trial 1/40" 30
for _ in 1 2 3 4; do key Right; done
wait_for "trial 5/40"
key .
key .
wait_for "step 2/99"
screen >"$caps/4-trials.txt"
for want in inputs "bit 0" "bit 3" "PC 1-3" "cursor at 2" "output target"; do
	grep -q "$want" "$caps/4-trials.txt" || fail "Trials tab: no '$want'"
done
[[ $(LC_ALL=C grep -c $'\xe2[\xa0-\xa3]' "$caps/4-trials.txt") -ge 10 ]] || fail "Trials tab: no braille panels"
pass "scrubbed to trial 5, step 2: inputs, the four bits against the outputs and the latents' PCs"

key 4
wait_for "PCA scree" 30
grep -q "PCs: 50%" <(screen) || fail "Analysis tab: no scree thresholds"
key f
t0=$SECONDS
wait_for "[0-9]+ unique · [0-9]+ stable · [0-9]+ unstable" 180
screen >"$caps/5-analysis.txt"
summary="$(grep -Eo "[0-9]+ unique · [0-9]+ stable · [0-9]+ unstable" "$caps/5-analysis.txt"), $(grep -Eo "[0-9]+ slow" "$caps/5-analysis.txt")"
grep -q "top |λ| of each" "$caps/5-analysis.txt" || fail "Analysis tab: no eigenvalues"
grep -q "● stable" "$caps/5-analysis.txt" || fail "Analysis tab: no legend of the points drawn"
pass "fixed-point finder: '$summary' after $((SECONDS - t0)) s, points drawn over the trajectories"

key q
wait_for "ctdtui exited with status 0" 30
pass "quit cleanly (status 0)"

echo
echo "--- Train tab, second capture ---"
cat "$caps/3-train-b.txt"
echo
echo "--- Trials tab, trial 5 ---"
cat "$caps/4-trials.txt"
echo
echo "--- Analysis tab, fixed points ---"
cat "$caps/5-analysis.txt"
echo
echo "PASS (screen captures in $caps)"
