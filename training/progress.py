"""Progress on stderr: message lines, and a plain-text progress bar redrawn in place on a terminal (quiet in
logs and pipes)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24
REDRAW_S = 0.2


class ProgressBar:
    """`start(label, total)`, then `update(text)` once per step, then `close()`.

    On a terminal it redraws one line at most every 0.2 s; elsewhere (a log file, a pipe, a
    test) it prints nothing, and the caller's per-epoch summary lines carry the progress.
    """

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self._label, self._total, self._done = "", 1, 0
        self._started = self._drawn = 0.0
        self._open = False

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done = label, max(total, 1), 0
        self._started = time.perf_counter()

    def update(self, text: str = "") -> None:
        self._done += 1
        now = time.perf_counter()
        if not self.enabled or (now - self._drawn < REDRAW_S and self._done < self._total):
            return
        self._drawn = now
        filled = round(WIDTH * self._done / self._total)
        rate = (now - self._started) / self._done
        eta = int(rate * (self._total - self._done))
        bar = "#" * filled + "." * (WIDTH - filled)
        line = f"{self._label} [{bar}] {self._done}/{self._total}  {text}  eta {eta // 60}:{eta % 60:02d}"
        self.stream.write("\r" + line + "\033[K")
        self.stream.flush()
        self._open = True

    def close(self) -> None:
        """End the bar's line so that other output starts on a fresh one."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def say(message: str) -> None:
    """Print a line of progress on stderr, at once."""
    print(message, file=sys.stderr, flush=True)
