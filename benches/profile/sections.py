#!/usr/bin/env python3
"""Instructions per firm-step, by pass and by model section.

Runs nqpsim under valgrind's callgrind (every instruction counted, no sampling), maps each
instruction's address to the chain of functions inlined at it (llvm-symbolizer and the line
tables of the binary), and charges its count to the pass and the model section it belongs to:
for the firm phase, the function of src/sim/phase.rs that `firm_phase_lanes` calls (§5.2
`innovate`, §5.4 `digital_upgrade`, ...). Counts are per firm-step: divided by the firms at
the start of each timed step, summed over the steps, as `nqpsim bench` counts them. What the
set-up of the economy executes (step 0 and before) is left out: each address is charged
its count less its count in a run of 0 steps.

valgrind has no AVX-512, so the AVX2 level is the widest this can count (the default here).

Needs valgrind and llvm-symbolizer, and a build with line tables (the `ci` profile has them):

    cargo build --profile ci
    python3 benches/profile/sections.py --nqpsim target/ci/nqpsim

With --mix it also prints what kinds of instruction the passes in lanes (the firm phase, the
CES weights, production) execute: vector, scalar floating point, integer and control, and
those that read or write the stack (spills, the tile's arrays); needs objdump.

With --perf it samples time instead of counting instructions: `perf record -e cpu-clock`
of the same runs, each sample charged as above, at the level nqpsim picks (valgrind cannot run
AVX-512, perf can): the time by pass and by model section in nanoseconds per firm-step, and
the kinds of instruction the samples fall on (a sample lands on the instruction that retires
after a stall, so read the kinds as where time passes, not as what is slow). Needs perf
(`perf_event_paranoid` at most 2) and readelf.

    python3 benches/profile/sections.py --nqpsim target/ci/nqpsim --perf --firms 1000000

See docs/performance.md ("Where the instructions go", "Where the time goes").
"""

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def counts_by_address(path, binary):
    """Self instruction counts per address of `binary` (the object callgrind names by its
    real path) in a callgrind file written with --dump-instr=yes (positions "instr line")."""
    binary = os.path.realpath(binary)
    names, current, counts = {}, None, collections.Counter()
    address = line = 0
    after_call = False

    def position(token, previous):
        if token == "*":
            return previous
        if token[0] in "+-":
            return previous + int(token, 0)
        return int(token, 0)

    with open(path) as f:
        for raw in f:
            text = raw.rstrip("\n")
            if not text or text[0] == "#":
                continue
            for key in ("ob=", "cob="):
                if text.startswith(key):
                    m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", text)
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    if key == "ob=":
                        current = names[m.group(1)]
                    break
            else:
                if text.startswith("calls="):
                    after_call = True  # the next line is the call's inclusive cost
                elif text[0] in "0123456789+-*":
                    fields = text.split()
                    address = position(fields[0], address)
                    line = position(fields[1], line)
                    if after_call:
                        after_call = False
                    elif current == binary and len(fields) > 2:
                        counts[address] += int(fields[2])
    return counts


def inline_frames(binary, addresses):
    """For each address, its inline chain (innermost first) of (function, file, line)."""
    frames = {}
    addresses = list(addresses)
    for i in range(0, len(addresses), 4000):
        batch = addresses[i : i + 4000]
        out = subprocess.run(
            ["llvm-symbolizer", "--output-style=JSON", "-i", "-f", "-C", "-e", binary]
            + [hex(a) for a in batch],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for a, entry in zip(batch, json.loads(out)):
            frames[a] = [
                (s["FunctionName"], s["FileName"].split("/src/")[-1], s["Line"])
                for s in entry["Symbol"]
            ]
    return frames


# The passes of a step, by the function of src/sim/ whose code it is (outermost first).
PASSES = [
    ("phase (§5.1-5.9)", "sim/step.rs", "tile<"),
    ("CES weights (§5.10)", "sim/step.rs", "ces_tile<"),
    ("exits (§5.11)", "sim/step.rs", "{closure#0}"),
    ("structure (§5.11-5.12)", "sim/structure.rs", ""),
    ("production (§5.12-5.13)", "sim/observe.rs", "tile<"),
    ("quantiles (§5.13)", "sim/observe.rs", ""),
]


def pass_of(chain):
    """The pass an instruction belongs to, from its inline chain; None outside the step."""
    sims = [(fn, f) for fn, f, _ in chain if f.startswith("sim/")]
    if not sims:
        return None
    if any(f == "sim/init.rs" for _, f in sims):
        return "set-up"
    outer = list(reversed(sims))  # outermost first
    for name, file, prefix in PASSES:
        for fn, f in outer[:3]:
            if f == file and fn.startswith(prefix):
                return name
    return "other step code (" + outer[0][1] + ")"


def firm_steps(out_dir, steps):
    """Firms at the start of each step 1..steps (the `all` rows of steps 0..steps-1)."""
    rows = csv.DictReader(open(os.path.join(out_dir, "baseline", "trajectories.csv")))
    firms = {int(r["step"]): int(r["firms"]) for r in rows if r["sector"] == "all"}
    return sum(firms[t] for t in range(steps))


# The model sections `firm_phase_lanes` calls; what else it calls (gathers of per-sector
# values, the firms' keys, eligibility, mask tests) is its glue.
SECTIONS = {
    "innovate": "§5.2 innovation (`innovate`)",
    "imitate": "§5.3 imitation (`imitate`)",
    "digital_upgrade": "§5.4 digital upgrade (`digital_upgrade`)",
    "green_upgrade": "§5.5 green upgrade (`green_upgrade`)",
    "accumulate": "§5.6 data (`data::accumulate`)",
    "transitory_and_demand": "§5.7 transitory component and demand shifter",
    "multiplier": "§5.7 data multiplier",
    "burden": "§5.8 burden",
    "relative_competitiveness": "§5.8 margin and competitiveness",
    "exit_and_transition_draws": "§5.9 death, standard and transition draws",
    "rd_effort": "model 2: R&D effort",
}


GLUE = "glue: the tile's keys, eligibility, gathers, mask tests"


def section_of(chain):
    """For the firm phase: the model section whose code an instruction is (the function
    `firm_phase_lanes` calls, named by SECTIONS), its glue, or the tile around it."""
    for i, (fn, f, _) in enumerate(chain):
        if fn.startswith("firm_phase_lanes") and f == "sim/phase.rs":
            if i == 0:
                return GLUE
            return SECTIONS.get(chain[i - 1][0].split("<")[0], GLUE)
    return "the tile: loads, write-back, sums in place order"


def run_nqpsim(args, steps, out_dir, tool=()):
    """`nqpsim run` of `args.firms` firms for `steps` steps on one thread, under `tool` (the
    command that wraps it, if any), at the level `args.isa` (nqpsim's choice if None)."""
    env = dict(os.environ)
    if args.isa:
        env["NQPSIM_ISA"] = args.isa
    subprocess.run(
        [*tool, args.nqpsim, "run", "--firms", str(args.firms), "--steps", str(steps),
         "--replicates", "1", "--threads", "1", "--quiet", "--out", out_dir],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def attribute(counts, frames):
    """`counts` (address -> count) by pass (None: outside the passes, such as the set-up or
    what they call out of line), the firm phase's by section, and the counts of the
    addresses of the passes in lanes."""
    passes, sections, in_lanes = (collections.Counter(), collections.Counter(),
                                  collections.Counter())
    for address, n in counts.items():
        p = pass_of(frames[address])
        if p == "set-up":
            p = None
        elif p is not None and p.startswith("other step code"):
            p = "other step code"
        passes[p] += n
        if p == PASSES[0][0]:
            sections[section_of(frames[address])] += n
        if p in LANE_PASSES and n > 0:
            in_lanes[address] += n
    return passes, sections, in_lanes


def run_profile(args, steps, tmp):
    """Callgrind counts per address for a run of `steps` steps, and its output folder."""
    profile = os.path.join(tmp, f"callgrind-{steps}.out")
    out_dir = os.path.join(tmp, f"out-{steps}")
    run_nqpsim(args, steps, out_dir,
               ["valgrind", "--tool=callgrind", "--dump-instr=yes",
                "--callgrind-out-file=" + profile])
    return counts_by_address(profile, args.nqpsim), out_dir


# Samples per second of `perf record -e cpu-clock -F`.
PERF_FREQUENCY = 10000


def executable_offset(binary):
    """p_vaddr - p_offset of the executable segment of `binary` (readelf), which turns an
    offset in the file into an address of its line tables."""
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"] and "E" in fields[6:-1]:
            return int(fields[2], 16) - int(fields[1], 16)
    raise RuntimeError(f"no executable segment in {binary}")


def run_perf(args, steps, tmp):
    """Samples per address of nqpsim (as `counts_by_address`) for a run of `steps` steps
    under `perf record -e cpu-clock`, its output folder, and the samples outside nqpsim."""
    data = os.path.join(tmp, f"perf-{steps}.data")
    out_dir = os.path.join(tmp, f"out-{steps}")
    run_nqpsim(args, steps, out_dir,
               ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(PERF_FREQUENCY), "-o", data])
    binary = os.path.realpath(args.nqpsim)
    events = subprocess.run(["perf", "script", "-i", data, "--show-mmap-events"],
                            capture_output=True, text=True, check=True).stdout
    mapping = re.search(r"\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+) [^\]]*\]: r-xp "
                        + re.escape(binary), events)
    start, offset = int(mapping.group(1), 16), int(mapping.group(3), 16)
    shift = offset + executable_offset(binary) - start
    samples = subprocess.run(["perf", "script", "-i", data, "-F", "ip,dso"],
                             capture_output=True, text=True, check=True).stdout
    counts, elsewhere = collections.Counter(), 0
    for line in samples.splitlines():
        fields = line.split(maxsplit=1)
        if len(fields) < 2:
            continue
        if os.path.realpath(fields[1].strip("() ")) == binary:
            counts[int(fields[0], 16) + shift] += 1
        else:
            elsewhere += 1
    return counts, out_dir, elsewhere


# The passes whose code runs in lanes.
LANE_PASSES = ("phase (§5.1-5.9)", "CES weights (§5.10)", "production (§5.12-5.13)")


def instruction_mix(binary, counts):
    """Executed instructions of `counts` (address -> count) by kind, from the disassembly."""
    lo, hi = min(counts), max(counts) + 16
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", f"--start-address={lo}",
         f"--stop-address={hi}", binary],
        capture_output=True, text=True, check=True,
    ).stdout
    text = {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            text[int(m.group(1), 16)] = m.group(2)
    kinds, stack, total = collections.Counter(), 0, 0
    for address, n in counts.items():
        ins = text.get(address)
        if ins is None:
            continue
        total += n
        if "ymm" in ins or "zmm" in ins:
            kinds["vector registers of 256 or 512 bits (`ymm`, `zmm`)"] += n
        elif "xmm" in ins:
            kinds["`xmm`: scalar floating point, or 128 bits"] += n
        else:
            kinds["integer and control"] += n
        if "(%rsp)" in ins or "(%rbp)" in ins:
            stack += n
    return kinds, stack, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nqpsim", required=True, help="a build with line tables")
    ap.add_argument("--isa", default=None,
                    help="NQPSIM_ISA (default: avx2 for valgrind, nqpsim's choice with --perf)")
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--mix", action="store_true",
                    help="also the kinds of instruction the passes in lanes execute")
    ap.add_argument("--perf", action="store_true",
                    help="sample time with perf instead of counting instructions")
    args = ap.parse_args()
    if args.perf:
        return perf_main(args)
    args.isa = args.isa or "avx2"
    with tempfile.TemporaryDirectory() as tmp:
        counts, out_dir = run_profile(args, args.steps, tmp)
        per = firm_steps(out_dir, args.steps)
        setup, _ = run_profile(args, 0, tmp)
    # the steps, whatever code they ran: the difference from a run without steps (which
    # builds the same economy and observes it at step 0), address by address
    counts.subtract(setup)
    step_total = sum(counts.values())
    frames = inline_frames(args.nqpsim, counts)
    passes, sections, in_lanes = attribute(counts, frames)
    passes.pop(None, None)
    attributed = sum(passes.values())
    # the attribution must still find the passes (it reads function names): a check for CI
    if PASSES[0][0] not in passes or attributed < 0.9 * step_total:
        print(f"error: only {attributed / max(step_total, 1):.0%} of the step's instructions "
              "were attributed to its passes; has a function of src/sim/ been renamed?",
              file=sys.stderr)
        return 1
    print(f"nqpsim run --firms {args.firms} --steps {args.steps} --threads 1, "
          f"NQPSIM_ISA={args.isa}: {per} firm-steps\n")
    print("| pass | instructions per firm-step |\n|---|---|")
    for name, n in passes.most_common():
        print(f"| {name} | {n / per:.0f} |")
    print(f"| out of line (libm's `pow`, the entrants' Gamma and normal draws, ...) | "
          f"{(step_total - attributed) / per:.0f} |")
    print(f"| **the step** | **{step_total / per:.0f}** |\n")
    print("| firm phase, by section | instructions per firm-step |\n|---|---|")
    for name, n in sections.most_common():
        print(f"| {name} | {n / per:.0f} |")
    if args.mix:
        kinds, stack, total = instruction_mix(args.nqpsim, in_lanes)
        print(f"\n| the passes in lanes ({total / per:.0f} instructions per firm-step) "
              "| share |\n|---|---|")
        for name, n in kinds.most_common():
            print(f"| {name} | {n / total:.0%} |")
        print(f"| of all these: reading or writing the stack | {stack / total:.0%} |")
    return 0


def wall_seconds(args, steps, tmp):
    """Wall seconds of the run of `steps` steps without perf."""
    start = time.perf_counter()
    run_nqpsim(args, steps, os.path.join(tmp, f"timed-{steps}"))
    return time.perf_counter() - start


def perf_main(args):
    """--perf: the time of the step by pass and section, from samples. Sampling slows the
    run (by a third in this project's VM, a timer interrupt per sample), so the samples give
    the shares, and the steps' own time (the wall time of the runs without perf, the one of 0
    steps taken from the other) turns them into nanoseconds."""
    with tempfile.TemporaryDirectory() as tmp:
        counts, out_dir, elsewhere = run_perf(args, args.steps, tmp)
        per = firm_steps(out_dir, args.steps)
        setup, _, elsewhere_setup = run_perf(args, 0, tmp)
        seconds = wall_seconds(args, args.steps, tmp) - wall_seconds(args, 0, tmp)
    frames = inline_frames(args.nqpsim, set(counts) | set(setup))
    passes, sections, in_lanes = attribute(counts, frames)
    setup_passes, setup_sections, _ = attribute(setup, frames)
    passes.subtract(setup_passes)
    sections.subtract(setup_sections)
    # libm, the entrants' draws, the compaction's tasks
    passes["out of line, or no pass"] = passes.pop(None, 0)
    passes["outside nqpsim (kernel, C library)"] = elsewhere - elsewhere_setup
    step = sum(passes.values())
    # the attribution must still find the passes (it reads function names): a check for CI
    named = sum(n for p, n in passes.items() if p in {name for name, _, _ in PASSES})
    if passes[PASSES[0][0]] <= 0 or named < 0.7 * step:
        shares = ", ".join(f"{p} {n / max(step, 1):.0%}" for p, n in passes.most_common())
        print(f"error: only {named / max(step, 1):.0%} of the step's samples fell in its "
              f"passes ({shares}); has a function of src/sim/ been renamed?", file=sys.stderr)
        return 1
    ns = seconds * 1e9 / per / step  # ns per firm-step of one sample
    level = args.isa or "nqpsim's choice"
    print(f"nqpsim run --firms {args.firms} --steps {args.steps} --threads 1, NQPSIM_ISA="
          f"{level}: {per} firm-steps in {seconds:.2f} s without perf "
          f"({seconds * 1e9 / per:.1f} ns per firm-step, with the output rows); {step} samples "
          f"of the step at {PERF_FREQUENCY} per second (less a run of 0 steps)\n")
    print("| pass | ns per firm-step | share |\n|---|---|---|")
    for name, n in passes.most_common():
        print(f"| {name} | {n * ns:.1f} | {n / step:.0%} |")
    print(f"| **the step** | **{step * ns:.1f}** | |\n")
    print("| firm phase, by section | ns per firm-step |\n|---|---|")
    for name, n in sections.most_common():
        print(f"| {name} | {n * ns:.1f} |")
    kinds, stack, total = instruction_mix(args.nqpsim, in_lanes)
    print(f"\n| the samples of the passes in lanes ({total} samples) | share |\n|---|---|")
    for name, n in kinds.most_common():
        print(f"| {name} | {n / total:.0%} |")
    print(f"| of all these: reading or writing the stack | {stack / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
