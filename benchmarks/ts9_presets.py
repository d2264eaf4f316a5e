"""The TS9 at 12 o'clock in every size: held-out ESR, cost and speed, for README's table.

For each preset: the held-out plain ESR and the training time its recipe report records
(`PRESET.report.json` beside it, see training/recipes/ts9.py), multiply-adds per sample, streaming
RTF (processing time / audio time, one thread, median of repeats) at blocks 64 and 256 beside NAM
Core's for the same .nam file in the same run (interleaved), and whole-file speed (× real time, one
call, one core).

    flock /tmp/neuralfx-cpu.lock python benchmarks/ts9_presets.py [PRESET ...] [--repeats 5]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import json
import statistics
from pathlib import Path

from nam import NamCore, find_namrun, ours_rtf, whole_file_speed

from neuralfx.preset import load_preset, shipped_preset_dir

BLOCKS = (64, 256)


def report_of(path: Path) -> dict:
    report = path.with_suffix(".report.json")
    return json.loads(report.read_text()) if report.is_file() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="*", type=Path, help="preset files (default: the shipped ts9*)")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warm", type=int, default=8192)
    parser.add_argument("--file-seconds", type=float, default=30.0, help="audio for the whole-file speed")
    parser.add_argument("--namrun", help="NAM Core's namrun (default: the native build of ../shared/tools/namcore)")
    args = parser.parse_args()
    paths = args.presets or sorted(shipped_preset_dir().glob("ts9*.n[af][mx]"))
    binary = find_namrun(args.namrun)
    core = NamCore(binary) if binary else None

    header = ["preset", "model", "held-out ESR", "multiply-adds", "RTF 64", "RTF 256"]
    if core:
        header += ["NAM Core 64", "NAM Core 256"]
    header += ["whole file", "training"]
    print(f"# one thread, median of {args.repeats} x {args.seconds} s; NAM Core: native build, fast tanh")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for path in paths:
        preset = load_preset(path)
        report = report_of(path)
        stream = preset.model.stream()
        ours: dict[int, list[float]] = {b: [] for b in BLOCKS}
        theirs: dict[int, list[float]] = {b: [] for b in BLOCKS}
        for _ in range(args.repeats):  # interleaved: both engines see the same machine state
            for block in BLOCKS:
                ours[block].append(ours_rtf(stream, block, args.seconds, args.warm, preset.sample_rate)[0])
                if core and preset.is_nam:
                    theirs[block].append(core.rtf(path, None, True, block, args.seconds, args.warm)[0])
        held_out = report.get("held_out", {}).get("esr")
        training = report.get("training", {})
        row = [
            path.name,
            preset.model.describe()["architecture"],
            "" if held_out is None else f"{held_out:.4f}",
            f"{preset.model.multiply_adds:,}",
            *(f"{statistics.median(ours[b]):.3f}" for b in BLOCKS),
        ]
        if core:
            row += [f"{statistics.median(theirs[b]):.3f}" if theirs[b] else "" for b in BLOCKS]
        speed = whole_file_speed(preset, None, args.file_seconds, 3)
        minutes = training.get("elapsed_s", 0) / 60
        row += [f"{speed:.0f}×", f"{minutes:.0f} min, {training.get('device', '?')}" if training else ""]
        print("| " + " | ".join(row) + " |", flush=True)
    if core:
        core.close()


if __name__ == "__main__":
    main()
