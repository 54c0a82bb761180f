#!/usr/bin/python3
"""The reference's DSA on exported latents, timed: what CTD's
compare_dynamics_DSA runs (DSA @ 19d60b7, as pinned by CTD), re-expressed
from ../shared/spec/analysis.md §5 in PyTorch, for side-by-side timing with
`ctdtui compare`.

Each argument is an .npz written by `ctdtui export --phase all` (or any
.npz with an `<phase>_latents` array, trials × steps × latents). For every
file: the first --trials trials (default: 1 % of them, at least what the
embedding needs, the same rule as ctdtui), the delay embedding in float32
(as DSA's embed_signal_torch), the thin SVD of Hᵀ (torch.linalg.svd,
full_matrices=False), the rank-r regression for A_v and the full-space
A_havok (DSA's DMD.fit computes it; --no-havok leaves it out); then every
pair j < i through SimilarityTransformDist (Cayley-parametrised MLP, Adam,
--iters steps at --lr, group O(n): a second run on P B Pᵀ) and the angular
score. Times per stage go to stdout as JSON.

    apt-get install -y python3-torch libopenblas0-pthread
    ctdtui export --phase all --out a.npz RUN_A
    ctdtui export --phase all --out b.npz RUN_B
    /usr/bin/python3 scripts/dsa_ref.py --threads 1 a.npz b.npz
"""
import argparse
import json
import math
import os
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("npz", nargs="+")
    p.add_argument("--phase", default="all")
    p.add_argument("--delays", type=int, default=20)
    p.add_argument("--interval", type=int, default=1)
    p.add_argument("--rank", type=int, default=50)
    p.add_argument("--trials", type=int, default=0, help="0: 1%% of the trials, at least what the embedding needs")
    p.add_argument("--iters", type=int, default=1500)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-havok", action="store_true", help="skip A_havok (DSA computes it in DMD.fit)")
    return p.parse_args()


args = parse()
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(args.threads)


def embed(data, n_delays, interval):
    """DSA's embed_signal_torch for K×T×N data: float32 buffer, block 0 newest."""
    k, t, n = data.shape
    tp = t - (n_delays - 1) * interval
    if tp < 1:
        raise SystemExit(f"{t} steps are too few for {n_delays} delays")
    out = torch.zeros((k, tp, n * n_delays))
    for d in range(n_delays):
        index = (n_delays - 1 - d) * interval
        out[:, :, d * n:(d + 1) * n] = data[:, index:t - d * interval]
    return out


def dmd(data, n_delays, interval, rank, havok):
    times = {}
    t0 = time.perf_counter()
    h3 = embed(data, n_delays, interval)
    h = h3.reshape(h3.shape[0] * h3.shape[1], h3.shape[2])
    times["embed"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    u, s, vh = torch.linalg.svd(h.T, full_matrices=False)
    v = vh.T
    times["svd"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if v.numel() < h3.numel():
        raise SystemExit("reduce the number of delays")
    v = v.reshape(h3.shape)
    newshape = (h3.shape[0] * (h3.shape[1] - 1), h3.shape[2])
    vm = v[:, :-1].reshape(newshape)[:, :rank]
    vp = v[:, 1:].reshape(newshape)[:, :rank]
    av = (torch.linalg.inv(vm.T @ vm) @ vm.T @ vp).T
    times["regression"] = time.perf_counter() - t0
    if havok:
        t0 = time.perf_counter()
        smat = torch.diag(s)
        sinv = torch.diag(1 / s)
        w = u.shape[1]
        ah = u @ smat[:w, :rank] @ av @ sinv[:rank, :w] @ u.T
        times["havok"] = time.perf_counter() - t0
        del ah
    return av, times


class Skew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.L1 = nn.Linear(n, n, bias=False)
        self.L2 = nn.Linear(n, n, bias=False)
        self.L3 = nn.Linear(n, n, bias=False)

    def forward(self, x):
        x = torch.tanh(self.L1(x))
        x = torch.tanh(self.L2(x))
        x = self.L3(x)
        return x - x.transpose(-1, -2)


class Cayley(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, x):
        return torch.linalg.solve(self.Id + x, self.Id - x)


class Similarity(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.C0 = nn.Parameter(torch.eye(n))
        self.skew = Skew(n)
        self.cayley = Cayley(n)

    def c(self):
        return self.cayley(self.skew(self.C0))

    def forward(self, b):
        c = self.c()
        return c @ b @ c.transpose(-1, -2)


def optimise(a, b, iters, lr):
    net = Similarity(a.shape[0])
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(iters):
        opt.zero_grad()
        loss = torch.sum((a - net(b)) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, net.c().detach()


def similarity(a, b, iters, lr):
    a = a / torch.linalg.norm(a)
    b = b / torch.linalg.norm(b)
    losses, c = optimise(a, b, iters, lr)
    n = a.shape[0]
    p = torch.eye(n)
    p[[0, 1]] = p[[1, 0]]
    losses2, c2 = optimise(a, p @ b @ p.T, iters, lr)
    if losses2[-1] < losses[-1]:
        c = c2 @ p
    cb = c @ b @ c.T
    return float(torch.arccos(torch.clamp(torch.trace(a.T @ cb), -1, 1)))


def main():
    torch.manual_seed(args.seed)
    ops, report = [], {"threads": args.threads, "delays": args.delays, "rank": args.rank,
                       "iters": args.iters, "runs": []}
    t_all, c_all = time.perf_counter(), time.process_time()
    for path in args.npz:
        z = np.load(path)
        lat = z[f"{args.phase}_latents"]
        if f"{args.phase}_lengths" in z.files:
            lat = lat[:, :int(z[f"{args.phase}_lengths"].min())]
        b, t, n = lat.shape
        tp = t - (args.delays - 1) * args.interval
        width = args.delays * n
        k = args.trials or max(b // 100, 1, math.ceil(width / tp))
        data = torch.from_numpy(np.ascontiguousarray(lat[:k], dtype=np.float32))
        av, times = dmd(data, args.delays, args.interval, min(args.rank, width), not args.no_havok)
        ops.append(av)
        report["runs"].append({"file": path, "trials": k, "steps": t, "latents": n, "seconds": times})
    report["dmd_seconds"] = time.perf_counter() - t_all
    t0 = time.perf_counter()
    scores = {}
    for i in range(1, len(ops)):
        for j in range(i):
            scores[f"{i},{j}"] = similarity(ops[i].clone(), ops[j].clone(), args.iters, args.lr)
    report["similarity_seconds"] = time.perf_counter() - t0
    report["total_seconds"] = time.perf_counter() - t_all
    report["total_cpu_seconds"] = time.process_time() - c_all
    report["angular"] = scores
    json.dump(report, sys.stdout, indent=1)
    print()


main()
