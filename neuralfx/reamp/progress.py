"""A batch's progress on the terminal: files and audio seconds done, speed and ETA."""

from __future__ import annotations

import time
from typing import TextIO

from ..console import printable
from .outcome import Outcome


class Progress:
    """Files and audio seconds done, with an ETA, on `stream`: redrawn in place on a terminal,
    otherwise one line per finished file."""

    def __init__(self, todo: list[Outcome], stream: TextIO) -> None:
        self._todo = todo
        self._stream = stream
        self._tty = stream.isatty()
        self._total_s = sum(o.seconds for o in todo)
        self._done_s: dict[int, float] = {}
        self._files = 0
        self._started = self._drawn = time.perf_counter()

    def advance(self, index: int, seconds: float) -> None:
        self._done_s[index] = seconds
        if self._tty and time.perf_counter() - self._drawn > 0.2:
            self._draw()

    def finish(self, index: int) -> None:
        self._files += 1
        outcome = self._todo[index]
        self._done_s[index] = outcome.seconds
        if self._tty:
            self._draw()
        else:
            print(f"{self._line()}  {outcome.status}: {printable(outcome.input)}", file=self._stream, flush=True)

    def close(self) -> None:
        if self._tty:
            print(file=self._stream)

    def _line(self) -> str:
        elapsed = time.perf_counter() - self._started
        done = sum(self._done_s.values())
        speed = done / elapsed if elapsed > 0 else 0.0
        left = (self._total_s - done) / speed if speed > 0 else None
        eta = "?" if left is None else f"{int(left // 60)}:{int(left % 60):02d}"
        share = 100 * done / self._total_s if self._total_s else 100.0
        return (
            f"[{self._files}/{len(self._todo)} files] {done:.0f}/{self._total_s:.0f} s of audio ({share:.0f} %), "
            f"{speed:.1f}× real time, ETA {eta}"
        )

    def _draw(self) -> None:
        self._drawn = time.perf_counter()
        self._stream.write("\r" + self._line() + "\x1b[K")
        self._stream.flush()
