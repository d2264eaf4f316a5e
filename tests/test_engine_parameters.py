"""Parameter changes reach the program on the audio thread, checked first on the caller's."""

import numpy as np
import pedalboard
import pytest
from live_helpers import guitar_like, run_signal_path, tiny_chain

from neuralfx.engine.program import LiveProgram
from neuralfx.engine.signal_path import SignalPath

RATE, BLOCK = 48000, 128


def test_neural_and_plugin_parameters():
    chain = tiny_chain()
    chain.append(pedalboard.Gain(gain_db=0.0))
    program = LiveProgram(chain, "tiny+gain")
    signal_path = SignalPath(RATE)
    signal_path.load(program)
    x = guitar_like(1.0)
    index, value = program.check_parameter(None, "mix", 0.0)
    assert index == 0
    out = run_signal_path(
        signal_path,
        x,
        BLOCK,
        {
            200: lambda: signal_path.set_parameter(index, "mix", value),
            250: lambda: signal_path.set_parameter(1, "gain_db", -6.0),
        },
    )
    after = 250 * BLOCK + 5000
    np.testing.assert_allclose(out[after:], x[after:] * 10 ** (-6 / 20), atol=1e-6)  # dry, 6 dB down
    middle = slice(200 * BLOCK + 2000, 250 * BLOCK)
    np.testing.assert_allclose(out[middle], x[middle], atol=1e-6)


def test_bad_parameters_are_refused_before_they_reach_the_audio_thread():
    chain = tiny_chain()
    chain.append(pedalboard.Gain())
    program = LiveProgram(chain, "tiny+gain")
    with pytest.raises(ValueError, match="mix must be between"):
        program.check_parameter(None, "mix", 2.0)
    with pytest.raises(ValueError, match="has no effect 5"):
        program.check_parameter(5, "mix", 0.5)
    with pytest.raises(ValueError, match="no settable parameter 'is_effect'"):
        program.check_parameter(1, "is_effect", True)
    with pytest.raises(ValueError, match="has no neural pedal"):
        LiveProgram(None, "dry").check_parameter(None, "mix", 0.5)
