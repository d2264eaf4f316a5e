"""A NeuralPedal prepared in small steps (as the live engine does) plays exactly like a fresh one."""

import numpy as np
import pytest
from conftest import TINY_PRESET, guitarish

from neuralfx import NeuralPedal
from neuralfx.pedal import check_parameter


def play(pedal, x, sample_rate, block, changes, first_reset):
    blocks = []
    for i, start in enumerate(range(0, x.shape[1], block)):
        for name, value in changes.get(i, {}).items():
            setattr(pedal, name, value)
        blocks.append(pedal.process(x[:, start : start + block], sample_rate, reset=first_reset and start == 0))
    return np.concatenate(blocks, axis=1)


@pytest.mark.parametrize("sample_rate", [48000, 44100])
def test_settled_in_steps_equals_fresh(sample_rate):
    x = guitarish(0.5, sample_rate=sample_rate, seed=3)
    parameters = {"input_gain_db": 3.0, "output_gain_db": -6.0, "mix": 0.8}
    changes = {20: {"mix": 0.3, "bypass": True}, 60: {"output_gain_db": -12.0, "bypass": False}}

    sliced = NeuralPedal.from_preset(TINY_PRESET, **parameters)
    sliced.prepare(sample_rate, channels=1, settle=False)
    steps = sum(1 for _ in sliced.settle_steps(128))
    assert steps > 10  # spread over many small steps, not one long call
    fresh = NeuralPedal.from_preset(TINY_PRESET, **parameters)

    expected = play(fresh, x, sample_rate, 128, changes, first_reset=True)
    # As the engine plays it: straight on, no reset (which would settle it again in one call).
    np.testing.assert_allclose(play(sliced, x, sample_rate, 128, changes, first_reset=False), expected, atol=1e-6)
    assert sliced.latency_samples == fresh.latency_samples
    assert (sliced.latency_samples > 0) == (sample_rate != 48000)


def test_unsettled_pedal_differs_until_settled():
    """settle=False really skips the settling: the first output is not yet the fresh one."""
    x = guitarish(0.1, seed=4)
    pedal = NeuralPedal.from_preset(TINY_PRESET)
    pedal.prepare(48000, settle=False)
    unsettled = pedal.process(x, 48000, reset=False)
    assert np.abs(unsettled - NeuralPedal.from_preset(TINY_PRESET)(x, 48000)).max() > 1e-3


def test_clone_shares_the_preset_not_the_state():
    pedal = NeuralPedal.from_preset(TINY_PRESET, mix=0.5, output_gain_db=-3, crossfade_ms=5)
    x = guitarish(0.2, seed=5)
    pedal(x, 48000)
    twin = pedal.clone()
    assert twin.preset is pedal.preset and twin is not pedal
    assert (twin.mix, twin.output_gain_db, twin.crossfade_ms) == (0.5, -3.0, 5.0)
    assert twin.latency_samples == 0  # no stream yet
    np.testing.assert_array_equal(twin(x, 48000), pedal(x, 48000))


def test_parameters_are_checked():
    assert check_parameter("mix", np.float32(0.25)) == 0.25
    assert check_parameter("bypass", 1) is True
    with pytest.raises(ValueError, match="mix must be between 0"):
        check_parameter("mix", 1.5)
    with pytest.raises(ValueError, match="no parameter 'drive'"):
        check_parameter("drive", 1.0)
    with pytest.raises(ValueError, match="finite"):
        check_parameter("output_gain_db", float("inf"))
    with pytest.raises(ValueError, match="finite"):
        check_parameter("input_gain_db", "loud")
