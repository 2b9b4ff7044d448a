#!/usr/bin/python3
"""The several-users figure (-curio_mode users, README "Several users"): three panels from one output file.

  1. |theta_u_dot| (the inherited tangent's norm) against the user's training rows; users without rows (cold start)
     at 0 rows, with |theta0_dot| as a line: they inherit it exactly;
  2. the candidates' SLD (fdot^2 with their user's tangent) against their user's training rows: cold-start users'
     candidates have non-zero scores, so their first query is chosen, not random; the top-k selection ringed;
  3. the summed per-user LOOCV curve against s with its optimum (squared loss; a note otherwise).

    /usr/bin/python3 postprocess/fig_users.py users.h5 [-o users_fig.png]
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args()
    out = a.output or (a.file[:-3] if a.file.endswith(".h5") else a.file) + "_fig.png"
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        print(f"fig_users: error: cannot read '{a.file}': {e}", file=sys.stderr)
        return 2
    with f:
        if f.attrs.get("kind") != "users":
            print(f"fig_users: error: '{a.file}' is not a -curio_mode users output (root attribute kind)", file=sys.stderr)
            return 2
        n = f["users/n_rows"][:]
        tn = np.linalg.norm(f["users/theta_dot"][:], axis=1)
        t0n = np.linalg.norm(f["global/theta_dot"][:])
        s = f["users"].attrs["s"]
        fig, ax = plt.subplots(1, 3, figsize=(15, 4.3))
        rng = np.random.default_rng(0)
        jit = n + 0.15 * rng.standard_normal(len(n)) * (n > 0)
        cold = n == 0
        ax[0].scatter(jit[~cold], tn[~cold], s=8, alpha=0.5, label="users with rows")
        ax[0].scatter(n[cold], tn[cold], s=30, color="C3", marker="D", label=f"cold start ({cold.sum()})")
        ax[0].axhline(t0n, color="black", linestyle="--", linewidth=1, label=r"$|\dot\theta_0|$ (global)")
        ax[0].set_yscale("log")
        ax[0].set_xlabel("training rows of the user")
        ax[0].set_ylabel(r"$|\dot\theta_u|$")
        ax[0].set_title(f"inherited tangents, {len(n)} users (s = {s:.3g})")
        ax[0].legend(fontsize=8)
        if "scores" in f:
            cu = f["scores/user"][:]
            ids = f["users/id"][:]
            cn = n[np.searchsorted(ids, cu)]
            sld = f["scores/sld"][:]
            cc = cn == 0
            ax[1].scatter(cn[~cc] + 0.15 * rng.standard_normal((~cc).sum()), sld[~cc], s=6, alpha=0.4, label="candidates")
            ax[1].scatter(cn[cc], sld[cc], s=14, color="C3", label="candidates of cold-start users")
            if "selection" in f:
                sel = f["selection/index"][:]
                ax[1].scatter(cn[sel], sld[sel], s=90, facecolors="none", edgecolors="black", label=f"top {len(sel)} ({f['selection'].attrs['score']})")
            pos = sld[sld > 0]
            if pos.size and pos.max() / pos.min() > 100:
                ax[1].set_yscale("log")
            ax[1].set_xlabel("training rows of the candidate's user")
            ax[1].set_ylabel(r"SLD $= \dot f^2$")
            ax[1].set_title("scores with each user's tangent")
            ax[1].legend(fontsize=8)
        else:
            ax[1].text(0.5, 0.5, "no candidates in this run", ha="center", transform=ax[1].transAxes)
            ax[1].set_axis_off()
        if "loocv" in f:
            g, cv = f["loocv/s"][:], f["loocv/users"][:]
            ax[2].plot(g, cv, "k-o", markersize=3)
            ax[2].axvline(f["loocv/s_opt"][()], color="C3", linestyle="--", label=f"s_opt = {f['loocv/s_opt'][()]:.3g}")
            ax[2].set_xscale("log")
            if cv.max() / cv.min() > 100:
                ax[2].set_yscale("log")
            ax[2].set_xlabel("s")
            ax[2].set_ylabel("per-user LOOCV, summed (1/n)")
            ax[2].set_title("choice of s for the inheritance model")
            ax[2].legend(fontsize=8)
        else:
            ax[2].text(0.5, 0.5, "no LOOCV curve\n(squared loss, -curio_users_loocv)", ha="center", transform=ax[2].transAxes)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
