"""Write ema_prim.json: data sets and EMA Workbench's PRIM results on them.

Run once by hand (not by CI), in a throwaway virtual environment:

    python3 -m venv /tmp/emavenv
    /tmp/emavenv/bin/pip install -r tests/data/discovery/requirements.txt
    PYTHONHASHSEED=0 /tmp/emavenv/bin/python tests/data/discovery/make_ema_fixture.py

The Rust test `analysis::discovery::prim::tests` reads the JSON and compares nqpsim's
PRIM with what EMA Workbench wrote. See README.md beside this file.
"""

import json
import math
import pathlib
import sys

import numpy as np
import pandas as pd

import ema_workbench
from ema_workbench.analysis import prim

OUT = pathlib.Path(__file__).with_name("ema_prim.json")


def planted_mixed(rng):
    """1,000 cases: four numeric inputs on a 0.001 grid (so with ties), one categorical.

    y = x0 in [0.2, 0.6] and x1 >= 0.4 and policy in {a, b}, 10 % of labels flipped.
    """
    n = 1000
    x = pd.DataFrame(
        {f"x{j}": np.round(rng.uniform(size=n), 3) for j in range(4)}
    )
    x["policy"] = rng.choice(["a", "b", "c", "d"], size=n)
    y = (x.x0 >= 0.2) & (x.x0 <= 0.6) & (x.x1 >= 0.4) & x.policy.isin(["a", "b"])
    flip = rng.uniform(size=n) < 0.10
    return x, (y.values ^ flip)


def heavy_ties(rng):
    """600 cases with few distinct values: x0 in 0..9, x1 in 0..4 (floats), x2 on a 0.01 grid.

    y = x0 >= 6 and x2 < 0.5, 5 % of labels flipped.
    """
    n = 600
    x = pd.DataFrame(
        {
            "x0": rng.integers(0, 10, size=n).astype(float),
            "x1": rng.integers(0, 5, size=n).astype(float),
            "x2": np.round(rng.uniform(size=n), 2),
        }
    )
    y = (x.x0 >= 6) & (x.x2 < 0.5)
    flip = rng.uniform(size=n) < 0.05
    return x, (y.values ^ flip)


def num(v):
    v = float(v)
    return None if (math.isnan(v) or v == -1.0) else v


def describe_box(p, box):
    points = []
    init = p.box_init
    for i in range(box.peeling_trajectory.shape[0]):
        row = box.peeling_trajectory.iloc[i]
        lim = box.box_lims[i]
        limits = {}
        for col in lim.columns:
            if all(lim[col].values == init[col].values):
                continue
            lo, hi = lim[col].values
            if isinstance(lo, set):
                limits[col] = sorted(lo)
            else:
                limits[col] = [float(lo), float(hi)]
        qp = {k: [num(v[0]), num(v[1])] for k, v in box.qp[i].items()}
        points.append(
            {
                "coverage": float(row.coverage),
                "density": float(row.density),
                "mass": float(row["mass"]),
                "mean": float(row["mean"]),
                "n": int(row["n"]),
                "k": int(row["k"]),
                "res_dim": int(row.res_dim),
                "limits": limits,
                "qp": qp,
            }
        )
    return points


def run_case(name, x, y, n_boxes, doc):
    p = prim.Prim(x, y.astype(int), threshold=1e-9)
    boxes = []
    for _ in range(n_boxes):
        box = p.find_box()
        if box is None:
            break
        boxes.append(describe_box(p, box))
    columns = []
    for col in x.columns:
        if x[col].dtype == object or str(x[col].dtype) in ("str", "string"):
            columns.append({"name": col, "kind": "categorical", "values": x[col].tolist()})
        else:
            columns.append({"name": col, "kind": "numeric", "values": [float(v) for v in x[col]]})
    init = {}
    for col in x.columns:
        lo, hi = p.box_init[col].values
        init[col] = sorted(lo) if isinstance(lo, set) else [float(lo), float(hi)]
    return {
        "name": name,
        "doc": doc,
        "options": {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05,
                    "objective": "lenient1", "threshold": 1e-9},
        "columns": columns,
        "y": [int(v) for v in y],
        "box_init": init,
        "boxes": boxes,
    }


def main():
    rng = np.random.default_rng(20240611)
    x1, y1 = planted_mixed(rng)
    x2, y2 = heavy_ties(rng)
    cases = [
        run_case("planted_mixed", x1, y1, 2, planted_mixed.__doc__.strip()),
        run_case("heavy_ties", x2, y2, 1, heavy_ties.__doc__.strip()),
    ]
    out = {
        "generator": "tests/data/discovery/make_ema_fixture.py",
        "ema_workbench": ema_workbench.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": __import__("scipy").__version__,
        "python": sys.version.split()[0],
        "cases": cases,
    }
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
