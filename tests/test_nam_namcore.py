"""Shapes beyond the shipped goldens, checked against NAM Core's own engine (`namrun`, exact tanh):
NAM's lite/feather/nano presets, gated layers, several arrays, A2 keys, a post-stack head, other
activations, grouped convolutions, containers, LSTMs and Linear models, with random weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import guitarish, varying_blocks
from nam_helpers import (
    A1_PRESETS,
    TINY_WAVENETS,
    a1_array,
    lstm_config,
    lstm_weight_total,
    namrun_render,
    random_weights,
    require_namrun,
    wavenet_config,
    write_nam,
)

from neuralfx.nam.fields import Node
from neuralfx.nam.wavenet import parse_wavenet_config
from neuralfx.preset import load_preset

TOLERANCE = 2e-5

GROUPED = a1_array(1, 8, 1, [1, 2, 4], head_bias=True) | {
    "bottleneck": 8,
    "groups_input": 4,
    "layer1x1": {"active": True, "groups": 8},
    "head1x1": {"active": True, "out_channels": 2, "groups": 2},
    "head": {"out_channels": 1, "kernel_size": 3, "bias": True, "head_dilation": 2},
}
GROUPED.pop("head_size")
GROUPED.pop("head_bias")
WAVENETS = {
    **{f"a1_{name}": wavenet_config(arrays) for name, arrays in A1_PRESETS.items()},
    **TINY_WAVENETS,
    "grouped": wavenet_config([GROUPED]),
}


@pytest.fixture(scope="module")
def signal():
    require_namrun()
    return guitarish(0.4, seed=3)[0]


def _compare(path, x, tmp_path, slim=None, blocks=None):
    stream = load_preset(path).model.stream()
    if slim is not None:
        stream.set_parameter("model_size", slim)
        stream.reset()
    parts = np.split(x, np.cumsum(blocks)[:-1]) if blocks else [x]
    ours = np.concatenate([stream.process(part) for part in parts])
    theirs = namrun_render(path, x, tmp_path, block=64, slim=slim)
    assert np.abs(theirs).max() > 1e-3
    assert np.abs(ours - theirs).max() <= TOLERANCE * max(1.0, np.abs(theirs).max())


@pytest.mark.parametrize("name", sorted(WAVENETS))
def test_wavenets_match_nam_core(tmp_path, signal, name):
    config = WAVENETS[name]
    count = parse_wavenet_config(Node(config, "config")).weight_count()
    path = write_nam(tmp_path / f"{name}.nam", "WaveNet", config, random_weights(count, 11, 0.3), version="0.7.0")
    _compare(path, signal, tmp_path, blocks=varying_blocks(signal.size, seed=4))


@pytest.mark.parametrize(("layers", "hidden"), [(1, 3), (2, 8), (1, 24)])
def test_lstms_match_nam_core(tmp_path, signal, layers, hidden):
    weights = random_weights(lstm_weight_total(layers, hidden), 12, 0.4)
    path = write_nam(tmp_path / "lstm.nam", "LSTM", lstm_config(layers, hidden), weights)
    _compare(path, signal, tmp_path, blocks=varying_blocks(signal.size, seed=5))


@pytest.mark.parametrize(("taps", "bias"), [(1, True), (7, False), (300, True)])
def test_linear_models_match_nam_core(tmp_path, signal, taps, bias):
    weights = random_weights(taps + bias, 13, 0.2)
    path = write_nam(tmp_path / "lin.nam", "Linear", {"receptive_field": taps, "bias": bias}, weights)
    _compare(path, signal, tmp_path)


def test_containers_match_nam_core_at_each_size(tmp_path, signal):
    submodels = []
    for i, (max_value, config) in enumerate(
        [(0.3, TINY_WAVENETS["nano"]), (1.0, wavenet_config(A1_PRESETS["feather"]))]
    ):
        count = parse_wavenet_config(Node(config, "config")).weight_count()
        model = {"version": "0.7.0", "architecture": "WaveNet", "config": config, "sample_rate": 48000}
        model["weights"] = random_weights(count, 20 + i, 0.3).tolist()
        submodels.append({"max_value": max_value, "model": model})
    document = {"version": "0.7.0", "architecture": "SlimmableContainer", "config": {"submodels": submodels}}
    path = tmp_path / "container.nam"
    path.write_text(json.dumps(document | {"weights": [], "sample_rate": 48000.0}))
    for size in (0.0, 0.29, 0.3, 1.0):
        _compare(path, signal, tmp_path, slim=size)
