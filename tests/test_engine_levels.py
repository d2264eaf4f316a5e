"""The engine's own input gain and output level: before and after the whole program (bypass too),
gliding, kept in the settings and reported in the state; and the input ring a tuner reads."""

import multiprocessing

import numpy as np
import pytest
from jack_fixtures import jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, run_signal_path, tiny_chain

from neuralfx.engine import EngineSettings, LiveEngine
from neuralfx.engine.audio_callback import AudioCallback
from neuralfx.engine.meters import SharedMeters
from neuralfx.engine.program import LiveProgram
from neuralfx.engine.recorder import Recorder
from neuralfx.engine.signal_path import LEVEL_GLIDE_MS, SignalPath

RATE, BLOCK = 48000, 128
GLIDE = round(LEVEL_GLIDE_MS * 1e-3 * RATE)


def gain(db: float) -> float:
    return 10 ** (db / 20)


def test_input_gain_drives_the_program_and_output_level_follows_it_and_the_bypass():
    x = guitar_like(0.5)
    path = SignalPath(RATE, crossfade_ms=10)
    path.load(LiveProgram(tiny_chain(), "tiny"))
    run_signal_path(path, x, BLOCK)  # built and faded in
    path.set_levels(6.0, -10.0)
    run_signal_path(path, np.zeros(GLIDE + BLOCK, np.float32), BLOCK)  # the glides end
    out = run_signal_path(path, x, BLOCK)
    expected = tiny_chain()(x * np.float32(gain(6.0)), RATE) * gain(-10.0)
    # the chain's state carried over from the earlier run: compare after its memory
    np.testing.assert_allclose(out[4800:], np.clip(expected, -1, 1)[4800:], atol=2e-6)
    path.set_bypass(True)
    run_signal_path(path, np.zeros(RATE // 20, np.float32), BLOCK)
    dry = run_signal_path(path, x, BLOCK)
    np.testing.assert_allclose(dry, x * gain(6.0) * gain(-10.0), rtol=1e-5, atol=1e-7)


def test_a_level_change_glides():
    path = SignalPath(RATE)
    ones = np.full(4 * GLIDE, 0.5, np.float32)
    run_signal_path(path, ones, BLOCK)
    path.set_levels(0.0, -6.0)
    out = run_signal_path(path, ones, BLOCK)
    steps = np.abs(np.diff(out))
    assert steps.max() < 0.5 * (1 - gain(-6.0)) / GLIDE * 1.01  # a line, never a jump
    np.testing.assert_allclose(out[GLIDE:], 0.5 * gain(-6.0), rtol=1e-6)


def test_the_input_ring_holds_the_latest_input_before_the_gain():
    meters = SharedMeters(multiprocessing.get_context("spawn"))
    path = SignalPath(RATE)
    path.set_levels(12.0, 0.0)
    callback = AudioCallback(path, meters, Recorder(RATE), RATE)
    x = guitar_like(0.5)
    out = np.zeros((BLOCK, 2), np.float32)
    for start in range(0, x.size - BLOCK + 1, BLOCK):
        callback(x[start : start + BLOCK, None], out, BLOCK, None, None)
    played = x.size // BLOCK * BLOCK
    np.testing.assert_array_equal(meters.input_scope(5000), x[played - 5000 : played])


def test_levels_are_checked_kept_and_reported(jack):  # noqa: F811
    engine = LiveEngine(EngineSettings())
    with pytest.raises(ValueError, match="output_gain_db must be a gain from -120 to \\+120 dB, got nan"):
        engine.set_levels(output_gain_db=float("nan"))
    engine.set_levels(input_gain_db=4.5)
    assert (engine.settings.input_gain_db, engine.settings.output_gain_db) == (4.5, 0.0)
    with running_engine(input_gain_db=-3.0, output_gain_db=-12.0) as engine:
        assert (engine.state.input_gain_db, engine.state.output_gain_db) == (-3.0, -12.0)
        engine.set_levels(output_gain_db=-20.0)
        for _ in range(50):
            engine.poll(0.05)
            if engine.state.output_gain_db == -20.0:
                break
        assert (engine.state.input_gain_db, engine.state.output_gain_db) == (-3.0, -20.0)
        assert engine.settings.output_gain_db == -20.0
