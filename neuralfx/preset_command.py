"""`neuralfx presets`: the presets in the preset folders, or one preset's details."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from .console import print_table
from .preset import PresetError, list_presets, load_preset, preset_dirs


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("presets", help="list the available presets, or show one")
    parser.add_argument("name", nargs="?", help="a preset name or path: print its metadata")
    parser.set_defaults(handler=_presets)


def _presets(args: argparse.Namespace) -> int:
    if args.name:
        preset = load_preset(args.name)
        info = {
            "path": str(preset.path),
            "sample_rate": preset.sample_rate,
            **preset.model.describe(),
            "metadata": asdict(preset.metadata),
        }
        print(json.dumps(info, indent=2))
        return 0
    paths = list_presets()
    if not paths:
        print("no presets found in: " + ", ".join(str(d) for d in preset_dirs()))
        return 0
    rows = [("NAME", "RATE", "ESR", "PEDAL", "PATH")]
    for path in paths:
        try:
            preset = load_preset(path)
        except PresetError as exc:
            rows.append((path.stem, "-", "-", f"unreadable: {exc.problem}", str(path)))
            continue
        esr = preset.metadata.validation_esr
        rows.append(
            (path.stem, str(preset.sample_rate), "-" if esr is None else f"{esr:.4f}", preset.metadata.pedal, str(path))
        )
    print_table(rows)
    return 0
