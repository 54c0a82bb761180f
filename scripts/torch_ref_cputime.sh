#!/usr/bin/env bash
# torch_ref_cputime.sh ARGS...: runs ../shared/bench/torch_ref.py (the PyTorch
# reference timing) on a machine that is never quiet. Two changes, applied to
# a temporary copy: it does not wait for other processes to go idle (CONTAM =
# inf; with long background trainings it would wait 20 minutes per batch), and
# each epoch line also gives the process's CPU seconds for the epoch, which a
# shared machine disturbs far less than wall time. Compare them with the
# cpu-s/epoch of `go test -bench Epoch ./nets`, interleaved, on the same
# number of threads. scikit-learn's train_test_split is shimmed if missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${TORCH_REF:-$root/../shared/bench/torch_ref.py}
[[ -f $ref ]] || ref=/work/shared/bench/torch_ref.py # from a worktree under /work/wt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$ref" "$tmp/torch_ref_cputime.py" <<'PY'
import sys
s = open(sys.argv[1]).read()
for old, new in [
    ('CONTAM = 0.03', 'CONTAM = float("inf")'),
    ('        model.train()\n        idx_all = np.arange(ntr)',
     '        cpu0 = time.process_time()\n        model.train()\n        idx_all = np.arange(ntr)'),
    ('log(f"epoch {ep:4d}  train', 'log(f"epoch {ep:4d}  cpu {time.process_time() - cpu0:8.3f} s  train'),
]:
    if old not in s:
        sys.exit("torch_ref.py changed: cannot apply " + repr(old[:40]))
    s = s.replace(old, new, 1)
open(sys.argv[2], "w").write(s)
PY
if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
	mkdir -p "$tmp/shim/sklearn"
	touch "$tmp/shim/sklearn/__init__.py"
	cat > "$tmp/shim/sklearn/model_selection.py" <<'PY'
import math
import numpy as np
def train_test_split(x, test_size=0.25, random_state=None):
    """ShuffleSplit's first split, as scikit-learn 1.2 draws it."""
    x = np.asarray(x); n = len(x); n_test = int(math.ceil(test_size * n))
    perm = np.random.RandomState(random_state).permutation(n)
    return x[perm[n_test:]], x[perm[:n_test]]
PY
	export PYTHONPATH="$tmp/shim${PYTHONPATH:+:$PYTHONPATH}"
fi
/usr/bin/python3 "$tmp/torch_ref_cputime.py" "$@"
