"""Output safety in the audio path: NaN/Inf become silence and are counted; nothing exceeds 0 dBFS."""

import numpy as np
from live_helpers import guitar_like, overflowing_preset, run_signal_path, tiny_chain

from neuralfx import Chain, NeuralPedal, load_preset
from neuralfx.engine.program import LiveProgram
from neuralfx.engine.signal_path import SignalPath

RATE, BLOCK = 48000, 128


def test_a_model_whose_output_overflows_yields_silence_and_the_flag(tmp_path):
    preset = load_preset(overflowing_preset(tmp_path / "overflow.nfx"))
    assert all(np.isfinite(w).all() for w in preset.model.weights.values())
    signal_path = SignalPath(RATE, crossfade_ms=5)
    signal_path.load(LiveProgram(Chain([NeuralPedal(preset)]), "overflow"))
    with np.errstate(over="ignore", invalid="ignore"):  # the engine's callback ignores them too
        out = run_signal_path(signal_path, guitar_like(0.5), BLOCK)
    assert signal_path.program.name == "overflow"
    assert np.isfinite(out).all()
    assert not out[-RATE // 10 :].any()  # silence once the broken model is in
    assert signal_path.non_finite_total > RATE // 10 // BLOCK


def test_non_finite_input_is_silenced_and_counted():
    x = guitar_like(0.2)
    x[1000], x[5000:5010] = np.nan, np.inf
    signal_path = SignalPath(RATE)
    out = run_signal_path(signal_path, x, BLOCK)
    assert np.isfinite(out).all() and out[1000] == 0 and not out[5000:5010].any()
    assert signal_path.non_finite_total == 2  # two blocks held non-finite samples


def test_a_signal_20_db_over_full_scale_never_exceeds_0_dbfs():
    x = guitar_like(0.5, amplitude=10.0)  # +20 dB over a full-scale guitar
    signal_path = SignalPath(RATE)
    signal_path.load(LiveProgram(tiny_chain(output_gain_db=20.0), "loud"))
    out = run_signal_path(signal_path, x, BLOCK, {200: lambda: signal_path.set_bypass(True)})
    assert np.abs(out).max() == 1.0
    assert signal_path.clipped_samples > 1000
