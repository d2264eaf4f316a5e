"""MIDI maps as plain dicts (saved with the settings): round trip and clear errors."""

import json

import pytest

from neuralfx.midi import Binding, MidiMap


def test_round_trip_through_json():
    mapping = MidiMap(
        [
            Binding("toggle_bypass", momentary=True, control=80),
            Binding("select_preset"),
            Binding("select_preset", program=3, slot=0),
            Binding("set_parameter", control=7, parameter="output_gain_db", minimum=-12.0, maximum=3.0),
            Binding("next_preset", program=100),
        ],
        channel=9,
    )
    restored = MidiMap.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert restored == mapping
    assert restored.to_dict()["bindings"][0] == {"command": "toggle_bypass", "control": 80, "momentary": True}


def test_a_version_1_map_reads_its_action_names_as_commands():
    old = {
        "format": "neuralfx.midi_map",
        "format_version": 1,
        "channel": None,
        "bindings": [
            {"action": "bypass_toggle", "control": 102},
            {"action": "bypass_momentary", "control": 80},
            {"action": "bypass_absolute", "control": 81},
            {"action": "preset", "program": 3, "slot": 0},
            {"action": "parameter", "control": 7, "parameter": "mix"},
            {"action": "next_preset", "control": 20},
        ],
    }
    assert MidiMap.from_dict(old).bindings == [
        Binding("toggle_bypass", control=102),
        Binding("toggle_bypass", control=80, momentary=True),
        Binding("set_bypass", control=81),
        Binding("select_preset", program=3, slot=0),
        Binding("set_parameter", control=7, parameter="mix"),
        Binding("next_preset", control=20),
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"bindings": []}, "not a neuralfx MIDI map"),
        ({"format": "neuralfx.midi_map", "format_version": 4, "bindings": []}, "format_version"),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": {}}, '"bindings" must be a list'),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": [{"command": "x"}]}, "binding 0"),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": [{"command": "stop"}]}, "cannot send 'stop'"),
        ({"format": "neuralfx.midi_map", "format_version": 1, "bindings": [{"action": "x"}]}, "binding 0"),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": [{"control": 3}]}, "needs a"),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": [{"action": "preset"}]}, "'action'"),
        (
            {"format": "neuralfx.midi_map", "format_version": 2, "bindings": [{"command": "select_preset", "knob": 1}]},
            "unknown binding field 'knob'",
        ),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": [], "channel": 16}, "channel"),
    ],
)
def test_malformed_maps_name_the_problem(data, problem):
    with pytest.raises(ValueError, match=problem) as error:
        MidiMap.from_dict(data, source="map.json")
    assert str(error.value).startswith("map.json: ")
