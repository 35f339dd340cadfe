#!/usr/bin/env python3
"""Optuna TPE on the same test functions as bench/tune_bench.sh (a peer for seer tune).

usage: tune_optuna.py FUNCTION N_TRIALS SEED...
Prints one line per seed: the best value found and the number of trials it took to come
within 1% of the optimum (N_TRIALS + 1 when it never did).
Uses Debian's python3-optuna with its default TPE settings; the functions are evaluated
in-process (the comparison is best value after N trials, not time).
"""
import math
import sys

import optuna


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b, c = 5.1 / (4 * math.pi ** 2), 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(t):
    x = [t.suggest_float("x%d" % (j + 1), 0, 1) for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2
                                         for j in range(6))) for i in range(4))


def quadcat(t):
    x = t.suggest_float("x", -1, 1)
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    act = t.suggest_categorical("act", ["tanh", "sigmoid", "relu"])
    n = t.suggest_int("n", 1, 8)
    off = {"relu": 0, "tanh": 0.5}.get(act, 1)
    return 10 - 4 * (x - 0.3) ** 2 - (math.log10(lr) + 2) ** 2 - off - 0.1 * (n - 3) ** 2


FUNCS = {"branin": (branin, "minimize", 0.397887),
         "hartmann6": (hartmann6, "minimize", -3.32237),
         "quadcat": (quadcat, "maximize", 10.0)}


def main():
    fn, direction, opt = FUNCS[sys.argv[1]]
    n = int(sys.argv[2])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for seed in sys.argv[3:]:
        study = optuna.create_study(direction=direction,
                                    sampler=optuna.samplers.TPESampler(seed=int(seed)))
        study.optimize(fn, n_trials=n)
        hit = next((t.number + 1 for t in study.trials
                    if abs(t.value - opt) <= 0.01 * abs(opt)), n + 1)
        print("%.10g %d" % (study.best_value, hit))


if __name__ == "__main__":
    main()
