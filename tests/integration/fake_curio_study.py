#!/usr/bin/python3
"""A stand-in for `curio -curio_mode study` that tests the plumbing of scripts/study.sh and
jobscripts/curio-study.sbatch without the C code: it parses the study options, deals the runs
(data set x strategy x seed, in that order) to the parts (run j belongs to part j mod parts), and
writes for each of its runs a file DIR/<name>__<strategy>__seed<k>.h5 in the study schema with a
made-up learning curve. The options it was given are stored in the attribute 'options'. Only the
first MPI rank writes. Exits 2 on a missing or malformed option, like curio.
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fake_study import write_run  # noqa: E402


def main(argv):
    opts, i = {}, 0
    while i < len(argv):
        if not argv[i].startswith("-"):
            sys.exit(f"fake curio: unexpected argument {argv[i]}")
        if i + 1 < len(argv) and not argv[i + 1].startswith("-curio_"):
            opts[argv[i][1:]] = argv[i + 1]
            i += 2
        else:
            opts[argv[i][1:]] = "true"
            i += 1
    if opts.get("curio_mode") != "study":
        print("fake curio: only -curio_mode study", file=sys.stderr)
        return 2
    for k in ("curio_study_inputs", "curio_study_strategies", "curio_study_seeds", "curio_study_dir"):
        if k not in opts:
            print(f"fake curio: -{k} is required", file=sys.stderr)
            return 2
    part, parts = int(opts.get("curio_study_part", 0)), int(opts.get("curio_study_parts", 1))
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMIX_RANK", os.environ.get("SLURM_PROCID", 0))))
    if rank != 0:
        return 0
    seed_size, batch, budget = (int(opts.get(k, v)) for k, v in
                                (("curio_al_seed_size", 10), ("curio_al_batch", 5), ("curio_al_budget", 80)))
    loss = opts.get("curio_loss", "squared")
    inputs = opts["curio_study_inputs"].split(",")
    strategies = opts["curio_study_strategies"].split(",")
    os.makedirs(opts["curio_study_dir"], exist_ok=True)
    j = 0
    for path in inputs:
        with h5py.File(path, "r") as f:
            name, n_pool, n_test, d = (f.attrs[k] for k in ("name", "n_pool", "n_test", "d"))
        name = name.decode() if isinstance(name, bytes) else str(name)
        cfg = dict(seed_size=seed_size, batch_k=batch, budget=budget, n_pool=int(n_pool), n_test=int(n_test),
                   d=int(d), loss=loss, metric="logloss" if loss == "logistic" else "rmse")
        n = np.arange(seed_size, budget + 1, batch, dtype=np.float64)
        for si, s in enumerate(strategies):
            for seed in range(int(opts["curio_study_seeds"])):
                if j % parts == part:
                    err = 1.0 + 0.1 * seed + 0.05 * si - 0.5 * (n - n[0]) / (n[-1] - n[0])
                    p = write_run(opts["curio_study_dir"], name, s, seed, cfg, err,
                                  {"score": 1e-7, "select": 1e-8, "predict": 1e-8},
                                  reads_all=int(s == "oracle_greedy"))
                    with h5py.File(p, "a") as f:
                        f.attrs["options"] = " ".join(sys.argv[1:])
                        f.attrs["dataset"] = path
                        f.attrs["written_by_part"] = part
                j += 1
    print(f"fake curio: part {part} of {parts}: wrote its share of {j} runs to {opts['curio_study_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
