"""A CC can sweep a pedal's own controls (a knob such as drive, a NAM size): over the playing pedal's
range unless the binding gives one, checked when the map is read and again against the pedal."""

import json

import pytest

from neuralfx.midi import Action, Binding, MidiMap, MidiMessage
from neuralfx.models import ModelParameter

DRIVE = ModelParameter("drive", 0.0, 10.0, 5.0)
TONE = ModelParameter("tone", -1.0, 1.0, 0.0)
SIZE = ModelParameter("model_size", 0.0, 1.0, 0.0, glides=False)


def cc(number, value):
    return MidiMessage("control_change", 0, number, value)


def test_a_cc_sweeps_the_playing_pedals_knob_over_its_range():
    mapping = MidiMap([Binding("set_parameter", control=21, parameter="drive")])
    assert mapping.handle(cc(21, 0), (DRIVE, TONE)) == [Action("set_parameter", ("drive", 0.0))]
    assert mapping.handle(cc(21, 127), (DRIVE, TONE)) == [Action("set_parameter", ("drive", 10.0))]
    name, value = mapping.handle(cc(21, 64), (TONE, DRIVE))[0].args
    assert name == "drive" and value == pytest.approx(10.0 * 64 / 127)
    assert mapping.handle(cc(21, 64), (TONE,)) == []  # a pedal without drive: the CC does nothing
    assert mapping.handle(cc(21, 64)) == []


def test_a_binding_may_sweep_part_of_a_knob_backwards_and_stops_at_its_ends():
    mapping = MidiMap([Binding("set_parameter", control=4, parameter="drive", minimum=8.0, maximum=2.0)])
    assert mapping.handle(cc(4, 0), (DRIVE,)) == [Action("set_parameter", ("drive", 8.0))]
    assert mapping.handle(cc(4, 127), (DRIVE,)) == [Action("set_parameter", ("drive", 2.0))]
    wide = MidiMap([Binding("set_parameter", control=4, parameter="drive", minimum=-5.0, maximum=15.0)])
    assert wide.handle(cc(4, 0), (DRIVE,)) == [Action("set_parameter", ("drive", 0.0))]
    assert wide.handle(cc(4, 127), (DRIVE,)) == [Action("set_parameter", ("drive", 10.0))]
    assert wide.problems_with((DRIVE,), "ts9") == [
        "CC 4 sweeps drive from -5 to 15, beyond ts9's 0 to 10: it stops at the ends"
    ]


def test_problems_name_the_knobs_the_pedal_lacks():
    mapping = MidiMap(
        [
            Binding("set_parameter", control=21, parameter="drive"),
            Binding("set_parameter", control=22, parameter="model_size"),
            Binding("set_parameter", control=7, parameter="mix"),  # every pedal has mix
        ]
    )
    assert mapping.problems_with((DRIVE, TONE), "ts9") == [
        "CC 22 sweeps model_size, which ts9 does not have (drive, tone): it does nothing"
    ]
    assert mapping.problems_with((), "tiny") == [
        "CC 21 sweeps drive, which tiny does not have (no knobs): it does nothing",
        "CC 22 sweeps model_size, which tiny does not have (no knobs): it does nothing",
    ]
    assert mapping.problems_with((DRIVE, SIZE)) == []


def test_a_knob_binding_round_trips_without_a_range_and_version_2_maps_still_read():
    mapping = MidiMap(
        [
            Binding("set_parameter", control=21, parameter="drive"),
            Binding("set_parameter", control=22, parameter="tone", minimum=0.0, maximum=0.5),
        ]
    )
    data = json.loads(json.dumps(mapping.to_dict()))
    assert data["format_version"] == 3
    assert data["bindings"][0] == {"command": "set_parameter", "control": 21, "parameter": "drive"}
    assert MidiMap.from_dict(data) == mapping
    version_2 = {
        "format": "neuralfx.midi_map",
        "format_version": 2,
        "channel": None,
        "bindings": [{"command": "set_parameter", "control": 7, "parameter": "mix", "minimum": 0.0, "maximum": 1.0}],
    }
    assert MidiMap.from_dict(version_2).bindings == [Binding("set_parameter", control=7, parameter="mix")]


def test_learning_a_knob_keeps_its_role_apart_from_other_knobs():
    mapping = MidiMap([Binding("set_parameter", control=21, parameter="drive")])
    mapping.learn(Binding("set_parameter", parameter="tone"))
    learned, replaced = mapping.learn_from(cc(30, 5))
    assert (learned, replaced) == (Binding("set_parameter", control=30, parameter="tone"), ())
    assert mapping.bindings == [Binding("set_parameter", control=21, parameter="drive"), learned]
    mapping.learn(Binding("set_parameter", parameter="drive"))
    assert mapping.learn_from(cc(31, 5)).replaced == ()  # drive's own old trigger is not another action's
    assert mapping.bindings == [learned, Binding("set_parameter", control=31, parameter="drive")]
