"""NeuralPedal follows pedalboard's effect contract and its own parameter semantics."""

import numpy as np
import pytest
from conftest import TINY_PRESET, guitarish, make_preset, stream, varying_blocks

from neuralfx import NeuralPedal
from neuralfx.models import PedalNetModel
from neuralfx.preset import load_preset

SR = 48000


def model_only(x: np.ndarray) -> np.ndarray:
    """The tiny preset's raw model output for one mono signal."""
    preset = load_preset(TINY_PRESET)
    return preset.model.stream().process(np.asarray(x, np.float32))


@pytest.fixture
def pedal():
    return NeuralPedal.from_preset(TINY_PRESET)


def test_layouts_and_dtypes(pedal):
    x = guitarish(0.5)[0]
    mono = pedal(x, SR)
    assert mono.shape == x.shape and mono.dtype == np.float32
    np.testing.assert_allclose(mono, model_only(x), atol=1e-6)
    as_2d = pedal(x[None, :].astype(np.float64), SR)
    assert as_2d.shape == (1, x.size) and as_2d.dtype == np.float32
    np.testing.assert_array_equal(as_2d[0], mono)


def test_each_channel_has_its_own_state(pedal):
    x = guitarish(0.5, channels=2, seed=3)
    out = stream(pedal.process, x, varying_blocks(x.shape[1], seed=1), sample_rate=SR)
    for c in range(2):
        np.testing.assert_allclose(out[c], model_only(x[c]), atol=1e-6)


def test_stream_equals_whole_signal(pedal):
    x = guitarish(1.0, channels=2, seed=4)
    whole = pedal(x, SR)
    for seed in range(3):
        np.testing.assert_allclose(
            stream(pedal.process, x, varying_blocks(x.shape[1], seed=seed), sample_rate=SR), whole, atol=1e-6
        )


def test_gains_and_mix(pedal):
    x = guitarish(0.3, seed=5)[0]
    pedal.input_gain_db = 6.0
    pedal.output_gain_db = -12.0
    wet = pedal(x, SR)
    np.testing.assert_allclose(wet, model_only(x * 10 ** (6 / 20)) * 10 ** (-12 / 20), atol=1e-6)
    pedal.mix = 0.25
    np.testing.assert_allclose(pedal(x, SR), 0.75 * x + 0.25 * wet, atol=1e-6)
    pedal.mix = 0.0
    np.testing.assert_array_equal(pedal(x, SR), x)


def test_bypass_is_exactly_dry(pedal):
    x = guitarish(0.3, seed=6)
    pedal.bypass = True
    np.testing.assert_array_equal(pedal(x, SR), x)


def test_bypass_crossfades_over_crossfade_ms(pedal):
    pedal.crossfade_ms = 10.0
    x = guitarish(0.5, seed=7)[0]
    wet = pedal(x, SR)
    first = pedal(x[:12000], SR, reset=True)
    pedal.bypass = True
    rest = pedal(x[12000:], SR, reset=False)
    out = np.concatenate([first, rest])
    fade = 480  # 10 ms at 48 kHz
    k = np.arange(1, fade + 1)
    ramp = 1 - k / fade
    np.testing.assert_array_equal(out[:12000], wet[:12000])
    np.testing.assert_allclose(
        out[12000 : 12000 + fade], x[12000 : 12000 + fade] + ramp * (wet - x)[12000 : 12000 + fade], atol=1e-6
    )
    np.testing.assert_array_equal(out[12000 + fade :], x[12000 + fade :])
    # Click-free: no step larger than the signals' own steps plus the fade's share of their gap.
    steps = np.abs(np.diff(out[11990 : 12000 + fade + 10]))
    own = np.maximum(np.abs(np.diff(wet)), np.abs(np.diff(x)))[11990 : 12000 + fade + 9]
    assert np.all(steps <= own + np.abs(wet - x).max() / fade + 1e-6)


def test_gain_changes_glide_without_a_step(pedal):
    x = np.full(9600, 0.5, np.float32)
    before = pedal(x, SR)
    pedal.output_gain_db = -20.0
    after = pedal(x, SR, reset=False)
    steady = before[-1]
    glide = after / steady  # the model output is constant, so this is the gain trajectory
    assert glide[0] == pytest.approx(1 - 0.9 / 960, abs=1e-4)  # 20 ms = 960 samples
    assert np.all(np.diff(glide[:960]) < 0)
    np.testing.assert_allclose(glide[960:], 0.1, rtol=1e-5)


def test_non_finite_input_never_leaves_and_state_recovers(pedal):
    x = guitarish(0.5, seed=8)[0]
    bad = x.copy()
    bad[1000:1010] = np.nan
    bad[2000] = np.inf
    bad[2001] = -np.inf
    out = pedal(bad, SR)
    assert np.isfinite(out).all()
    cleaned = bad.copy()
    cleaned[~np.isfinite(cleaned)] = 0
    np.testing.assert_allclose(out, model_only(cleaned), atol=1e-6)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_a_model_that_overflows_is_silenced(tmp_path):
    preset = make_preset(seed=1)
    weights = preset.model.weights | {"mix.weight": np.full_like(preset.model.weights["mix.weight"], 3e38)}
    preset.model = PedalNetModel(preset.model.config, weights)  # finite weights, but y overflows
    pedal = NeuralPedal(preset)
    out = pedal(guitarish(0.2, seed=9), SR)
    assert np.isfinite(out).all()
    assert pedal.non_finite_blocks == 1
    assert 0 < np.count_nonzero(out == 0.0) < out.size  # the samples that overflowed became silence


def test_other_host_rates_resample_with_reported_latency(pedal):
    x = guitarish(1.0, sample_rate=44100, channels=2, seed=10)
    whole = pedal(x, 44100)
    latency = pedal.latency_samples
    assert whole.shape == x.shape
    assert 40 < latency < 400
    streamed = stream(pedal.process, x, varying_blocks(x.shape[1], seed=2), sample_rate=44100)
    np.testing.assert_allclose(streamed, whole, atol=1e-6)
    pedal.mix = 0.0  # the dry path is delayed to line up with the wet one
    dry = pedal(x, 44100)
    np.testing.assert_array_equal(dry[:, latency:], x[:, :-latency])
    np.testing.assert_array_equal(dry[:, :latency], 0)
    pedal(x, SR)
    assert pedal.latency_samples == 0


def test_resampled_output_matches_the_model_at_its_own_rate(pedal):
    """A 96 kHz host: decimating the output gives back the 48 kHz model's output, delayed."""
    x48 = guitarish(0.5, seed=11)[0]
    x96 = np.repeat(x48, 2).astype(np.float32)  # band-limit is irrelevant at this tolerance
    ref = pedal(x48, SR)
    out = pedal(x96, 96000)
    lag = pedal.latency_samples
    aligned = out[lag::2][:20000]
    error = aligned[1000:] - ref[1000:20000]
    assert np.sum(error**2) / np.sum(ref[1000:20000] ** 2) < 2e-4  # one sample off gives 4e-4


def test_stream_rules_and_bad_input(pedal):
    pedal(np.zeros((2, 100), np.float32), SR)
    with pytest.raises(ValueError, match="reset=True to start a new stream"):
        pedal(np.zeros((1, 100), np.float32), SR, reset=False)
    with pytest.raises(ValueError, match="reset=True"):
        pedal(np.zeros((2, 100), np.float32), 44100, reset=False)
    with pytest.raises(TypeError, match="floating point"):
        pedal(np.zeros(100, np.int16), SR)
    with pytest.raises(ValueError, match="transpose"):
        pedal(np.zeros((1000, 2), np.float32), SR)
    with pytest.raises(ValueError, match="mix must be between 0"):
        pedal.mix = 1.5
    with pytest.raises(ValueError, match="finite"):
        pedal.output_gain_db = float("nan")
    with pytest.raises(ValueError, match="sample_rate"):
        pedal(np.zeros(10, np.float32), 0)


def test_from_preset_by_name(tmp_path, monkeypatch):
    make_preset(seed=2, name="Mine").save(tmp_path / "mine.nfx")
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(tmp_path))
    pedal = NeuralPedal.from_preset("mine", output_gain_db=-3.0)
    assert pedal.preset.name == "Mine" and pedal.output_gain_db == -3.0
    assert "Mine" in repr(pedal)
