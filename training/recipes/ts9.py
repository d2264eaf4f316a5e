"""Recipe for the shipped TS9 presets at 12 o'clock, end to end: generate DI, render it through the TS9
emulation, train with `neuralfx_training.train.train` (what `neuralfx train` runs), and measure the preset
on held-out material (see `ts9_material`).

    flock /tmp/neuralfx-cpu.lock python -m neuralfx_training.recipes.ts9 --workdir /tmp/ts9
    python -m neuralfx_training.recipes.ts9 --workdir /tmp/ts9-a2 --architecture nam-a2-lite

The pedal is guitarix's GxTubeScreamer (LV2, an independent emulation, not a hardware TS9) at
12 o'clock: Drive 0.5, Tone 550, Level −8 dB, rendered offline at 48 kHz. `--architecture pedalnet`
makes presets/ts9.nfx; a NAM shape makes presets/ts9-SHAPE.nam (e.g. ts9-a2-lite.nam).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import soundfile

from neuralfx import NeuralPedal
from neuralfx.preset import shipped_preset_dir

from ..architectures import ARCHITECTURES, PEDALNET, check_architecture
from ..reference_pedal import NOON, PLUGIN_URI
from ..report import prediction_figure, save_figure, write_json
from ..train import train
from .options import recipe_parser, recipe_settings
from .ts9_material import (
    HELD_OUT_DESCRIPTION,
    HELD_OUT_DI,
    PEDAL,
    SAMPLE_RATE,
    TRAINING_DATA,
    TRAINING_DI,
    di_material,
    held_out_esr,
    held_out_target,
    publish,
    render_pair,
    trained_run,
)

__all__ = ["HELD_OUT_DI", "TRAINING_DI", "main"]


def preset_name(architecture: str) -> tuple[str, str]:
    """(file name, display name) of the noon TS9 trained as `architecture`."""
    if architecture == PEDALNET:
        return "ts9.nfx", "TS9 (noon)"
    shape = architecture.removeprefix("nam-")
    return f"ts9-{shape}.nam", f"TS9 (noon, NAM {shape.replace('-', ' ')})"


def main(argv: list[str] | None = None) -> int:
    parser = recipe_parser("python -m neuralfx_training.recipes.ts9", __doc__.split("\n")[0], minutes=20.0)
    parser.add_argument("--architecture", default=PEDALNET, help=f"the network: {', '.join(ARCHITECTURES)}")
    args = parser.parse_args(argv)
    check_architecture(args.architecture)
    file_name, display_name = preset_name(args.architecture)
    destination = args.preset or shipped_preset_dir() / file_name
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)

    training_di, held_out_di = di_material(args.workdir, args.di_folder)
    dry, wet = render_pair(training_di, args.workdir, "train", **NOON)
    test_dry, test_wet = render_pair(held_out_di, args.workdir, "held_out", **NOON)
    data_s = time.perf_counter() - started
    print(f"rendered {len(training_di) / SAMPLE_RATE:.0f} s of training DI and the held-out DI in {data_s:.0f} s")

    if args.from_workdir:
        preset, report, report_dir = trained_run(args.workdir, file_name)
    else:
        settings = recipe_settings(args, architecture=args.architecture)
        run = train(
            dry,
            wet,
            args.workdir / file_name,
            settings,
            name=display_name,
            pedal=PEDAL,
            knobs=NOON,
            report_dir=args.workdir / "report",
            resume=args.resume,
            force=args.force,
        )
        if run.result.stopped == "interrupted":
            return 130
        preset, report, report_dir = run.preset, run.report, run.report_dir

    # The held-out measurement, on the exported preset's own engine, as trained (raw level).
    x, _ = soundfile.read(test_dry, dtype="float32")
    y, _ = soundfile.read(test_wet, dtype="float32")
    played = NeuralPedal(preset, output_mode="raw")(x, SAMPLE_RATE)
    held_out = held_out_esr(played, y) | {"measured_on": HELD_OUT_DESCRIPTION}
    total_s = time.perf_counter() - started
    print(f"held-out ESR {held_out['esr']:.4f} ({held_out['grade']}); {held_out['esr_without_dc_removal']:.4f} "
          "without DC removal")  # fmt: skip

    meta = preset.metadata
    meta.validation_esr = round(held_out["esr"], 6)
    meta.provenance |= {
        "recipe": "training/recipes/ts9.py (python -m neuralfx_training.recipes.ts9)",
        "pedal_plugin": PLUGIN_URI,
        "training_data": TRAINING_DATA,
        "validation_esr_measured_on": HELD_OUT_DESCRIPTION,
        "validation_esr_without_dc_removal": round(held_out["esr_without_dc_removal"], 6),
        "training_validation_esr": report["validation"]["esr"],
        "threads": args.threads,
        "recipe_time_s": round(total_s),
    }
    plots = publish(preset, args.workdir / file_name, destination, report_dir)
    title = f"held-out {HELD_OUT_DI[0]} DI: ESR {held_out['esr']:.4f} ({held_out['grade']})"
    save_figure(prediction_figure(held_out_target(y), played, SAMPLE_RATE, title), plots / "held_out.png")

    report["data"]["files"] = {role: Path(path).name for role, path in report["data"]["files"].items()}
    report["held_out"] = held_out
    report["recipe"] = {
        "command": "python -m neuralfx_training.recipes.ts9 " + " ".join(argv or sys.argv[1:]),
        "training_data": TRAINING_DATA,
        "data_generation_s": round(data_s, 1),
        "total_s": round(total_s, 1),
        "plots": sorted(p.name for p in plots.glob("*.png")),
    }
    report["preset"] = destination.name  # the report lies beside it
    write_json(report, destination.with_suffix(".report.json"))
    print(f"wrote {destination}, {destination.with_suffix('.report.json')} and {plots}/ in {total_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
