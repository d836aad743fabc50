#!/usr/bin/python3
"""scikit-learn reference figures for the random forest engine (src/model/forest).

Run with Debian's Python, which has scikit-learn (the first python3 on PATH may not):

  /usr/bin/python3 scripts/sklearn-reference.py fixtures
      Generates the small deterministic tables of test/fixtures/forest/ (CSV, header x0..xN,y) and
      writes reference.json with scikit-learn's held-out scores over several seeds. The tables come
      from numpy's default_rng with fixed seeds, so rerunning reproduces the same files.

  /usr/bin/python3 scripts/sklearn-reference.py bench --train A.csv --test B.csv \
      --task classification|regression --trees 100 --jobs 2 --max-features sqrt [--seed 0]
      Fits on A, predicts B and prints one JSON line: fit_s (wall), fit_cpu_s (CPU time of all
      threads), predict_s, score (accuracy or R^2), mean_nodes.
      Used by bench/ml.ts on the table it writes.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "forest")
SEEDS = [0, 1, 2, 3, 4]


def write_csv(path, X, y):
    cols = [f"x{j}" for j in range(X.shape[1])] + ["y"]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for row, t in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(t)) + "\n")


def read_csv(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return a[:, :-1], a[:, -1]


def clf_small(rng):
    """3 classes, 8 features: two informative pairs with a nonlinear boundary, 4 noise columns,
    one integer column; 10% of labels flipped at random."""
    n = 800
    X = rng.normal(size=(n, 8))
    X[:, 6] = rng.integers(0, 5, size=n)
    X = np.round(X, 4)
    s0 = X[:, 0] + 0.5 * X[:, 1] ** 2
    s1 = np.sin(2 * X[:, 2]) + X[:, 3]
    y = np.where(s0 > 1.0, 2, np.where(s1 > 0.3, 1, 0)).astype(float)
    flip = rng.random(n) < 0.10
    y[flip] = rng.integers(0, 3, size=flip.sum())
    return X, y


def reg_small(rng):
    """Friedman #1 on 10 uniform features (5 informative) with N(0, 1) noise."""
    n = 800
    X = np.round(rng.random((n, 10)), 4)
    y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
    y = np.round(y + rng.normal(size=n), 4)
    return X, y


DATASETS = {
    # name: (generator, seed, task, n_train, forest params)
    "clf-small": (clf_small, 20240501, "classification", 400, {"n_estimators": 50, "max_features": "sqrt"}),
    "reg-small": (reg_small, 20240502, "regression", 400, {"n_estimators": 50, "max_features": 1.0}),
}


def fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    ref = {"sklearn": sklearn.__version__, "numpy": np.__version__, "seeds": SEEDS, "datasets": {}}
    for name, (gen, seed, task, n_train, params) in DATASETS.items():
        X, y = gen(np.random.default_rng(seed))
        Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
        write_csv(os.path.join(FIXTURES, f"{name}.train.csv"), Xtr, ytr)
        write_csv(os.path.join(FIXTURES, f"{name}.test.csv"), Xte, yte)
        scores = []
        for s in SEEDS:
            Model = RandomForestClassifier if task == "classification" else RandomForestRegressor
            m = Model(random_state=s, n_jobs=1, **params).fit(Xtr, ytr)
            scores.append(float(m.score(Xte, yte)))
        ref["datasets"][name] = {
            "task": task,
            "metric": "accuracy" if task == "classification" else "r2",
            "params": params,
            "scores": scores,
            "mean": float(np.mean(scores)),
            "std": float(np.std(scores)),
        }
        print(f"{name}: {task} mean {np.mean(scores):.4f} std {np.std(scores):.4f}")
    with open(os.path.join(FIXTURES, "reference.json"), "w") as f:
        json.dump(ref, f, indent=2)
        f.write("\n")


def bench(args):
    Xtr, ytr = read_csv(args.train)
    Xte, yte = read_csv(args.test)
    mf = args.max_features
    if mf not in ("sqrt", "log2"):
        mf = float(mf) if "." in mf else int(mf)
    Model = RandomForestClassifier if args.task == "classification" else RandomForestRegressor
    m = Model(n_estimators=args.trees, max_features=mf, n_jobs=args.jobs, random_state=args.seed)
    t0 = time.perf_counter()
    c0 = time.process_time()
    m.fit(Xtr, ytr)
    t1 = time.perf_counter()
    fit_cpu = time.process_time() - c0
    pred = m.predict(Xte)
    t2 = time.perf_counter()
    if args.task == "classification":
        score = float(np.mean(pred == yte))
    else:
        score = float(1 - np.sum((yte - pred) ** 2) / np.sum((yte - yte.mean()) ** 2))
    nodes = float(np.mean([e.tree_.node_count for e in m.estimators_]))
    print(json.dumps({"fit_s": t1 - t0, "fit_cpu_s": fit_cpu, "predict_s": t2 - t1, "score": score, "mean_nodes": nodes,
                      "sklearn": sklearn.__version__}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fixtures")
    b = sub.add_parser("bench")
    b.add_argument("--train", required=True)
    b.add_argument("--test", required=True)
    b.add_argument("--task", choices=["classification", "regression"], required=True)
    b.add_argument("--trees", type=int, default=100)
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--max-features", default="sqrt")
    b.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.cmd == "fixtures":
        fixtures()
    else:
        bench(args)


if __name__ == "__main__":
    sys.exit(main())
