"""Through a real JACK server: the live engine plays a NAM file exactly as NeuralPedal renders it."""

import numpy as np
from jack_fixtures import JackTester, find_lag, jack, running_engine, wait_until_loaded  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like
from nam_helpers import shared_nam_data

from neuralfx import Chain, NeuralPedal, load_preset


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


def test_every_kind_of_nam_file_reaches_the_engine_process(jack):  # noqa: F811
    """Slots are sent to the engine process pickled: a NAM LSTM (whose model once kept its numba
    module) and an A2 container travel like a .nfx preset."""
    folder = shared_nam_data()
    slots = [str(folder / "lstm.nam"), str(folder / "a2.nam"), str(folder / "wavenet_a1_standard.nam")]
    with running_engine(presets=slots) as engine:
        assert engine.state.presets == ("Test LSTM", "a2", load_preset(slots[2]).name)
        engine.select_preset(0)
        wait_until_loaded(engine)
        assert engine.state.program_name == "Test LSTM" and engine.state.slot == 0
