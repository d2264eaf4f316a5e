"""Through a real JACK server: no MIDI garbage can silence the footswitch. An unterminated SysEx
(F0 01 02 03 and no F7), random bytes, half messages, stray running-status data and active sensing
arrive as JACK MIDI events, and each CC102 after them still toggles bypass."""

import numpy as np
from jack_fixtures import JackTester, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, tiny_chain

PRESS = bytes([0xB0, 102, 127])


def garbage(rng: np.random.Generator) -> list[bytes]:
    """Events that hold no CC102 press (the random bytes skip 102: with running status, random
    bytes could make a real one)."""
    values = np.setdiff1d(np.arange(256), [102])
    random_events = [bytes(rng.choice(values, rng.integers(1, 12)).tolist()) for _ in range(20)]
    return [
        *random_events,
        bytes([0xB0, 102]),  # half a CC
        bytes([0xF0, 0x01, 0x02, 0x03]),  # a SysEx that never ends (it also cancels running status)
        bytes([102, 127]),  # data bytes with no status before them
        bytes([0xFE]),  # active sensing
        bytes([0xF0, 0x7E]),  # another SysEx left open
    ]


def test_cc102_works_after_any_garbage(jack):  # noqa: F811
    rng = np.random.default_rng(1)
    period = jack.period
    events, expected = [], []
    for press in range(4):
        start = (press * 10 + 2) * period  # each burst in its own cycles, then a press
        events += [(start + i, data) for i, data in enumerate(garbage(rng))]
        events.append((start + 5 * period, PRESS))
        expected.append(press % 2 == 0)  # bypassed after the 1st and 3rd press
    with running_engine(chain_dict=tiny_chain().to_dict(), midi_virtual_port="midi_in") as engine:
        tester = JackTester(guitar_like(1.0), midi_events=events, midi_destination=engine.state.midi_ports[0])
        tester.wait()
        seen = []
        for event in engine.poll(1.0) + engine.poll(0.2):
            if event.state is not None and event.kind == "state" and (not seen or seen[-1] != event.state.bypassed):
                seen.append(event.state.bypassed)
        errors = [event.message for event in engine.poll() if event.kind == "error"]
    assert seen == expected, (seen, errors)
