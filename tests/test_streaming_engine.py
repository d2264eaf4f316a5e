"""The numpy streaming engine equals the torch reference's whole-signal forward pass."""

import numpy as np
import pytest
import torch
from conftest import ODD_BLOCKS, random_weights, stream, varying_blocks

from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx_training.model import PedalNet

CONFIGS = {
    "pedalnet-24x16": PedalNetConfig(),
    "k2-dilated": PedalNetConfig(channels=5, kernel_size=2, dilations=(1, 2, 4, 8, 16)),
    "k5-odd-dilations": PedalNetConfig(channels=3, kernel_size=5, dilations=(1, 3, 9, 27)),
    "one-layer": PedalNetConfig(channels=2, kernel_size=3, dilations=(1,)),
    "kernel-1": PedalNetConfig(channels=4, kernel_size=1, dilations=(1, 1)),
}


def reference(config: PedalNetConfig, weights: dict, x: np.ndarray) -> np.ndarray:
    model = PedalNet.from_weights(config, weights)
    with torch.no_grad():
        return model.forward_causal(torch.from_numpy(x)[None])[0].numpy()


def unit_scale_weights(config: PedalNetConfig, seed: int) -> dict:
    """Torch's default init: the output of a unit-scale input is unit scale too."""
    torch.manual_seed(seed)
    return PedalNet(config).to_weights()


@pytest.mark.parametrize("name", CONFIGS)
def test_stream_equals_torch_reference_for_any_block_sizes(name):
    config = CONFIGS[name]
    weights = unit_scale_weights(config, seed=len(name))
    x = np.random.default_rng(1).uniform(-1, 1, 20_000).astype(np.float32)
    expected = reference(config, weights, x)
    assert 0.05 < np.abs(expected).max() < 5  # unit scale, so 1e-5 is a meaningful bound

    engine = PedalNetModel(config, weights).stream()
    whole = engine.process(x)
    assert np.abs(whole - expected).max() <= 1e-5

    for blocks in ([64] * (len(x) // 64) + [len(x) % 64], varying_blocks(len(x), seed=2)):
        engine.reset()
        assert np.abs(stream(lambda a, reset: engine.process(a), x, blocks) - expected).max() <= 1e-5


@pytest.mark.parametrize("block", ODD_BLOCKS)
def test_constant_block_sizes(block):
    config = CONFIGS["k2-dilated"]
    weights = unit_scale_weights(config, seed=3)
    x = np.random.default_rng(4).uniform(-1, 1, 9000).astype(np.float32)
    engine = PedalNetModel(config, weights).stream()
    blocks = [block] * (len(x) // block) + ([len(x) % block] if len(x) % block else [])
    out = stream(lambda a, reset: engine.process(a), x, blocks)
    assert np.abs(out - reference(config, weights, x)).max() <= 1e-5


def test_extreme_block_sizes_one_and_65536():
    config = CONFIGS["one-layer"]
    weights = random_weights(config, seed=5)
    x = np.random.default_rng(6).uniform(-1, 1, 70_000).astype(np.float32)
    expected = reference(config, weights, x)
    engine = PedalNetModel(config, weights).stream()
    blocks = [65536] + [1] * 1000 + [len(x) - 66536]
    assert np.abs(stream(lambda a, reset: engine.process(a), x, blocks) - expected).max() <= 1e-5


def test_silence_before_time_zero_and_reset():
    """Reset means 'silence forever before t = 0': output of silence is the steady state."""
    config = CONFIGS["k2-dilated"]
    weights = unit_scale_weights(config, seed=7)
    engine = PedalNetModel(config, weights).stream()
    x = np.random.default_rng(8).uniform(-1, 1, 3000).astype(np.float32)
    first = engine.process(x)
    engine.process(np.ones(500, np.float32))  # disturb the state
    engine.reset()
    np.testing.assert_array_equal(engine.process(x), first)
    engine.reset()
    steady = engine.process(np.zeros(100, np.float32))
    assert np.ptp(steady) < 1e-6  # a constant: the network's response to silence
    engine.process(x)
    tail = engine.process(np.zeros(2000, np.float32))  # x leaves the receptive field
    assert np.abs(tail[config.receptive_field :] - steady[0]).max() < 1e-6


def test_output_argument_and_empty_block():
    config = CONFIGS["one-layer"]
    engine = PedalNetModel(config, random_weights(config, seed=9)).stream()
    out = np.full(10, np.nan, np.float32)
    result = engine.process(np.zeros(10, np.float32), out)
    assert result is out and np.isfinite(out).all()
    assert engine.process(np.zeros(0, np.float32)).shape == (0,)


def test_steady_state_allocates_nothing_per_block():
    """After the first few blocks every call reuses its cached plan and buffers."""
    import tracemalloc

    config = CONFIGS["pedalnet-24x16"]
    engine = PedalNetModel(config, random_weights(config, seed=10)).stream()
    x = np.random.default_rng(11).uniform(-1, 1, 64).astype(np.float32)
    out = np.empty(64, np.float32)
    for _ in range(200):  # visit every buffer position once
        engine.process(x, out)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(200):
        engine.process(x, out)
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "lineno") if s.size_diff > 0)
    tracemalloc.stop()
    assert grown < 4096  # bytes: bookkeeping noise only, no audio buffers


def test_rejects_wrong_weights():
    config = CONFIGS["one-layer"]
    weights = random_weights(config, seed=12)
    weights["mix.weight"] = weights["mix.weight"][:-1]
    with pytest.raises(ValueError, match="mix.weight"):
        PedalNetModel(config, weights).stream()
