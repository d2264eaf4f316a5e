"""The terminal: tables of names and values, strings made safe to print, and the options several commands share."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TextIO

# C0 and C1 controls (escape sequences start with ESC or CSI) and DEL; Unicode's bidirectional
# overrides, which reorder what a terminal shows. Names and messages from files may hold them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE_IN_CELLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object, newlines: bool = True) -> str:
    """`text` safe for a terminal: control characters shown escaped (ESC as \\x1b), so that a
    preset name or a file name cannot move the cursor, recolour or rewrite the screen. Tabs and
    newlines stay as they are, unless `newlines` is False (for a table's cells)."""
    pattern = _UNPRINTABLE if newlines else _UNPRINTABLE_IN_CELLS
    return pattern.sub(lambda match: match.group().encode("unicode_escape").decode(), str(text))


def print_table(rows: list[tuple[str, ...]], file: TextIO | None = None) -> None:
    """Print rows of strings as left-aligned columns (the first row is the header)."""
    rows = [tuple(printable(cell, newlines=False) for cell in row) for row in rows]
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


def print_error(command: str, message: object) -> None:
    """`neuralfx COMMAND: error: MESSAGE` on stderr."""
    print(f"neuralfx {command}: error: {printable(message)}", file=sys.stderr)
