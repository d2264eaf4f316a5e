"""Running a model at its own sample rate inside a host running at another, with fixed latency."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pedalboard import Resample
from pedalboard.io import StreamResampler


class SampleFifo:
    """First-in first-out audio, (channels, samples), primed with `delay` samples of silence."""

    def __init__(self, channels: int, delay: int) -> None:
        self._data = np.zeros((channels, delay), np.float32)

    def push(self, audio: np.ndarray) -> None:
        if audio.shape[1]:
            self._data = np.concatenate([self._data, audio], axis=1)

    def push_front_silence(self, n: int) -> None:
        """Queue n samples of silence ahead of everything queued."""
        self._data = np.concatenate([np.zeros((self._data.shape[0], n), np.float32), self._data], axis=1)

    def pop(self, n: int) -> np.ndarray:
        if n > self._data.shape[1]:
            raise RuntimeError(f"FIFO underrun: asked for {n} samples, {self._data.shape[1]} queued")
        out, self._data = self._data[:, :n], self._data[:, n:]
        return out

    def __len__(self) -> int:
        return self._data.shape[1]


class ChannelResampler:
    """pedalboard's StreamResampler for (channels, n) blocks of any size, one channel at a time
    (pedalboard reads a (2, 1) block as 2 samples of 1 channel). The output stream is aligned
    with the input (zero offset); it arrives `input_latency` input samples late."""

    def __init__(
        self,
        from_rate: float,
        to_rate: float,
        channels: int,
        quality: Resample.Quality = Resample.Quality.WindowedSinc32,
    ) -> None:
        self._resamplers = [StreamResampler(from_rate, to_rate, 1, quality) for _ in range(channels)]
        self.input_latency = self._resamplers[0].input_latency

    def process(self, audio: np.ndarray) -> np.ndarray:
        return np.concatenate([r.process(audio[c : c + 1]) for c, r in enumerate(self._resamplers)], axis=0)

    def flush(self) -> np.ndarray:
        """Everything still held back, at the end of the stream."""
        return np.concatenate([r.process() for r in self._resamplers], axis=0)


class RateAdapter:
    """Resample (channels, n) host audio to `inner_rate`, apply `inner`, resample back.

    Both resamplers stream bit-exactly whatever the block sizes, so the output is exactly the
    whole-signal result delayed by `latency_samples` host samples, and every call returns as
    many samples as it was given.
    """

    def __init__(
        self,
        host_rate: float,
        inner_rate: float,
        channels: int,
        inner: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self._rates = (host_rate, inner_rate)
        self._channels = channels
        self._inner = inner
        up, down = self._resamplers()
        # Each resampler holds back input_latency samples of its input; +2 covers rounding of
        # the fractional sample counts, so the FIFO never runs dry even for 1-sample blocks.
        self.latency_samples = math.ceil(up.input_latency + down.input_latency * host_rate / inner_rate) + 2
        self.reset()

    def _resamplers(self) -> tuple[ChannelResampler, ChannelResampler]:
        host, inner = self._rates
        return ChannelResampler(host, inner, self._channels), ChannelResampler(inner, host, self._channels)

    def reset(self) -> None:
        self._up, self._down = self._resamplers()
        self._fifo = SampleFifo(self._channels, self.latency_samples)

    def process(self, audio: np.ndarray) -> np.ndarray:
        if audio.shape[1]:
            inner_audio = self._up.process(audio)
            if inner_audio.shape[1]:
                self._fifo.push(self._down.process(self._inner(inner_audio)))
        return self._fifo.pop(audio.shape[1])
