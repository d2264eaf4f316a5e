"""How long a pre-roll joins a split render: bounded memories add up on the render's block grid (or a
resampler's period); memoryless plugins need none; effects whose memory never ends split only with a
tolerance, and then their segments join within it; effects that vary with time never split."""

import math
from pathlib import Path

import numpy as np
import pedalboard
import pytest
import soundfile as sf
from conftest import guitarish, make_preset
from scipy.signal import lfilter

from neuralfx import Chain, NeuralPedal
from neuralfx.preset import Preset, PresetMetadata
from neuralfx.reamp.memory import MEMORYLESS, Preroll, preroll, settle_frames
from neuralfx.reamp.render import CHUNK_FRAMES, RenderSettings, render_aligned
from neuralfx.reamp.segments import plan_segments, render_segment


class OnePole:
    """A recurrent model, y[n] = a·y[n−1] + (1 − a)·x[n]: its memory fades but never ends."""

    architecture = "one-pole"
    memory_samples = None
    settle_samples = 0
    multiply_adds = 2
    num_parameters = 1
    parameters = ()

    def __init__(self, a: float) -> None:
        self.a = a

    def stream(self, settle: bool = True) -> "OnePoleStream":
        return OnePoleStream(self.a)

    def describe(self) -> dict:
        return {"architecture": self.architecture, "a": self.a}


class OnePoleStream:
    cycle_samples = 0

    def __init__(self, a: float) -> None:
        self.a = a
        self.reset()

    def reset(self, settle: bool = True) -> None:
        self.state = np.zeros(1)

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y, self.state = lfilter([1 - self.a], [1, -self.a], x, zi=self.state)
        if out is None:
            return y.astype(np.float32)
        out[:] = y
        return out

    def set_parameter(self, name: str, value: float) -> None:
        raise ValueError(name)


def one_pole(a: float = 0.999) -> NeuralPedal:
    return NeuralPedal(Preset(OnePole(a), 48000, PresetMetadata(name="one-pole")))


def test_bounded_memories_add_up_on_the_block_grid_or_a_resamplers_period() -> None:
    preset = make_preset()
    pedal = NeuralPedal(preset)
    pedal(np.zeros(1, np.float32), 44100)
    at_44k = pedal.memory_samples
    assert at_44k > preset.model.memory_samples  # the resamplers' memory too

    assert preroll(lambda: NeuralPedal(preset), 48000, 1) == preroll(lambda: NeuralPedal(preset), 48000, 2)
    assert preroll(lambda: NeuralPedal(preset), 48000, 1).frames == CHUNK_FRAMES  # one grid step covers its 30 samples
    assert preroll(lambda: NeuralPedal(preset), 96000, 1).grid == CHUNK_FRAMES  # period 2 divides the block

    two = preroll(
        lambda: Chain([pedalboard.Gain(3), NeuralPedal(preset), pedalboard.Clipping(-3), NeuralPedal(preset)]), 44100, 1
    )
    assert (two.grid, two.exact) == (147, True)  # 44.1 kHz / gcd(44.1, 48 kHz)
    assert two.frames == math.ceil(2 * at_44k / 147) * 147


def test_memoryless_plugins_need_no_preroll() -> None:
    plugins = [
        pedalboard.Gain(6),
        pedalboard.Clipping(-6),
        pedalboard.Distortion(20),
        pedalboard.Invert(),
        pedalboard.Bitcrush(6),
    ]
    assert {type(p) for p in plugins} == set(MEMORYLESS)
    assert preroll(lambda: Chain(plugins), 48000, 2).frames == 0
    audio = guitarish(1.0, channels=2) * 3
    for plugin in plugins:  # what "memoryless" promises: a stream begun anywhere agrees at once
        whole = Chain([plugin])(audio, 48000)
        assert np.array_equal(Chain([plugin])(audio[:, 1001:], 48000), whole[:, 1001:]), plugin


@pytest.mark.parametrize(
    "effect", [pedalboard.Chorus(), pedalboard.Phaser(), pedalboard.Resample(8000)], ids=lambda e: type(e).__name__
)
def test_effects_that_vary_with_time_or_hide_their_memory_render_whole(effect) -> None:
    found = preroll(lambda: Chain([NeuralPedal(make_preset()), effect]), 48000, 1, tolerance=1e-2)
    assert found.frames is None
    assert found.reason == f"{type(effect).__name__} may change with time or hide its memory"


def test_a_memory_that_never_ends_splits_only_with_a_tolerance() -> None:
    found = preroll(lambda: Chain([pedalboard.HighpassFilter(80), one_pole()]), 48000, 1)
    assert found.frames is None
    assert (
        found.reason == "the memory of HighpassFilter, one-pole (recurrent) never ends exactly (--tolerance splits it)"
    )

    def reverb(room_size: float) -> Preroll:
        return preroll(lambda: Chain([pedalboard.Reverb(room_size=room_size, damping=0.0)]), 48000, 1, 1e-4)

    assert reverb(0.99).frames > reverb(0.5).frames > 0

    # The one-pole's burst fades as a^t from at most 1.0: within 1e-4 after at most ln(1e-4)/ln(a).
    settle = settle_frames((one_pole(), one_pole()), 48000, 1, 1e-4)
    assert 0 < settle <= math.log(1e-4) / math.log(0.999)
    found = preroll(one_pole, 48000, 1, 1e-4)
    assert (found.frames, found.exact) == (math.ceil(2 * settle / CHUNK_FRAMES) * CHUNK_FRAMES, False)


@pytest.mark.parametrize(
    "load",
    [
        lambda: one_pole(0.99995),  # settles in seconds: more than one grid step of pre-roll
        lambda: Chain(
            [
                pedalboard.Compressor(threshold_db=-24, ratio=4, attack_ms=2, release_ms=200),
                NeuralPedal(make_preset(seed=6)),
                pedalboard.Reverb(room_size=0.4, wet_level=0.3),
                pedalboard.Delay(delay_seconds=0.25, feedback=0.4, mix=0.3),
            ]
        ),
    ],
    ids=["one-pole", "compressor-pedal-reverb-delay"],
)
def test_with_a_tolerance_the_joined_segments_stay_within_it(load, tmp_path: Path) -> None:
    tolerance = 1e-4
    audio = guitarish(14.0, channels=2, seed=3)
    path = tmp_path / "take.wav"
    sf.write(path, audio.T, 48000, subtype="FLOAT")
    blocks = [audio[:, i : i + CHUNK_FRAMES] for i in range(0, audio.shape[1], CHUNK_FRAMES)]  # as render_file reads
    whole = np.concatenate(list(render_aligned(load(), blocks, 48000, 2)), axis=1)

    found = preroll(load, 48000, 2, tolerance)
    segments = plan_segments(audio.shape[1], 2 * 48000, found)
    assert len(segments) >= 2
    joined = []
    for i, segment in enumerate(segments):
        scratch = tmp_path / f"part{i}.w64"
        render_segment(load(), path, segment, RenderSettings(), scratch)
        joined.append(sf.read(scratch, dtype="float32")[0].T.reshape(2, -1))
    difference = np.abs(np.concatenate(joined, axis=1) - whole).max()
    assert difference <= tolerance
