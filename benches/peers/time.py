"""Times nqpsim (1 and 2 threads) and the NumPy peer side by side, on the same machine.

Sizes: 10^4 firms x 30 steps x 20 replicates (a run lasts a second or more), median of 5 runs;
10^6 firms x 30 steps x 1 replicate, median of 3 runs. The implementations run alternately
(nqpsim 1 thread, nqpsim 2 threads, NumPy, [NumPy with malloc tuning], then again), each in
a fresh process, so that load from other users of a shared machine falls on all of them alike.

What is timed: the wall time of the whole process, as a user would run it (start-up, the run,
and for nqpsim writing trajectories.csv, decomposition.csv and manifest.json; the NumPy peer
writes nothing). Firm-steps are counted as nqpsim counts them: the firms alive at the start of
each step, summed over steps and replicates (nqpsim: `firm_steps` of its manifest.json; NumPy:
the same sum over its own populations, which differ by random numbers only).

NumPy runs single-threaded: OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1, MKL_NUM_THREADS=1 (the
model does no linear algebra beyond a 3x3 product, so this changes little). OPENBLAS_CORETYPE is
left as the environment sets it. The extra row "NumPy, malloc tuned" sets
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ so that glibc keeps freed memory instead of
returning it to the kernel: at 10^6 firms the step's temporaries of ~8 MB each otherwise cost
page faults (kernel time) on every allocation. It is not something the economist would do; it
shows how much of NumPy's time is the operating system's.

Writes a Markdown table to stdout and to results.md next to this file.

Usage:  python time.py [--nqpsim PATH] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
# The economy the peer implements: docs/model.md §3's defaults, the uncalibrated model 1.1
# (nqpsim's default baseline is the calibrated economy, with model 1.2's mechanisms on).
SCENARIO = REPO / "scenarios" / "reference" / "model-1.1.toml"
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def default_binary() -> str:
    return os.environ.get("NQPSIM", str(REPO / "target" / "release" / "nqpsim"))


def timed(cmd, **kw):
    """Runs cmd; returns (wall seconds, CPU seconds user + system of the child, result)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, check=True, **kw)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, res


def run_nqpsim(binary, firms, steps, reps, threads):
    with tempfile.TemporaryDirectory(prefix="nqpsim-time-") as out:
        cmd = [binary, "run", str(SCENARIO), "--firms", str(firms), "--steps", str(steps),
               "--replicates", str(reps), "--seed", "2024", "--threads", str(threads),
               "--out", out, "-q"]
        wall, cpu, _ = timed(cmd)
        manifest = json.loads((pathlib.Path(out) / SCENARIO.stem / "manifest.json").read_text())
    return wall, cpu, manifest["run"]["firm_steps"]


def run_numpy(firms, steps, reps, malloc=False):
    env = dict(os.environ, **SINGLE_THREAD, **(MALLOC if malloc else {}))
    cmd = [sys.executable, str(HERE / "numpy_model.py"), "--firms", str(firms), "--steps",
           str(steps), "--replicates", str(reps), "--seed", "2024", "--json"]
    wall, cpu, res = timed(cmd, env=env, capture_output=True, text=True)
    return wall, cpu, json.loads(res.stdout)["firm_steps"]


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nqpsim_commit(binary: str) -> str:
    """The commit of the repository whose target/ holds the binary (dirty if it has changes
    outside benches/peers, which do not enter the binary)."""
    path = pathlib.Path(binary).resolve()
    repo = next((q for q in path.parents if (q / "Cargo.toml").exists()), None)
    if repo is None:
        return f"unknown ({binary})"
    git = ["git", "-C", str(repo)]
    head = subprocess.run(git + ["rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", ".", ":!benches/peers"],
                           capture_output=True, text=True).stdout.strip()
    return f"{head}{' (with uncommitted changes)' if dirty else ''}, binary {binary}"


def main() -> int:
    ap = argparse.ArgumentParser(description="Time nqpsim against the NumPy peer.")
    ap.add_argument("--nqpsim", default=default_binary())
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to test this script")
    ap.add_argument("--no-malloc-row", action="store_true",
                    help="skip the NumPy run with glibc malloc tuning")
    args = ap.parse_args()
    if not os.path.exists(args.nqpsim):
        print(f"no nqpsim binary at {args.nqpsim}: run `cargo build --release` or pass --nqpsim",
              file=sys.stderr)
        return 2
    # (firms, steps, replicates, runs)
    sizes = [(10_000, 30, 20, 5), (1_000_000, 30, 1, 3)]
    if args.quick:
        sizes = [(2_000, 10, 2, 2), (20_000, 5, 1, 2)]
    impls = [("nqpsim", "1", lambda f, s, r: run_nqpsim(args.nqpsim, f, s, r, 1)),
             ("nqpsim", "2", lambda f, s, r: run_nqpsim(args.nqpsim, f, s, r, 2)),
             ("NumPy", "1", lambda f, s, r: run_numpy(f, s, r))]
    if not args.no_malloc_row:
        impls.append(("NumPy, malloc tuned", "1", lambda f, s, r: run_numpy(f, s, r, True)))

    load0 = os.getloadavg()
    started = datetime.datetime.now().astimezone()
    rows = []
    for firms, steps, reps, runs in sizes:
        walls = {i: [] for i in range(len(impls))}
        cpus = {i: [] for i in range(len(impls))}
        fsteps = {i: [] for i in range(len(impls))}
        for k in range(runs):  # alternate: every implementation once per round
            for i, (_, _, fn) in enumerate(impls):
                w, c, fs = fn(firms, steps, reps)
                walls[i].append(w)
                cpus[i].append(c)
                fsteps[i].append(fs)
                print(f"  {firms} firms, run {k + 1}/{runs}, {impls[i][0]} {impls[i][1]} "
                      f"thread(s): {w:.2f} s wall, {c:.2f} s CPU, load "
                      f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
        for i, (name, threads, _) in enumerate(impls):
            med = statistics.median(walls[i])
            cpu = statistics.median(cpus[i])
            fs = statistics.median(fsteps[i])
            rows.append((firms, steps, reps, runs, name, threads, med, min(walls[i]),
                         max(walls[i]), fs, fs / med, cpu))
    load1 = os.getloadavg()

    lines = [
        "# nqpsim against a NumPy peer: timing",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: {os.cpu_count()} logical CPUs (`nproc`: "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}), "
        f"{cpu_model()}; load average {load0[0]:.2f} before, {load1[0]:.2f} after "
        "(a shared machine)",
        f"- NumPy {np.__version__}, Python {platform.python_version()}, single-threaded "
        "(OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1; OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')})",
        f"- nqpsim commit {nqpsim_commit(args.nqpsim)}",
        "- wall time of the whole process, median of the runs (min-max in brackets), the "
        "implementations run alternately; firm-steps: firms alive at the start of each step, "
        "summed over steps and replicates; CPU s: user + system time of the process (median), "
        "which other users' load disturbs less than wall time",
        "",
        "| firms | steps x replicates | implementation | threads | wall s, median (min-max) "
        "| firm-steps | M firm-steps/s | vs NumPy | CPU s | M firm-steps per CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for firms, steps, reps, runs, name, threads, med, lo, hi, fs, rate, cpu in rows:
        base = next(r[10] for r in rows if r[0] == firms and r[4] == "NumPy")
        lines.append(f"| {firms:,} | {steps} x {reps} ({runs} runs) | {name} | {threads} | "
                     f"{med:.2f} ({lo:.2f}-{hi:.2f}) | {fs:,.0f} | {rate / 1e6:.2f} | "
                     f"{rate / base:.1f}x | {cpu:.2f} | {fs / cpu / 1e6:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        (HERE / "results.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
