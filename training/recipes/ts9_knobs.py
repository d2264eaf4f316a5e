"""Recipe for presets/ts9-knobs.nfx: the TS9 with its Drive and Tone dials as inputs of the network.

    python -m neuralfx_training.recipes.ts9_knobs --workdir /tmp/ts9-knobs --device cuda --minutes 30

The reference TS9 (see `ts9_material`) is rendered over the training DI at every point of a
5 × 5 grid of dial positions, both ends included, and at four settings between grid points that
training never hears (validated only). The dials read 0-10 as on the pedal: Drive d is the
emulation's drive d/10, Tone t its tone 100 + 90·t Hz (5, 5 is the shipped ts9 preset's
12 o'clock); Level stays at −8 dB, an exact output gain that the preset's `output_gain_db` moves.

Every setting, on the grid and between, is then measured on the held-out DI as the shipped ts9
is: the preset's own engine with the dials set, from silence, against the pedal at that setting.
The report (`ts9-knobs.report.json`) lists each setting's held-out ESR; `ts9-knobs/heldout.png`
is the Drive × Tone heat map.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from neuralfx import NeuralPedal
from neuralfx.fileio import atomic_write_text
from neuralfx.models.pedalnet import CONDITIONINGS
from neuralfx.preset import Preset, shipped_preset_dir

from ..loss import esr_grade
from ..reference_pedal import LEVEL_DB_NOON, PLUGIN_URI, render_ts9
from ..report import save_figure, settings_figure, write_json
from ..train import train_captures
from .options import recipe_parser, recipe_settings
from .ts9_material import (
    HELD_OUT_DESCRIPTION,
    PEDAL,
    SAMPLE_RATE,
    TRAINING_DATA,
    di_material,
    held_out_esr,
    publish,
    trained_run,
    write_float,
)

DIALS = (0.0, 2.5, 5.0, 7.5, 10.0)
GRID = tuple((drive, tone) for drive in DIALS for tone in DIALS)
UNSEEN = ((1.25, 8.75), (3.75, 3.75), (6.25, 6.25), (8.75, 1.25))
"""Settings between grid points, one in each quarter of the dials' square: validated, never trained."""
NOON = (5.0, 5.0)
PRESET = "ts9-knobs.nfx"


def pedal_knobs(drive: float, tone: float) -> dict[str, float]:
    """The emulation's controls for the dials' positions (0-10)."""
    return {"drive": drive / 10, "tone": 100.0 + 90.0 * tone, "level_db": LEVEL_DB_NOON}


def write_captures(di: np.ndarray, folder: Path) -> Path:
    """The DI and the pedal's output at every grid and unseen setting, and the manifest naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    write_float(folder / "di.wav", di)
    captures = []
    for (drive, tone), held_out in [*((s, False) for s in GRID), *((s, True) for s in UNSEEN)]:
        name = f"drive{drive:g}_tone{tone:g}.wav"
        write_float(folder / name, render_ts9(di, SAMPLE_RATE, **pedal_knobs(drive, tone)))
        entry = {"input": "di.wav", "target": name, "knobs": {"drive": drive, "tone": tone}}
        captures.append(entry | ({"held_out": True} if held_out else {}))
    knobs = [{"name": name, "minimum": 0, "maximum": 10, "default": 5, "unit": "dial"} for name in ("drive", "tone")]
    manifest = {"format": "neuralfx.captures", "format_version": 1, "knobs": knobs, "captures": captures}
    path = folder / "captures.json"
    atomic_write_text(path, json.dumps(manifest, indent=1))
    return path


def held_out_rows(preset: Preset, di: np.ndarray) -> list[dict]:
    """Each setting's held-out figures: the preset at the dials against the pedal at that setting."""
    rows = []
    for (drive, tone), trained in [*((s, True) for s in GRID), *((s, False) for s in UNSEEN)]:
        played = NeuralPedal(preset, drive=drive, tone=tone)(di, SAMPLE_RATE)
        wet = render_ts9(di, SAMPLE_RATE, **pedal_knobs(drive, tone))
        rows.append({"knobs": {"drive": drive, "tone": tone}, "trained": trained, **held_out_esr(played, wet)})
    return rows


def summary(rows: list[dict]) -> dict:
    """The figures the targets name: the grid's worst and median, the unseen settings' worst, noon."""
    grid = [r["esr"] for r in rows if r["trained"]]
    unseen = [r["esr"] for r in rows if not r["trained"]]
    noon = next(r["esr"] for r in rows if (r["knobs"]["drive"], r["knobs"]["tone"]) == NOON)
    return {"grid_max": max(grid), "grid_median": statistics.median(grid), "unseen_max": max(unseen), "noon": noon}


def main(argv: list[str] | None = None) -> int:
    prog = "python -m neuralfx_training.recipes.ts9_knobs"
    parser = recipe_parser(prog, __doc__.split("\n")[0], minutes=120.0)
    parser.add_argument("--conditioning", default="film", help=f"how the dials enter: {', '.join(CONDITIONINGS)}")
    args = parser.parse_args(argv)
    destination = args.preset or shipped_preset_dir() / PRESET
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)

    training_di, held_out_di = di_material(args.workdir, args.di_folder)
    if args.from_workdir:
        preset, report, report_dir = trained_run(args.workdir, PRESET)
        data_s = 0.0
    else:
        manifest = write_captures(training_di, args.workdir / "captures")
        data_s = time.perf_counter() - started
        seconds = len(training_di) / SAMPLE_RATE
        print(f"rendered {len(GRID)} + {len(UNSEEN)} settings of {seconds:.0f} s in {data_s:.0f} s")
        settings = recipe_settings(args, conditioning=args.conditioning)
        run = train_captures(
            manifest,
            args.workdir / PRESET,
            settings,
            name="TS9 (Drive, Tone)",
            pedal=PEDAL,
            report_dir=args.workdir / "report",
            resume=args.resume,
            force=args.force,
        )
        if run.result.stopped == "interrupted":
            return 130
        preset, report, report_dir = run.preset, run.report, run.report_dir

    rows = held_out_rows(preset, held_out_di)
    figures = summary(rows)
    total_s = time.perf_counter() - started
    print(
        f"held-out ESR: grid worst {figures['grid_max']:.4f}, median {figures['grid_median']:.4f}; "
        f"unseen worst {figures['unseen_max']:.4f}; noon {figures['noon']:.4f}"
    )

    preset.metadata.validation_esr = round(figures["grid_median"], 6)
    preset.metadata.provenance |= {
        "recipe": "training/recipes/ts9_knobs.py (python -m neuralfx_training.recipes.ts9_knobs)",
        "pedal_plugin": PLUGIN_URI,
        "dials": "drive d: the emulation's drive d/10; tone t: its tone 100 + 90·t Hz; level -8 dB",
        "training_data": TRAINING_DATA,
        "validation_esr_measured_on": "the median over the 5 × 5 grid of " + HELD_OUT_DESCRIPTION,
        "recipe_time_s": round(total_s),
    }
    plots = publish(preset, args.workdir / PRESET, destination, report_dir)
    heat_map = settings_figure(rows, ["drive", "tone"], measured="held-out ESR")
    save_figure(heat_map, plots / "heldout.png")

    report["held_out"] = {
        "measured_on": HELD_OUT_DESCRIPTION,
        **figures,
        "grades": {key: esr_grade(value) for key, value in figures.items()},
        "settings": rows,
    }
    report["recipe"] = {
        "command": f"{prog} " + " ".join(argv or sys.argv[1:]),
        "training_data": TRAINING_DATA,
        "grid": [list(s) for s in GRID],
        "unseen": [list(s) for s in UNSEEN],
        "data_generation_s": round(data_s, 1),
        "total_s": round(total_s, 1),
        "plots": sorted(p.name for p in plots.glob("*.png")),
    }
    report["preset"] = destination.name
    write_json(report, destination.with_suffix(".report.json"))
    print(f"wrote {destination}, {destination.with_suffix('.report.json')} and {plots}/ in {total_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
