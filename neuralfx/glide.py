"""Click-free parameter changes: a value that moves linearly to a new target over a set time."""

from __future__ import annotations

import numpy as np


class Glide:
    """A per-sample control value that glides to each new target in `glide_samples` samples.

    `next(n)` returns a float while the value is steady (the common case, no allocation)
    and an (n,) float32 array during a glide. The glide continues across blocks, so the
    values a stream sees do not depend on how it is cut into blocks.
    """

    def __init__(self, value: float, glide_samples: int = 0) -> None:
        self.value = float(value)
        self.target = float(value)
        self.glide_samples = int(glide_samples)
        self._step = 0.0
        self._remaining = 0

    @property
    def gliding(self) -> bool:
        return self._remaining > 0

    def set_target(self, target: float) -> None:
        self.target = float(target)
        if self.glide_samples <= 0 or self.target == self.value:
            self.jump(target)
            return
        self._remaining = self.glide_samples
        self._step = (self.target - self.value) / self.glide_samples

    def jump(self, value: float) -> None:
        """Go to `value` at once (on reset, or with no glide time)."""
        self.value = self.target = float(value)
        self._remaining = 0

    def next(self, n: int) -> float | np.ndarray:
        """The value for each of the next n samples."""
        if self._remaining == 0:
            return self.value
        k = np.arange(1, n + 1)
        values = np.where(k < self._remaining, self.value + self._step * k, self.target).astype(np.float32)
        self.advance(n)
        return values

    def advance(self, n: int) -> float:
        """Move n samples on; returns the value reached."""
        if n >= self._remaining:
            self.jump(self.target)
        else:
            self._remaining -= n
            self.value += self._step * n
        return self.value
