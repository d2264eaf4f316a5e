"""Through a real JACK server: a CC102 on a JACK MIDI port flips the output to dry within one crossfade."""

import numpy as np
from jack_fixtures import ENGINE_CLIENT, JackTester, find_lag, jack, running_engine  # noqa: F401
from live_helpers import guitar_like, tiny_chain

FADE_MS = 10.0


def test_cc102_bypasses_with_a_crossfade(jack):  # noqa: F811
    rate = jack.sample_rate
    x = guitar_like(2.0)
    press = rate  # sample index at which the footswitch is pressed
    with running_engine(chain_dict=tiny_chain().to_dict(), midi_virtual_port="midi_in") as engine:
        assert engine.state.midi_ports == (f"{ENGINE_CLIENT}:midi_in",)
        tester = JackTester(
            x, midi_events=[(press, bytes([0xB0, 102, 127]))], midi_destination=engine.state.midi_ports[0]
        )
        recorded = tester.wait()
        engine.poll()
        assert engine.state.bypassed
    wet = tiny_chain()(x, rate)
    lag = find_lag(recorded, wet, max_lag=4 * jack.period)
    out = recorded[lag : lag + x.size]

    start = int(np.argmax(np.abs(out - wet) > 1e-4))  # the fade's first sample
    assert press <= start < press + 0.05 * rate, "the MIDI message took longer than 50 ms to act"
    fade = round(FADE_MS * 1e-3 * rate)
    np.testing.assert_allclose(out[:start], wet[:start], atol=1e-4)
    np.testing.assert_allclose(out[start + fade :], x[start + fade :], atol=1e-6)  # dry after one crossfade
    around = slice(start - 1, start + fade + 1)
    largest_step = max(np.abs(np.diff(wet[around])).max(), np.abs(np.diff(x[around])).max())
    assert np.abs(np.diff(out[around])).max() <= largest_step + np.abs(wet - x)[around].max() / fade + 1e-4
