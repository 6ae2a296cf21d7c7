"""Shared by the peer scripts: command-line arguments and the exported train split."""
import argparse

import numpy as np


def parse_args(doc, epochs):
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--train", required=True, help="splits/<dataset>-<protocol>-seed<N>/train.tsv")
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--epochs", type=int, default=epochs)
    return ap.parse_args()


def read_train(path):
    """(user indices, item indices, user count, item count) of a DistillBench train.tsv."""
    users, items = {}, {}
    us, its = [], []
    with open(path) as f:
        next(f)
        for line in f:
            u, i = line.rstrip("\n").split("\t")
            us.append(users.setdefault(u, len(users)))
            its.append(items.setdefault(i, len(items)))
    return np.array(us), np.array(its), len(users), len(items)
