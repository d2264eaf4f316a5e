"""Through a real JACK server: the engine's output is exactly Chain(input), delayed by whole periods."""

import numpy as np
from jack_fixtures import JackTester, find_lag, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, tiny_chain


def test_output_equals_the_chain_after_the_latency(jack):  # noqa: F811
    x = guitar_like(1.5)
    x[:2400] = 0.0  # start in silence, like a guitar that has not played yet
    with running_engine(chain_dict=tiny_chain().to_dict()) as engine:
        assert engine.state.program_name == "tiny test"
        recorded = JackTester(x).wait()
        meters = engine.meters()
    expected = tiny_chain()(x, jack.sample_rate)
    lag = find_lag(recorded[2400:], expected[2400:], max_lag=4 * jack.period)
    assert lag % jack.period == 0 and 0 < lag <= 2 * jack.period  # the program adds nothing: whole JACK cycles
    np.testing.assert_allclose(recorded[lag : lag + x.size], expected, atol=1e-4)
    assert np.abs(expected).max() > 0.3  # a real signal went through
    # The round trip from JACK's port latencies (dummy backend, asynchronous mode): capture one
    # period, playback two; the program adds nothing.
    assert (meters.input_latency_samples, meters.engine_latency_samples) == (jack.period, 0)
    assert meters.output_latency_samples == 2 * jack.period
    assert meters.latency_samples == 3 * jack.period and meters.latency_ms == 16.0
    assert meters.output_peak_db > -20 and meters.non_finite == 0
