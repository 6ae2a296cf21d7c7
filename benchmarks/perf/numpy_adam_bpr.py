"""Seconds per epoch of a vectorised numpy step of the same Adam-BPR as DistillBench's trainer
(uniform negatives, summed BPR loss, batch 1024, dense Adam with weight decay); peer for `bench perf`.

Usage: python3 numpy_adam_bpr.py --train splits/<...>/train.tsv --dim 20 [--epochs 3]
"""
import time

import numpy as np

from split_io import parse_args, read_train


def main():
    args = parse_args(__doc__, epochs=3)
    us, its, n_users, n_items = read_train(args.train)
    liked = set(zip(us.tolist(), its.tolist()))
    rng = np.random.default_rng(0)
    params = [rng.normal(0, 0.01, (n_users, args.dim)).astype(np.float32),
              rng.normal(0, 0.01, (n_items, args.dim)).astype(np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, wd, b1, b2, eps, step = 0.002, 0.03, 0.9, 0.999, 1e-8, 0
    times = []
    for _ in range(args.epochs):
        t = time.perf_counter()
        order = rng.permutation(len(us))
        for lo in range(0, len(order), 1024):
            b = order[lo:lo + 1024]
            u, i = us[b], its[b]
            j = rng.integers(0, n_items, len(b))
            for k in range(len(b)):
                while (u[k], j[k]) in liked:
                    j[k] = rng.integers(0, n_items)
            P, Q = params
            x = np.einsum("ij,ij->i", P[u], Q[i] - Q[j])
            d = (-1.0 / (1.0 + np.exp(x))).astype(np.float32)[:, None]
            gP = np.zeros_like(P)
            gQ = np.zeros_like(Q)
            np.add.at(gP, u, d * (Q[i] - Q[j]))
            np.add.at(gQ, i, d * P[u])
            np.add.at(gQ, j, -d * P[u])
            step += 1
            for p, g, mm, vv in zip(params, (gP, gQ), m, v):
                g += wd * p
                mm *= b1; mm += (1 - b1) * g
                vv *= b2; vv += (1 - b2) * g * g
                p -= lr / (1 - b1 ** step) * mm / (np.sqrt(vv / (1 - b2 ** step)) + eps)
        times.append(time.perf_counter() - t)
    print(f"{sorted(times)[len(times) // 2]:.6f}")


if __name__ == "__main__":
    main()
