"""A DI recording played in a loop as the engine's input, so it can be tried without a guitar."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class LoopedFile:
    """The whole file, mixed to mono and resampled to the stream's rate when it is opened, so the
    audio thread only copies samples.

    Args:
        path: any file pedalboard.io reads (wav, flac, aiff, ogg, mp3).
        sample_rate: the stream's rate in Hz.
    """

    def __init__(self, path: str | Path, sample_rate: float) -> None:
        from pedalboard.io import AudioFile

        self.path = Path(path)
        try:
            with AudioFile(str(self.path)).resampled_to(float(sample_rate)) as file:
                audio = file.read(file.frames)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ValueError(f"{self.path}: cannot read the input file ({exc})") from None
        if audio.shape[1] == 0:
            raise ValueError(f"{self.path}: the input file holds no audio")
        self.audio = np.ascontiguousarray(audio.mean(axis=0), dtype=np.float32)
        self._position = 0

    def read_into(self, out: np.ndarray) -> None:
        """Fill out (n,) with the next n samples, wrapping around at the end."""
        filled, length = 0, self.audio.shape[0]
        while filled < out.shape[0]:
            take = min(out.shape[0] - filled, length - self._position)
            out[filled : filled + take] = self.audio[self._position : self._position + take]
            filled += take
            self._position = (self._position + take) % length
