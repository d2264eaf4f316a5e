"""Text for the terminal: tables of names and values."""

from __future__ import annotations

from typing import TextIO


def print_table(rows: list[tuple[str, ...]], file: TextIO | None = None) -> None:
    """Print rows of strings as left-aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=file)
