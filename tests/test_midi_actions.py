"""MidiMap.handle: each binding's behaviour, and the channel filter."""

import pytest

from neuralfx.midi import Action, Binding, MidiMap, MidiMessage


def cc(number, value, channel=0):
    return MidiMessage("control_change", channel, number, value)


def pc(program, channel=0):
    return MidiMessage("program_change", channel, program)


TOGGLE = [Action("toggle_bypass")]


def test_default_map_toggles_bypass_on_cc102_and_selects_slots_by_program_change():
    mapping = MidiMap.default()
    assert mapping.handle(cc(102, 127)) == TOGGLE
    assert mapping.handle(cc(102, 0)) == []  # the release of a momentary switch
    assert mapping.handle(cc(103, 127)) == []
    assert mapping.handle(pc(7)) == [Action("select_preset", (7,))]


def test_momentary_flips_on_press_and_back_on_release():
    mapping = MidiMap([Binding("toggle_bypass", momentary=True, control=80)])
    assert mapping.handle(cc(80, 127)) == TOGGLE
    assert mapping.handle(cc(80, 100)) == []  # still held
    assert mapping.handle(cc(80, 0)) == TOGGLE
    assert mapping.handle(cc(80, 0)) == []  # a release without a press


def test_absolute_engages_from_64():
    mapping = MidiMap([Binding("set_bypass", control=85)])
    assert mapping.handle(cc(85, 64)) == [Action("set_bypass", (False,))]
    assert mapping.handle(cc(85, 63)) == [Action("set_bypass", (True,))]


def test_next_and_previous_by_cc_press_or_program_change():
    mapping = MidiMap([Binding("next_preset", control=20), Binding("previous_preset", program=9)])
    assert mapping.handle(cc(20, 127)) == [Action("next_preset")]
    assert mapping.handle(cc(20, 0)) == []
    assert mapping.handle(pc(9)) == [Action("previous_preset")]
    assert mapping.handle(pc(8)) == []


def test_a_specific_program_beats_any_program():
    mapping = MidiMap([Binding("select_preset"), Binding("select_preset", program=7, slot=2)])
    assert mapping.handle(pc(7)) == [Action("select_preset", (2,))]
    assert mapping.handle(pc(6)) == [Action("select_preset", (6,))]


def test_parameter_maps_0_127_onto_its_range():
    mapping = MidiMap(
        [
            Binding("set_parameter", control=7, parameter="mix"),
            Binding("set_parameter", control=11, parameter="output_gain_db", minimum=-30.0, maximum=6.0),
        ]
    )
    assert mapping.handle(cc(7, 0)) == [Action("set_parameter", ("mix", 0.0))]
    assert mapping.handle(cc(7, 127)) == [Action("set_parameter", ("mix", 1.0))]
    name, value = mapping.handle(cc(11, 64))[0].args
    assert name == "output_gain_db" and value == pytest.approx(-30.0 + 36.0 * 64 / 127)
    default = Binding("set_parameter", control=1, parameter="output_gain_db")
    assert (default.minimum, default.maximum) == (-24.0, 12.0)


def test_channel_filter():
    mapping = MidiMap([Binding("toggle_bypass", control=102)], channel=3)
    assert mapping.handle(cc(102, 127, channel=0)) == []
    assert mapping.handle(cc(102, 127, channel=3)) == TOGGLE


@pytest.mark.parametrize(
    "arguments",
    [
        {"command": "bypass"},
        {"command": "stop_recording", "control": 1},
        {"command": "toggle_bypass", "control": 128},
        {"command": "toggle_bypass", "program": 3},
        {"command": "set_bypass", "control": 3, "momentary": True},
        {"command": "select_preset", "control": 3},
        {"command": "next_preset", "control": 1, "program": 1},
        {"command": "set_parameter", "control": 1, "parameter": "bypass"},
        {"command": "set_parameter", "control": 1, "parameter": "output_mode"},
        {"command": "set_parameter", "control": 1, "parameter": "Drive level"},
        {"command": "set_parameter", "control": 1, "parameter": None},
        {"command": "set_parameter", "control": 1, "parameter": "drive", "minimum": 2.0},
        {"command": "set_parameter", "control": 1, "parameter": "drive", "minimum": 0, "maximum": float("inf")},
        {"command": "set_parameter", "control": 1, "parameter": "mix", "minimum": float("nan")},
        {"command": "next_preset", "control": 1, "slot": 2},
    ],
)
def test_invalid_bindings_are_refused(arguments):
    with pytest.raises(ValueError):
        Binding(**arguments)
