"""Seconds per epoch of implicit's BPR on an exported DistillBench train split (peer for `bench perf`).

Usage: python3 implicit_bpr.py --train splits/<...>/train.tsv --dim 20 [--epochs 20]
Prints one number: (fit(epochs) - fit(0)) / epochs, one thread, best of 3.
"""
import argparse
import time

import numpy as np
import scipy.sparse as sp
from implicit.cpu.bpr import BayesianPersonalizedRanking


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    users, items = {}, {}
    rows, cols = [], []
    with open(args.train) as f:
        next(f)
        for line in f:
            u, i = line.rstrip("\n").split("\t")
            rows.append(users.setdefault(u, len(users)))
            cols.append(items.setdefault(i, len(items)))
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))

    def fit(epochs):
        model = BayesianPersonalizedRanking(factors=args.dim, iterations=epochs, num_threads=1, random_state=0)
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        return time.perf_counter() - t

    best = min((fit(args.epochs) - fit(0)) / args.epochs for _ in range(3))
    print(f"{best:.6f}")


if __name__ == "__main__":
    main()
