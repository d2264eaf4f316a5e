"""Through a real JACK server: a model that outputs NaN/Inf is silenced and flagged; +20 dB stays ≤ 0 dBFS."""

import numpy as np
from jack_fixtures import JackTester, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, overflowing_preset, tiny_chain

from neuralfx import Chain, NeuralPedal


def test_a_model_producing_nan_yields_silence_and_the_flag(jack, tmp_path):  # noqa: F811
    preset = overflowing_preset(tmp_path / "overflow.nfx")
    with running_engine(chain_dict=Chain([NeuralPedal(preset)]).to_dict()) as engine:
        recorded = JackTester(guitar_like(0.5)).wait()
        meters = engine.meters()
    assert not recorded.any()
    assert meters.non_finite > 0


def test_a_signal_20_db_over_full_scale_never_exceeds_0_dbfs(jack):  # noqa: F811
    with running_engine(chain_dict=tiny_chain(output_gain_db=20.0).to_dict()) as engine:
        recorded = JackTester(guitar_like(0.5, amplitude=10.0)).wait()
        meters = engine.meters()
    assert np.abs(recorded).max() == 1.0
    assert meters.clipped > 0 and meters.output_peak_db == 0.0
