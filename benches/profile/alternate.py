#!/usr/bin/env python3
"""Compare nqpsim builds by timing them in turn, and report every run and the medians.

On a shared machine one build's time moves by 3-8 % from one run to the next, more than most
changes to the step move it; timing build A a few times and then build B a few times
compares two moments of the machine as much as two builds. This runs `nqpsim bench` of each
build in turn (A, B, A, B, ...), `--rounds` times, each with `--repeats` repetitions (the bench
reports their median), and prints for each build the time of the step and of each pass in
nanoseconds per firm-step: every round, then the median over the rounds.

    cargo build --profile ci && cp target/ci/nqpsim /tmp/before
    (change the code)
    cargo build --profile ci && cp target/ci/nqpsim /tmp/after
    python3 benches/profile/alternate.py /tmp/before /tmp/after --rounds 4

Read a difference as real when the two builds' ranges over the rounds do not overlap, or
barely do; docs/performance.md reports the rounds of every change it keeps or leaves out.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# The passes `nqpsim bench` times, in its order (`stage_shares` in its JSON).
PASSES = ["phase", "exits", "structure", "production", "quantiles", "rows"]


def bench(binary, args, json_path):
    """One `nqpsim bench` of `binary`: ns per firm-step of the step and of each pass."""
    command = [binary, "bench", "--firms", str(args.firms), "--steps", str(args.steps),
               "--threads", str(args.threads), "--repeats", str(args.repeats),
               "--no-bandwidth", "--json", json_path]
    if args.in_process:
        command.append("--in-process")
    env = dict(os.environ)
    if args.isa:
        env["NQPSIM_ISA"] = args.isa
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(json_path) as f:
        measurement = json.load(f)["measurements"][0]
    step = measurement["ns_per_firm_step"]
    shares = measurement["stage_shares"]
    return {"step": step, **{p: shares[p] * step for p in PASSES}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binaries", nargs="+", help="nqpsim builds to compare, in turn")
    ap.add_argument("--rounds", type=int, default=4, help="runs of each build (default 4)")
    ap.add_argument("--firms", type=int, default=1000000)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5, help="repetitions per run (default 5)")
    ap.add_argument("--isa", default=None, help="NQPSIM_ISA (default: each build's choice)")
    ap.add_argument("--in-process", action="store_true", help="passed on to nqpsim bench")
    args = ap.parse_args()
    names = [os.path.basename(b) for b in args.binaries]
    if len(set(names)) < len(names):
        names = [f"{i + 1}: {b}" for i, b in enumerate(args.binaries)]
    runs = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, binary in zip(names, args.binaries):
                runs[name].append(bench(binary, args, os.path.join(tmp, "bench.json")))
    print(f"nqpsim bench --firms {args.firms} --steps {args.steps} --threads {args.threads} "
          f"--repeats {args.repeats}, NQPSIM_ISA={args.isa or 'the widest'}, "
          f"{args.rounds} rounds in turn; ns per firm-step\n")
    print("| build | round | step | " + " | ".join(PASSES) + " |")
    print("|---|---|---|" + "---|" * len(PASSES))
    for name in names:
        for r, run in enumerate(runs[name], 1):
            print(f"| {name} | {r} | {run['step']:.1f} | "
                  + " | ".join(f"{run[p]:.1f}" for p in PASSES) + " |")
    for name in names:
        median = {k: statistics.median(run[k] for run in runs[name])
                  for k in ["step"] + PASSES}
        low = min(run["step"] for run in runs[name])
        high = max(run["step"] for run in runs[name])
        print(f"| {name} | **median** | **{median['step']:.1f}** ({low:.1f}-{high:.1f}) | "
              + " | ".join(f"{median[p]:.1f}" for p in PASSES) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
