"""Devices, host APIs and MIDI ports are chosen by name: exact, else a unique substring."""

import pytest

from neuralfx.engine.devices import match_one

NAMES = ["Scarlett 2i2 USB", "Scarlett 2i2 USB: Monitor", "HDA Intel PCH"]


def test_exact_beats_substring_and_case_is_ignored():
    assert match_one("scarlett 2i2 usb", NAMES, "input device") == 0
    assert match_one("intel", NAMES, "input device") == 2


def test_ambiguous_and_missing_names_list_the_choices():
    with pytest.raises(ValueError, match="more than one input device matches 'Scarlett'.*'HDA Intel PCH'"):
        match_one("Scarlett", NAMES, "input device")
    with pytest.raises(ValueError, match=r"no MIDI port matches 'FCB1010' \(available: none\)"):
        match_one("FCB1010", [], "MIDI port")
