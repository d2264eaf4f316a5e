"""The NAM engines on tiny .nam files written here: outputs derived by hand or by a plain numpy
reference (whole signal, float64), exact streaming at any block sizes, NAM Core's reset state,
no allocation while streaming, and the accuracy of the engines' own tanh."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest
from conftest import ODD_BLOCKS, guitarish, varying_blocks
from nam_helpers import (
    TINY_WAVENETS,
    a1_array,
    lstm_config,
    lstm_weight_total,
    random_weights,
    reference_lstm,
    reference_wavenet,
    wavenet_config,
    write_nam,
)

from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import parse_wavenet_config
from neuralfx.preset import load_preset


def _stream_blocks(stream, x, blocks):
    out, start = [], 0
    for n in blocks:
        out.append(stream.process(x[start : start + n]).copy())
        start += n
    return np.concatenate(out)


def _input(seconds=0.25, seed=0):
    return guitarish(seconds, seed=seed)[0]


def _wavenet_file(tmp_path, config, seed=0, scale=0.4, name="w.nam"):
    count = parse_wavenet_config(Node(config, "config")).weight_count()
    weights = random_weights(count, seed, scale)
    return write_nam(tmp_path / name, "WaveNet", config, weights, version="0.7.0"), weights


# ---- outputs derived by hand ----


def test_linear_by_hand(tmp_path):
    path = write_nam(tmp_path / "l.nam", "Linear", {"receptive_field": 2, "bias": True}, [1.0, 0.5, 0.25])
    stream = load_preset(path).model.stream()
    x = np.array([1, -1, 2, 0, -3], np.float32)
    np.testing.assert_allclose(stream.process(x), [1.25, -0.25, 1.75, 1.25, -2.75], atol=1e-7)  # 0.25 + x + x[t-1]/2
    np.testing.assert_allclose(stream.process(np.zeros(2, np.float32)), [-1.25, 0.25], atol=1e-7)


def test_one_layer_one_channel_wavenet_by_hand(tmp_path):
    array = a1_array(1, 1, 1, [1], kernel=2, head_bias=False)
    array["activation"] = {"type": "LeakyReLU", "negative_slope": 0.25}
    # rechannel 1; conv taps (oldest first) 0.5, 1.0; conv bias 0.1; mixin 0.5; layer1x1 3, bias 4
    # (the last layer's residual is never heard); head 1; head_scale 2
    weights = [1.0, 0.5, 1.0, 0.1, 0.5, 3.0, 4.0, 1.0, 2.0]
    path = write_nam(tmp_path / "w.nam", "WaveNet", wavenet_config([array]), weights)
    stream = load_preset(path).model.stream()
    x = np.array([1, -1, 2, 0, -3], np.float32)
    z = 0.5 * np.array([0, 1, -1, 2, 0]) + 1.0 * x + 0.1 + 0.5 * x  # conv + bias + mixin
    expected = 2 * np.where(z > 0, z, 0.25 * z)
    np.testing.assert_allclose(stream.process(x), expected, atol=1e-6)
    assert expected.tolist() == pytest.approx([3.2, -0.45, 5.2, 2.2, -2.2])
    np.testing.assert_allclose(stream.process(np.zeros(3, np.float32))[1:], 2 * 0.1, atol=1e-7)  # silence: the bias


# ---- plain numpy references ----


@pytest.mark.parametrize("name", sorted(TINY_WAVENETS))
def test_tiny_wavenets_match_the_numpy_reference_and_stream_exactly(tmp_path, name):
    path, weights = _wavenet_file(tmp_path, TINY_WAVENETS[name])
    model = load_preset(path).model
    x = _input()
    whole = model.stream().process(x)
    reference = reference_wavenet(TINY_WAVENETS[name], weights, x)
    scale = max(np.abs(reference).max(), 1e-3)
    assert np.abs(reference).max() > 1e-3
    assert np.abs(whole - reference).max() <= 2e-5 * max(scale, 1.0)
    for blocks in ([n for n in ODD_BLOCKS if n < x.size], varying_blocks(x.size, seed=1)):
        blocks = blocks if sum(blocks) == x.size else [*blocks, x.size - sum(blocks)]
        assert np.abs(_stream_blocks(model.stream(), x, blocks) - whole).max() <= 1e-5


@pytest.mark.parametrize(("layers", "hidden"), [(1, 3), (2, 4)])
def test_tiny_lstm_matches_the_numpy_reference(tmp_path, layers, hidden):
    config = lstm_config(layers, hidden)
    weights = random_weights(lstm_weight_total(layers, hidden), 3, 0.6)
    model = load_preset(write_nam(tmp_path / "l.nam", "LSTM", config, weights)).model
    x = _input(0.2)
    whole = model.stream().process(x)
    reference = reference_lstm(config, weights, x)
    assert np.abs(reference).max() > 0.05
    assert np.abs(whole - reference).max() <= 2e-6
    assert np.abs(_stream_blocks(model.stream(), x, varying_blocks(x.size, seed=2)) - whole).max() <= 1e-6


# ---- streams ----


def _models(tmp_path):
    wave, _ = _wavenet_file(tmp_path, TINY_WAVENETS["a2_style_layer"], name="wave.nam")
    lstm = write_nam(tmp_path / "l.nam", "LSTM", lstm_config(1, 5), random_weights(lstm_weight_total(1, 5), 4))
    linear = write_nam(tmp_path / "lin.nam", "Linear", {"receptive_field": 40, "bias": True}, random_weights(41, 5))
    return {"wavenet": load_preset(wave).model, "lstm": load_preset(lstm).model, "linear": load_preset(linear).model}


def test_reset_returns_to_nam_cores_prewarmed_state(tmp_path):
    x = _input(0.1)
    for name, model in _models(tmp_path).items():
        stream = model.stream()
        first = stream.process(x).copy()
        stream.process(np.random.default_rng(0).normal(0, 0.5, 3000).astype(np.float32))
        stream.reset()
        np.testing.assert_array_equal(stream.process(x), first, err_msg=name)
        # cleared, then settle_samples of silence: the same state
        stream.reset(settle=False)
        stream.process(np.zeros(model.settle_samples, np.float32))
        assert np.abs(stream.process(x) - first).max() <= 1e-6, name


def test_wavenet_reset_state_is_silence_before_time_zero(tmp_path):
    model = _models(tmp_path)["wavenet"]
    x = _input(0.1)
    padded = np.concatenate([np.zeros(5000, np.float32), x])
    assert np.abs(model.stream(settle=False).process(padded)[5000:] - model.stream().process(x)).max() <= 1e-6


def test_streams_are_independent_channels(tmp_path):
    model = _models(tmp_path)["wavenet"]
    a, b = model.stream(), model.stream()
    x, y = _input(0.05, seed=1), _input(0.05, seed=2)
    out_a = np.concatenate([a.process(x[:100]), a.process(x[100:])])
    b.process(y)
    np.testing.assert_array_equal(out_a, model.stream().process(x))


def test_output_array_is_filled_and_other_inputs_are_converted(tmp_path):
    model = _models(tmp_path)["wavenet"]
    x = _input(0.02)
    expected = model.stream().process(x)
    out = np.empty_like(x)
    assert model.stream().process(x, out) is out
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(model.stream().process(x.astype(np.float64)), expected, atol=1e-7)
    readonly = x.copy()
    readonly.setflags(write=False)
    np.testing.assert_array_equal(model.stream().process(readonly), expected)
    strided = np.empty(2 * x.size, np.float32)[::2]
    model.stream().process(x, strided)
    np.testing.assert_array_equal(strided, expected)
    with pytest.raises(ValueError, match="one channel"):
        model.stream().process(np.zeros((2, 10), np.float32))


def test_no_allocation_while_streaming(tmp_path):
    models = _models(tmp_path)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.3, 4096).astype(np.float32)
    out = np.empty_like(x)
    for name, model in models.items():
        stream = model.stream()
        for _ in range(3):
            stream.process(x, out)
        tracemalloc.start()
        stream.process(x, out)
        baseline = tracemalloc.get_traced_memory()[1]
        for _ in range(30):
            stream.process(x, out)
            stream.process(x[:17], out[:17])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak - baseline <= 512, f"{name}: {peak - baseline} bytes"


def test_engines_are_compiled_when_the_model_is_built(tmp_path):
    _models(tmp_path)
    kernels = sys.modules["neuralfx.nam.kernels"]
    # explicit signatures: compiled (or loaded from numba's cache) at import, never on a block
    assert len(kernels.run_program.signatures) == 1
    assert len(kernels.run_lstm.signatures) == 1


def test_reading_a_nam_file_does_not_import_numba_until_a_model_is_built():
    import subprocess

    code = (
        "import sys, neuralfx, neuralfx.nam, neuralfx.nam.reader, neuralfx.nam.wavenet; "
        "print('numba' in sys.modules, 'neuralfx.nam.kernels' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# ---- the kernels' own arithmetic ----


def test_activation_codes_agree_between_parser_and_kernels():
    from neuralfx.nam import activations, kernels

    for name in ("IDENTITY", "TANH", "FAST_TANH", "HARDTANH", "RELU", "LEAKY_RELU", "SIGMOID", "SILU", "HARDSWISH"):
        assert getattr(activations, name) == getattr(kernels, name)
    assert (activations.LEAKY_HARDTANH, activations.SOFTSIGN) == (kernels.LEAKY_HARDTANH, kernels.SOFTSIGN)


def test_tanh_and_sigmoid_are_as_accurate_as_libm():
    from neuralfx.nam import kernels

    x = np.concatenate(
        [np.linspace(-12, 12, 1_000_001), np.logspace(-30, 1.2, 20_000), -np.logspace(-30, 1.2, 20_000)]
    ).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    y = x.copy()
    kernels.activate(y, 0, y.size, kernels.TANH, 0, 0, 0, 0)
    # At 0 the spacing is a subnormal, which reads 0 when an earlier test's library left denormals flushed.
    ulp = np.maximum(np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64), 2.0**-149)
    assert (np.abs(y - exact) / ulp).max() <= 1.5
    assert np.abs(y).max() <= 1.0
    s = x.copy()
    kernels.activate(s, 0, s.size, kernels.SIGMOID, 0, 0, 0, 0)
    assert np.abs(s - 1 / (1 + np.exp(-x.astype(np.float64)))).max() <= 1.2e-7
