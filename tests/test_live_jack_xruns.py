"""Through a real JACK server: a full-size model plays 10 s at 256-frame blocks without an xrun."""

import time

from jack_fixtures import JackTester, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, random_pedalnet_preset

from neuralfx import Chain, NeuralPedal


def test_no_xruns_in_ten_seconds(jack, tmp_path):  # noqa: F811
    preset = random_pedalnet_preset(tmp_path / "pedalnet.nfx")
    with running_engine(chain_dict=Chain([NeuralPedal(preset)]).to_dict()) as engine:
        tester = JackTester(guitar_like(10.5))
        time.sleep(0.5)  # connecting clients reorders JACK's graph: count from after that
        before, tester.xruns = engine.meters(), 0
        started = time.monotonic()
        tester.wait()
        elapsed = time.monotonic() - started
        after = engine.meters()
    assert elapsed >= 9.9
    assert after.callbacks - before.callbacks >= 9.9 * jack.sample_rate / jack.period
    xruns = after.xruns - before.xruns
    assert (xruns, tester.xruns) == (0, 0), f"engine xruns {xruns}, JACK xruns {tester.xruns}"
    assert 0.0 < after.cpu_load < 1.0
