"""The `neuralfx` command. Each subcommand lives beside the code it drives and registers itself
here; handlers import their heavy dependencies (torch, sounddevice) only when they run."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import asdict

from .preset import PresetError, list_presets, load_preset, preset_dirs

# Modules with a `register(subparsers)` function adding their subcommands.
_COMMAND_MODULES: list[str] = ["neuralfx.batch", "neuralfx_training.cli", "neuralfx.engine.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuralfx", description="Neural guitar-pedal emulation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _register_presets(commands)
    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, OSError) as exc:  # PresetError is a ValueError
        print(f"neuralfx {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"neuralfx {args.command}: interrupted", file=sys.stderr)
        return 130


def _register_presets(commands: argparse._SubParsersAction) -> None:
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


def print_table(rows: list[tuple[str, ...]], file=None) -> None:
    """Print rows of strings as left-aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=file)


if __name__ == "__main__":
    sys.exit(main())
