"""Offline rendering stays sample-aligned: with a chain whose latency grows over its first blocks,
and through chunked resampling."""

import numpy as np
import pytest
from conftest import guitarish
from pedalboard.io import StreamResampler

from neuralfx import Chain
from neuralfx.reamp.render import render_aligned, resample_blocks


class HoldBack:
    """A pure delay that, like a codec filling its frames, returns fewer samples than given:
    `holds[k]` more on its k-th call. A Chain pads the shortfall, so its latency grows."""

    def __init__(self, holds: list[int]) -> None:
        self.holds = holds

    def reset(self) -> None:
        self._queue = np.zeros((1, 0), np.float32)
        self._calls = 0

    def process(self, audio, sample_rate, buffer_size=8192, reset=True):
        if reset:
            self.reset()
        self._queue = np.concatenate([self._queue, audio], axis=1)
        self._calls += 1
        keep = sum(self.holds[: self._calls])
        out, self._queue = self._queue[:, : self._queue.shape[1] - keep], self._queue[:, self._queue.shape[1] - keep :]
        return out


def blocks_of(audio: np.ndarray, size: int) -> list[np.ndarray]:
    return [audio[:, i : i + size] for i in range(0, audio.shape[1], size)]


def test_a_chain_whose_latency_grows_while_streaming_is_still_aligned() -> None:
    audio = guitarish(0.5)
    chain = Chain([HoldBack([300, 200, 0, 100])])
    latencies = []
    out = []
    for block in render_aligned(chain, blocks_of(audio, 1000), 48000, 1, tail_frames=250):
        out.append(block)
        latencies.append(chain.latency_samples)
    out = np.concatenate(out, axis=1)
    assert latencies[:4] == [300, 500, 500, 600]  # it did grow after output had been written
    assert out.shape == (1, audio.shape[1] + 250)
    np.testing.assert_array_equal(out[:, : audio.shape[1]], audio)
    np.testing.assert_array_equal(out[:, audio.shape[1] :], 0)


def test_an_empty_stream_gives_just_the_tail() -> None:
    chain = Chain([HoldBack([30])])
    out = np.concatenate(list(render_aligned(chain, [], 48000, 1, tail_frames=100)), axis=1)
    np.testing.assert_array_equal(out, np.zeros((1, 100)))


@pytest.mark.parametrize(("from_rate", "to_rate"), [(48000, 44100), (44100, 48000), (96000, 48000)])
def test_chunked_resampling_equals_one_pass_and_has_the_rounded_length(from_rate: int, to_rate: int) -> None:
    audio = guitarish(0.3, from_rate, channels=2)
    chunked = np.concatenate(list(resample_blocks(blocks_of(audio, 4097), from_rate, to_rate, 2)), axis=1)
    whole = StreamResampler(from_rate, to_rate, 2)
    reference = np.concatenate([whole.process(audio), whole.process()], axis=1)
    assert chunked.shape == (2, round(audio.shape[1] * to_rate / from_rate))
    n = min(chunked.shape[1], reference.shape[1])
    np.testing.assert_allclose(chunked[:, :n], reference[:, :n], atol=1e-6)
    # Aligned: a click in the input lands at the same time in the output.
    click = np.zeros((1, from_rate // 10), np.float32)
    click[0, from_rate // 20] = 1.0
    moved = np.concatenate(list(resample_blocks(blocks_of(click, 1000), from_rate, to_rate, 1)), axis=1)
    assert abs(int(np.argmax(moved[0])) - to_rate // 20) <= 1
