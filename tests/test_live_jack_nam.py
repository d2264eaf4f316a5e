"""Through a real JACK server: the live engine plays a NAM file exactly as NeuralPedal renders it."""

import numpy as np
from jack_fixtures import JackTester, find_lag, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like
from nam_helpers import shared_nam_data

from neuralfx import Chain, NeuralPedal


def test_a_nam_file_plays_live(jack):  # noqa: F811
    path = shared_nam_data() / "a2.nam"
    pedal = NeuralPedal(path, model_size=0.75)  # normalized, as NAM's plugin plays it
    x = guitar_like(1.5)
    x[:2400] = 0.0
    with running_engine(chain_dict=Chain([pedal]).to_dict()) as engine:
        assert engine.state.program_name == "a2"
        recorded = JackTester(x).wait()
    expected = pedal.clone()(x, jack.sample_rate)
    lag = find_lag(recorded[2400:], expected[2400:], max_lag=4 * jack.period)
    np.testing.assert_allclose(recorded[lag : lag + x.size], expected, atol=1e-4)
    assert np.abs(expected).max() > 0.05
