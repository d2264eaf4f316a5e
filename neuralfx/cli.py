"""The `neuralfx` command. Its subcommands are found through the `neuralfx.commands` entry points
(pyproject.toml): each names a `register(subparsers)` function beside the code it drives, so this
module names none of them, and the training and live packages plug in the same way as the core's.
Handlers import their heavy dependencies (torch, sounddevice) only when they run."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

COMMANDS_GROUP = "neuralfx.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuralfx", description="Neural guitar-pedal emulation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        entry.load()(commands)
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


if __name__ == "__main__":
    sys.exit(main())
