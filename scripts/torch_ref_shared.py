#!/usr/bin/python3
"""Run ../shared/bench/torch_ref.py on a shared machine.

torch_ref.py times each training step and, when other processes used more
than 3 % of the machine meanwhile, sleeps until the machine is quiet (up to
20 minutes per step). On a machine that also runs niced background
trainings it is never quiet, so a run never ends. This wrapper runs the same
script with that wait switched off (every step counts; compare medians of
interleaved rounds instead) and, with --cpu-clock, with its clock replaced
by the process's CPU time, which other processes on the core do not
stretch (use it with --threads 1 only: with more threads CPU time adds up
the threads). It also supplies the one scikit-learn function torch_ref.py
imports (train_test_split, as the reference calls it) when scikit-learn is
missing.

    /usr/bin/python3 scripts/torch_ref_shared.py [--cpu-clock] [--script PATH] -- TORCH_REF_ARGS...
"""
import importlib.util
import os
import sys
import time
import types


def sklearn_shim():
    """sklearn.model_selection.train_test_split for arrays, as the reference
    uses it (test_size as a fraction, random_state, shuffle)."""
    import numpy as np

    def train_test_split(*arrays, test_size=0.25, random_state=None, shuffle=True):
        n = len(arrays[0])
        idx = np.random.RandomState(random_state).permutation(n) if shuffle else np.arange(n)
        k = int(np.ceil(test_size * n)) if isinstance(test_size, float) else int(test_size)
        return [x for a in arrays for x in (a[idx[k:]], a[idx[:k]])]

    ms = types.ModuleType("sklearn.model_selection")
    ms.train_test_split = train_test_split
    sk = types.ModuleType("sklearn")
    sk.model_selection = ms
    sys.modules["sklearn"], sys.modules["sklearn.model_selection"] = sk, ms


def main():
    argv = sys.argv[1:]
    cpu_clock = "--cpu-clock" in argv
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "torch_ref.py")
    if "--script" in argv:
        script = argv[argv.index("--script") + 1]
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    else:
        argv = [a for a in argv if a != "--cpu-clock"]
    if not os.path.exists(script):
        script = "/work/shared/bench/torch_ref.py"
    try:
        import sklearn.model_selection  # noqa: F401
    except ImportError:
        sklearn_shim()
    if cpu_clock:
        time.perf_counter = time.process_time
    sys.argv = [script] + argv
    spec = importlib.util.spec_from_file_location("torch_ref", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.CONTAM = float("inf")  # every interval counts as clean
    mod.wait_quiet = lambda *a, **k: 0.0
    mod.main()


if __name__ == "__main__":
    main()
