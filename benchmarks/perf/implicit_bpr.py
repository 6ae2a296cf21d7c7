"""Seconds per epoch of implicit's BPR on an exported DistillBench train split (peer for `bench perf`).

Usage: python3 implicit_bpr.py --train splits/<...>/train.tsv --dim 20 [--epochs 20]
Prints one number: (fit(epochs) - fit(0)) / epochs, one thread, best of 3.
"""
import time

import numpy as np
import scipy.sparse as sp
from implicit.cpu.bpr import BayesianPersonalizedRanking

from split_io import parse_args, read_train


def main():
    args = parse_args(__doc__, epochs=20)
    us, its, n_users, n_items = read_train(args.train)
    m = sp.csr_matrix((np.ones(len(us), dtype=np.float32), (us, its)), shape=(n_users, n_items))

    def fit(epochs):
        model = BayesianPersonalizedRanking(factors=args.dim, iterations=epochs, num_threads=1, random_state=0)
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        return time.perf_counter() - t

    best = min((fit(args.epochs) - fit(0)) / args.epochs for _ in range(3))
    print(f"{best:.6f}")


if __name__ == "__main__":
    main()
