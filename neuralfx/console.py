"""Text for the terminal: tables of names and values, and strings made safe to print."""

from __future__ import annotations

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


def print_error(command: str, message: object) -> None:
    """`neuralfx COMMAND: error: MESSAGE` on stderr."""
    print(f"neuralfx {command}: error: {printable(message)}", file=sys.stderr)
