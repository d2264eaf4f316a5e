"""LivePedal, built in small steps for the audio thread, sounds exactly like NeuralPedal."""

import numpy as np
import pytest
from live_helpers import TINY, guitar_like

from neuralfx import NeuralPedal, load_preset
from neuralfx.engine.program import LivePedal


def stream(effect, x, sample_rate, block, changes=None):
    blocks = []
    for i, start in enumerate(range(0, x.shape[0], block)):
        for name, value in (changes or {}).get(i, {}).items():
            effect.set(name, value) if isinstance(effect, LivePedal) else setattr(effect, name, value)
        blocks.append(np.array(effect.process(x[None, start : start + block], sample_rate, reset=start == 0)[0]))
    return np.concatenate(blocks)


@pytest.mark.parametrize("sample_rate", [48000, 44100])
def test_live_pedal_equals_neural_pedal(sample_rate):
    preset = load_preset(TINY)
    x = guitar_like(0.5, sample_rate)
    parameters = {"input_gain_db": 3.0, "output_gain_db": -6.0, "mix": 0.8}
    changes = {20: {"mix": 0.3, "bypass": True}, 60: {"output_gain_db": -12.0, "bypass": False}}
    live = LivePedal(preset, **parameters)
    steps = sum(1 for _ in live.build_steps(sample_rate, 128))
    assert steps > 10  # the build is sliced, not one long call
    neural = NeuralPedal(preset, **parameters)
    expected = stream(neural, x, sample_rate, 128, changes)
    np.testing.assert_allclose(stream(live, x, sample_rate, 128, changes), expected, atol=1e-6)
    assert live.latency_samples == neural.latency_samples
    assert (live.latency_samples > 0) == (sample_rate != 48000)


def test_a_live_pedal_must_be_built_first():
    with pytest.raises(RuntimeError, match="build_steps"):
        LivePedal(load_preset(TINY)).process(np.zeros((1, 64), np.float32), 48000)


def test_parameters_are_checked():
    pedal = LivePedal(load_preset(TINY))
    with pytest.raises(ValueError, match="mix must be between 0"):
        pedal.set("mix", 1.5)
    with pytest.raises(ValueError, match="no parameter 'drive'"):
        pedal.set("drive", 1.0)
    with pytest.raises(ValueError, match="finite"):
        pedal.set("output_gain_db", float("inf"))
