#!/usr/bin/python3
"""CurioSGDF's public API against the mode it drives: for each case, `curio -curio_mode sgdf OPTIONS` writes its output,
then tests/unit/t010_sgdf_api.c runs the same OPTIONS through CurioSGDFCreate/SetFromOptions/SetUp/Run and checks its
getters (theta, theta_dot, s, steps, history) against that output bit for bit, and its CurioSGDFWrite output is
compared with the mode's as a whole (tests/golden/compare.py --bitwise). Each run happens in its own directory with the
same relative output name, so that the paths the outputs record agree.

    test_sgdf_api.py CURIO T010 --np N [--dir DIR] [--mpiexec "mpiexec --oversubscribe"]
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(os.path.dirname(HERE), "golden", "compare.py")

SYNTH = ["-curio_sgdf_synthetic", "400,120,5", "-curio_sgdf_synthetic_seed", "3", "-curio_intercept", "-curio_regularizer", "restricted",
         "-curio_sgdf_batch", "16", "-curio_sgdf_epochs", "3"]
CASES = {
    # theta and theta_dot spread over the ranks, lazy ridge step; the pool scored after training
    "partitioned": SYNTH + ["-curio_s", "0.5", "-curio_sgdf_lr", "2e-3", "-curio_sgdf_layout", "partitioned", "-curio_sgdf_pool", "300",
                            "-curio_select_k", "4"],
    # every rank holds all parameters; Adam
    "replicated_adam": SYNTH + ["-curio_s", "0.5", "-curio_sgdf_lr", "2e-2", "-curio_sgdf_layout", "replicated", "-curio_sgdf_optimizer",
                                "adam", "-curio_sgdf_reg_every", "2"],
    # s tuned online: the getter's s is the tuned one
    "online_s": SYNTH + ["-curio_s", "2", "-curio_sgdf_online_s", "-curio_sgdf_lr", "2e-3", "-curio_sgdf_lr_rho", "0.01",
                         "-curio_sgdf_val_batch", "16", "-curio_sgdf_layout", "replicated"],
}


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(" ".join(shlex.quote(c) for c in cmd))
        print(p.stdout, p.stderr)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("curio")
    ap.add_argument("t010")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--dir", default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    mpiexec = shlex.split(a.mpiexec) + ["-n", str(a.np)]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        top = os.path.abspath(a.dir) if a.dir else tmp
        for name, options in CASES.items():
            mode, api = os.path.join(top, name, "mode"), os.path.join(top, name, "api")
            os.makedirs(mode, exist_ok=True)
            os.makedirs(api, exist_ok=True)
            out = ["-curio_output", "out.h5"]
            ok = run(mpiexec + [os.path.abspath(a.curio), "-curio_mode", "sgdf"] + options + out, mode).returncode == 0
            if ok:
                p = run(mpiexec + [os.path.abspath(a.t010)] + options + out + ["-t010_reference", os.path.join(mode, "out.h5")], api)
                ok = p.returncode == 0
                if ok:
                    print(p.stdout)
            if ok:
                p = run([sys.executable, COMPARE, os.path.join(mode, "out.h5"), os.path.join(api, "out.h5"), "--bitwise", "--quiet"], top)
                ok = p.returncode == 0
                print(p.stdout.strip())
            print(f"{'ok  ' if ok else 'FAIL'} {name} at {a.np} rank{'s' if a.np > 1 else ''}")
            failures += not ok
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
