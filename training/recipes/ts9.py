"""Recipe for presets/ts9.nfx, end to end: generate DI, render it through the TS9 emulation, train
with `neuralfx_training.train.train` (what `neuralfx train` runs), and measure the preset on held-out material.

    flock /tmp/neuralfx-cpu.lock python -m neuralfx_training.recipes.ts9 --workdir /tmp/ts9

The pedal is guitarix's GxTubeScreamer (LV2, an independent emulation, not a hardware TS9) at
12 o'clock: Drive 0.5, Tone 550, Level −8 dB, rendered offline at 48 kHz.

- Training pair: 30 s of our string model ("ks", seed 1) then 150 s of TimGM6mb DI (seed 0), each
  section peaking between −18 and −3 dBFS. `neuralfx train` holds out the last 10 % (TimGM6mb) for
  validation, which picks the best epoch.
- Held-out test: 20 s of FluidR3_GM DI with other playing (seed 7): another sound source and other
  notes, never seen in training or model selection. Its plain ESR is the preset's `validation_esr`,
  measured on the exported preset's numpy engine from silence, like a freshly reset pedal, against
  the rendered target with the emulation's drifting DC offset removed (20 Hz zero-phase high-pass,
  as the trainer does to its targets). The figure without that high-pass is recorded as well.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import soundfile

from neuralfx import NeuralPedal
from neuralfx.fileio import atomic_path
from neuralfx.preset import shipped_preset_dir

from ..data import highpass_zero_phase
from ..loss import esr_grade, plain_esr
from ..material import make_di
from ..reference_pedal import NOON, PLUGIN_URI, render_ts9
from ..report import prediction_figure, save_figure, write_json
from ..settings import TrainSettings
from ..train import train

SAMPLE_RATE = 48000
TRAINING_DI = (("ks", 30.0, 1), ("timgm6mb", 150.0, 0))  # (source, seconds, seed), in this order
HELD_OUT_DI = ("fluidr3", 20.0, 7)
PEDAL = (
    "Ibanez TS9 Tube Screamer as emulated by guitarix's GxTubeScreamer (LV2 ts9sim), rendered offline; "
    "not a hardware pedal"
)


def render_pair(di: np.ndarray, folder: Path, stem: str) -> tuple[Path, Path]:
    """Write `stem`_dry.wav and `stem`_wet.wav (32-bit float) through the pedal at noon."""
    wet = render_ts9(di, SAMPLE_RATE, **NOON)
    paths = folder / f"{stem}_dry.wav", folder / f"{stem}_wet.wav"
    for path, audio in zip(paths, (di, wet), strict=True):
        with atomic_path(path) as tmp:
            soundfile.write(tmp, audio, SAMPLE_RATE, subtype="FLOAT")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neuralfx_training.recipes.ts9", description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder for audio, checkpoint, report")
    parser.add_argument("--minutes", type=float, default=20.0, help="training time budget (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="resume the training run in --workdir")
    parser.add_argument("--force", action="store_true", help="start afresh, replacing the training run in --workdir")
    parser.add_argument(
        "--preset",
        type=Path,
        default=shipped_preset_dir() / "ts9.nfx",
        help="where the preset goes (default: ts9.nfx among the shipped presets, presets/ in a checkout)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)

    training_di = np.concatenate([make_di(s, SAMPLE_RATE, source, seed) for source, s, seed in TRAINING_DI])
    dry, wet = render_pair(training_di, args.workdir, "train")
    source, seconds, seed = HELD_OUT_DI
    test_dry, test_wet = render_pair(make_di(seconds, SAMPLE_RATE, source, seed), args.workdir, "held_out")
    data_s = time.perf_counter() - started
    print(
        f"rendered {len(training_di) / SAMPLE_RATE:.0f} s of training DI and {seconds:.0f} s held out in {data_s:.0f} s"
    )

    settings = TrainSettings(
        time_budget_min=args.minutes, epochs=1000, patience=1000, threads=args.threads, seed=args.seed, device="cpu"
    )
    run = train(
        dry,
        wet,
        args.workdir / "ts9.nfx",
        settings,
        name="TS9 (noon)",
        pedal=PEDAL,
        knobs=NOON,
        report_dir=args.workdir / "report",
        resume=args.resume,
        force=args.force,
    )
    if run.result.stopped == "interrupted":
        return 130

    # The held-out measurement, on the exported preset's own engine.
    preset, report, report_dir = run.preset, run.report, run.report_dir
    x, _ = soundfile.read(test_dry, dtype="float32")
    y, _ = soundfile.read(test_wet, dtype="float32")
    played = NeuralPedal(preset)(x, SAMPLE_RATE)
    target = highpass_zero_phase(y, SAMPLE_RATE)
    held_out_esr = plain_esr(played, target)
    raw_esr = plain_esr(played, y)
    total_s = time.perf_counter() - started
    held_out = {
        "esr": held_out_esr,
        "grade": esr_grade(held_out_esr),
        "esr_without_dc_removal": raw_esr,
        "measured_on": f"{seconds:.0f} s of {source} DI (seed {seed}) through the same pedal: another sound source "
        "and other playing than training. Plain ESR of the preset's numpy engine from silence, against the "
        "rendered target with its drifting DC removed by a 20 Hz zero-phase high-pass",
    }
    print(f"held-out ESR {held_out_esr:.4f} ({esr_grade(held_out_esr)}); {raw_esr:.4f} without DC removal")

    meta = preset.metadata
    meta.validation_esr = round(held_out_esr, 6)
    meta.provenance |= {
        "recipe": "training/recipes/ts9.py (python -m neuralfx_training.recipes.ts9)",
        "pedal_plugin": PLUGIN_URI,
        "training_data": [f"{s:.0f} s {src} DI, seed {sd}, section peaks -18 to -3 dBFS" for src, s, sd in TRAINING_DI],
        "validation_esr_measured_on": held_out["measured_on"],
        "validation_esr_without_dc_removal": round(raw_esr, 6),
        "training_validation_esr": report["validation"]["esr"],
        "threads": args.threads,
        "recipe_time_s": round(total_s),
    }
    args.preset.parent.mkdir(parents=True, exist_ok=True)
    preset.save(args.preset)

    plots = args.preset.with_suffix("")
    plots.mkdir(exist_ok=True)
    for png in report_dir.glob("*.png"):
        with atomic_path(plots / png.name) as tmp:
            shutil.copyfile(png, tmp)
    title = f"held-out {source} DI: ESR {held_out_esr:.4f} ({esr_grade(held_out_esr)})"
    save_figure(prediction_figure(target, played, SAMPLE_RATE, title), plots / "held_out.png")

    report["data"]["files"] = {role: Path(path).name for role, path in report["data"]["files"].items()}
    report["held_out"] = held_out
    report["recipe"] = {
        "command": "python -m neuralfx_training.recipes.ts9 " + " ".join(argv or sys.argv[1:]),
        "training_data": meta.provenance["training_data"],
        "data_generation_s": round(data_s, 1),
        "total_s": round(total_s, 1),
        "plots": sorted(p.name for p in plots.glob("*.png")),
    }
    report["preset"] = args.preset.name  # the report lies beside it
    write_json(report, args.preset.with_suffix(".report.json"))
    print(f"wrote {args.preset}, {args.preset.with_suffix('.report.json')} and {plots}/ in {total_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
