"""The engine says once, when a preset starts to play, what its MIDI map asks of it that it cannot do
(a CC bound to a knob the preset lacks), and says it again only when that changes."""

import time

from conftest import TINY_PRESET, knob_preset
from jack_fixtures import jack, running_engine, wait_until_loaded  # noqa: F401  (jack is a fixture)

from neuralfx.midi import Binding, MidiMap

MAP = MidiMap([Binding("set_parameter", control=21, parameter="drive"), Binding("toggle_bypass", control=102)])


def errors_after_load(engine, preset) -> list[str]:
    engine.load_preset(preset)
    deadline, errors = time.monotonic() + 10, []
    while time.monotonic() < deadline:
        errors += [event.message for event in engine.poll(0.05) if event.kind == "error"]
        if not engine.state.loading:
            break
    time.sleep(0.3)  # anything later would have come by now
    return errors + [event.message for event in engine.poll() if event.kind == "error"]


def test_a_knob_the_preset_lacks_is_reported_once(jack, tmp_path):  # noqa: F811
    knobs = knob_preset(tmp_path / "knobs.nfx")
    with running_engine(presets=[str(knobs)], midi_map=MAP.to_dict()) as engine:
        wait_until_loaded(engine)
        assert errors_after_load(engine, TINY_PRESET) == [
            "MIDI: CC 21 sweeps drive, which tiny test does not have (no knobs): it does nothing"
        ]
        assert errors_after_load(engine, TINY_PRESET) == []  # said once
        assert errors_after_load(engine, knobs) == []
        assert len(errors_after_load(engine, TINY_PRESET)) == 1  # changed back: said again
