"""The terminal: tables of names and values, and the options several commands share."""

from __future__ import annotations

import argparse
from typing import TextIO


def print_table(rows: list[tuple[str, ...]], file: TextIO | None = None) -> None:
    """Print rows of strings as left-aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=file)


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """--set NAME=VALUE (repeatable): a neural pedal's parameter, e.g. a knob (drive=7) or mix=0.5."""
    parser.add_argument(
        "--set",
        type=name_equals_value,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a neural pedal's parameter: a knob of a preset that has knobs (drive=7), mix=0.5... (repeat)",
    )


def name_equals_value(text: str) -> tuple[str, float | str]:
    """NAME=VALUE: the value as a number where it is one (drive=7), else as it is (output_mode=raw)."""
    name, sep, value = text.partition("=")
    if not (sep and name.isidentifier() and value):
        raise argparse.ArgumentTypeError(f"write it as NAME=VALUE, e.g. drive=7 (got {text!r})")
    try:
        return name, float(value)
    except ValueError:
        return name, value
