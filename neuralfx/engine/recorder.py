"""Recording the engine's output without writing files on the audio thread.

The callback copies each output block into a ring buffer (`push`); the engine's main thread
drains the ring into a sound file a few times a second (`drain`). The file is written beside
its destination and renamed into place when the recording stops, so an interrupted recording
never leaves a truncated file under the requested name.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from ..fileio import atomic_path

RING_SECONDS = 10.0


class Recorder:
    """One mono recording at a time. `push` is the audio thread's; the rest the main thread's."""

    def __init__(self, sample_rate: int, ring_seconds: float = RING_SECONDS) -> None:
        self.sample_rate = sample_rate
        self._ring = np.zeros(int(ring_seconds * sample_rate), np.float32)
        self._written = 0  # samples pushed, ever (only the audio thread writes it)
        self._read = 0  # samples drained, ever (only the main thread writes it)
        self.dropped = 0  # samples lost because the ring was full
        self.path: Path | None = None
        self._active = False
        self._file: sf.SoundFile | None = None
        self._stack: contextlib.ExitStack | None = None

    @property
    def recording(self) -> bool:
        return self._active

    def start(self, path: str | Path) -> None:
        """Start recording to `path` (WAV: 32-bit float; FLAC: 24-bit; others: soundfile's default)."""
        if self._active:
            raise ValueError(f"already recording to {self.path}; stop that recording first")
        path = Path(path)
        if path.exists():
            raise ValueError(f"cannot record to {path}: the file exists (choose a new name; nothing is overwritten)")
        if not path.parent.is_dir():
            raise ValueError(f"cannot record to {path}: the folder {path.parent} does not exist")
        if path.suffix.lstrip(".").upper() not in sf.available_formats():
            raise ValueError(f"cannot record to {path}: unknown audio file type {path.suffix!r} (use .wav or .flac)")
        subtype = {".wav": "FLOAT", ".flac": "PCM_24"}.get(path.suffix.lower())
        stack = contextlib.ExitStack()
        try:
            temporary = stack.enter_context(atomic_path(path))
            self._file = stack.enter_context(sf.SoundFile(temporary, "w", self.sample_rate, 1, subtype))
        except BaseException:
            stack.close()
            raise
        self._stack, self.path = stack, path
        self._read = self._written  # start from now
        self.dropped = 0
        self._active = True

    def push(self, block: np.ndarray) -> None:
        """Queue a block (n,) of output; drops it (and counts) if the ring is full."""
        if not self._active:
            return
        n, size = block.shape[0], self._ring.shape[0]
        if n > size - (self._written - self._read):
            self.dropped += n
            return
        start = self._written % size
        first = min(n, size - start)
        self._ring[start : start + first] = block[:first]
        self._ring[: n - first] = block[first:]
        self._written += n  # last: the reader only reads up to here

    def drain(self) -> None:
        """Write everything queued to the file."""
        if self._file is None:
            return
        written, size = self._written, self._ring.shape[0]
        while self._read < written:
            start = self._read % size
            stop = min(size, start + written - self._read)
            self._file.write(self._ring[start:stop])
            self._read += stop - start

    def abort(self) -> None:
        """End the recording and delete its unfinished file (after a failed write)."""
        if self._stack is None:
            return
        self._active = False
        stack = self._stack
        self._stack = self._file = self.path = None
        error = RuntimeError("recording aborted")
        with contextlib.suppress(Exception):  # unwinding as if by an error: atomic_path deletes, not renames
            stack.__exit__(RuntimeError, error, None)

    def stop(self, block_seconds: float = 0.0) -> Path | None:
        """Finish the file and move it into place; returns its path (None if not recording).

        Args:
            block_seconds: one callback's duration: waits that long so that a block the
                callback is pushing right now is not cut off.
        """
        if self._stack is None:
            return None
        self._active = False
        time.sleep(2 * block_seconds)
        path, stack = self.path, self._stack
        try:
            with stack:  # closes the file, then renames it into place (deletes it if drain fails)
                self.drain()
        finally:
            self._stack = self._file = self.path = None
        return path
