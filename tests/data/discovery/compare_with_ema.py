"""Run EMA Workbench's PRIM on the cases of an `nqpsim discover` folder and compare its
peeling trajectory with nqpsim's `trajectory.csv` (box 1 of each scope), point by point.

Run by hand (not by CI), in the virtual environment of README.md beside this file:

    PYTHONHASHSEED=0 /tmp/emavenv/bin/python tests/data/discovery/compare_with_ema.py \
        output/discovery-levers/discovery/tfp-and-emissions

For each scope (`all`: every axis; `levers`: the axes whose role is `lever`, as the
discovery's manifest.json lists them) it feeds EMA the axes of `cases.csv` as x and `case` as
y, peels with EMA's defaults (peel_alpha = paste_alpha = mass_min = 0.05, objective
lenient1, threshold 1e-9 so that every point with y = 1 is a case of interest), and checks
that each point of the peeling trajectory has the same n, k, restricted dimensions and
limits (within 1e-12), and coverage, density and mass within 1e-12. Pasting is not compared: EMA pastes the end of
peeling, nqpsim the point its density threshold chooses (see prim.rs).

Exits 1 on the first difference; prints the number of points compared otherwise.
"""

import csv
import json
import pathlib
import sys

import pandas as pd

import ema_workbench
from ema_workbench.analysis import prim


def parse_limits(text):
    """nqpsim's `limits` column: `a >= 1; 0 <= b <= 2; c <= 3` -> {a: (1, None), ...}."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        words = part.split()
        if len(words) == 5:  # lo <= name <= hi
            out[words[2]] = (float(words[0]), float(words[4]))
        elif words[1] == ">=":
            out[words[0]] = (float(words[2]), None)
        else:
            out[words[0]] = (None, float(words[2]))
    return out


def main():
    folder = pathlib.Path(sys.argv[1])
    manifest = json.loads((folder / "manifest.json").read_text())
    cases = pd.read_csv(folder / "cases.csv")
    axes = [a["name"] for a in manifest["axes"]]
    levers = [a["name"] for a in manifest["axes"] if a["role"] == "lever"]
    with open(folder / "trajectory.csv", newline="") as f:
        ours = list(csv.DictReader(f))
    y = cases["case"].values.astype(int)
    compared = 0
    for scope, columns in (("all", axes), ("levers", levers)):
        rows = [r for r in ours if r["scope"] == scope and r["box"] == "1" and r["phase"] != "paste"]
        if not rows:
            continue
        x = cases[columns].copy()
        for col in columns:
            if x[col].dtype == object:
                x[col] = x[col].astype("category")
        p = prim.Prim(x, y, threshold=1e-9)
        box = p.find_box()
        init = p.box_init
        traj = box.peeling_trajectory
        # EMA's trajectory goes on with its pastes of the end of peeling, each adding cases.
        peeled = len(traj)
        while peeled > 1 and int(traj.iloc[peeled - 1]["n"]) > int(traj.iloc[peeled - 2]["n"]):
            peeled -= 1
        if peeled != len(rows):
            sys.exit(f"{scope}: EMA peels {peeled} points, nqpsim {len(rows)}")
        for i, r in enumerate(rows):
            e = traj.iloc[i]  # the peeling part
            lim = box.box_lims[i]
            restricted = sorted(c for c in lim.columns if not all(lim[c].values == init[c].values))
            mine = sorted(d for d in r["restricted"].split(";") if d)
            if (int(e["n"]), int(e["k"]), restricted) != (int(r["n"]), int(r["k"]), mine):
                sys.exit(f"{scope} point {i}: EMA n={e['n']} k={e['k']} {restricted}, nqpsim {r}")
            limits = parse_limits(r["limits"])
            for col in restricted:
                lo, hi = lim[col].values
                mlo, mhi = limits[col]
                # EMA writes an open side as the data's extreme, nqpsim leaves it out.
                for theirs, mine, extreme in ((lo, mlo, init[col].values[0]), (hi, mhi, init[col].values[1])):
                    same = theirs == extreme if mine is None else abs(float(theirs) - mine) <= 1e-12
                    if not same:
                        sys.exit(f"{scope} point {i}: {col} EMA [{lo}, {hi}], nqpsim {limits[col]}")
            for key in ("coverage", "density", "mass"):
                if abs(float(e[key]) - float(r[key])) > 1e-12:
                    sys.exit(f"{scope} point {i}: {key} EMA {e[key]}, nqpsim {r[key]}")
            compared += 1
        print(f"{scope}: {len(rows)} peeling points agree (n, k, restricted dimensions, limits, "
              f"coverage, density, mass)")
    print(f"EMA Workbench {ema_workbench.__version__}: {compared} points compared, no difference")


if __name__ == "__main__":
    main()
