"""The live engine's commands: one name for each thing a controller (`LiveEngine`), the GUI or a
MIDI footswitch (`neuralfx.midi`) can ask of the engine. `LiveEngine` has a method of each name,
and the engine process runs the method of the same name."""

from __future__ import annotations

from enum import Enum


class Command(str, Enum):
    """An engine command; its value is the method name on `LiveEngine` and in the engine process."""

    LOAD_CHAIN = "load_chain"
    SET_PRESETS = "set_presets"
    SELECT_PRESET = "select_preset"
    NEXT_PRESET = "next_preset"
    PREVIOUS_PRESET = "previous_preset"
    SET_BYPASS = "set_bypass"
    TOGGLE_BYPASS = "toggle_bypass"
    SET_PARAMETER = "set_parameter"
    SET_LEVELS = "set_levels"
    START_RECORDING = "start_recording"
    STOP_RECORDING = "stop_recording"
    MIDI_LEARN = "midi_learn"
    CANCEL_MIDI_LEARN = "cancel_midi_learn"
    SET_MIDI_MAP = "set_midi_map"
    STOP = "stop"

    def __str__(self) -> str:
        return self.value
