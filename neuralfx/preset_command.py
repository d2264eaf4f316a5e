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
    rows = [("NAME", "MODEL", "GEAR", "TONE", "RATE", "COST", "ESR", "PATH")]
    for path in paths:
        try:
            preset = load_preset(path)
        except PresetError as exc:
            rows.append((path.stem, "-", f"unreadable: {exc.problem}", "", "", "", "", str(path)))
            continue
        meta, model = preset.metadata, preset.model
        esr = "-" if meta.validation_esr is None else f"{meta.validation_esr:.4f}"
        gear = _shortened(", ".join(part for part in (meta.pedal, meta.gear_type) if part)) or "-"
        kind = f"NAM {model.architecture}" if preset.is_nam else model.architecture
        cost = f"{model.multiply_adds / 1000:.1f}k"  # multiply-adds per sample: compare presets' CPU cost
        rows.append((path.stem, kind, gear, meta.tone_type or "-", str(preset.sample_rate), cost, esr, str(path)))
    print_table(rows)
    print("COST: multiply-adds per sample (the largest size of a NAM file holding several)")
    return 0


def _shortened(text: str, width: int = 48) -> str:
    """At most `width` characters, cut at a word's end (the full text: `neuralfx presets NAME`)."""
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"
