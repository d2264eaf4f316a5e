"""MIDI maps as plain dicts (saved with the settings): round trip and clear errors."""

import json

import pytest

from neuralfx.midi import Binding, MidiMap


def test_round_trip_through_json():
    mapping = MidiMap(
        [
            Binding("bypass_momentary", control=80),
            Binding("preset"),
            Binding("preset", program=3, slot=0),
            Binding("parameter", control=7, parameter="output_gain_db", minimum=-12.0, maximum=3.0),
            Binding("next_preset", program=100),
        ],
        channel=9,
    )
    restored = MidiMap.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert restored == mapping
    assert restored.to_dict()["bindings"][0] == {"action": "bypass_momentary", "control": 80}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"bindings": []}, "not a neuralfx MIDI map"),
        ({"format": "neuralfx.midi_map", "format_version": 2, "bindings": []}, "format_version"),
        ({"format": "neuralfx.midi_map", "format_version": 1, "bindings": {}}, '"bindings" must be a list'),
        ({"format": "neuralfx.midi_map", "format_version": 1, "bindings": [{"action": "x"}]}, "binding 0"),
        ({"format": "neuralfx.midi_map", "format_version": 1, "bindings": [{"control": 3}]}, "needs an"),
        (
            {"format": "neuralfx.midi_map", "format_version": 1, "bindings": [{"action": "preset", "knob": 1}]},
            "unknown binding field 'knob'",
        ),
        ({"format": "neuralfx.midi_map", "format_version": 1, "bindings": [], "channel": 16}, "channel"),
    ],
)
def test_malformed_maps_name_the_problem(data, problem):
    with pytest.raises(ValueError, match=problem) as error:
        MidiMap.from_dict(data, source="map.json")
    assert str(error.value).startswith("map.json: ")
