"""What the engine process tells its controller: state snapshots and events."""

from __future__ import annotations

from dataclasses import dataclass, field

AUDIO_LOST = "audio_lost"
"""A "stopped" event's `data` when the audio server (JACK) or device went away mid-play."""


class EngineError(RuntimeError):
    """The engine could not start, or a command cannot be sent (the engine is not running)."""


@dataclass(frozen=True)
class EngineState:
    """The engine's state after its latest change (levels and loads are in `Meters` instead).

    Attributes:
        running: the audio stream is running.
        bypassed: the footswitch state (True: dry signal).
        program_name: display name of the program playing (or being prepared).
        loading: the program is being prepared and faded in (a few tens of milliseconds).
        chain_dict: the program as `Chain.to_dict()`, parameters kept current; None when dry.
        slot: the preset slot playing, or None when the program was loaded directly.
        presets: names of the preset slots.
        recording: the file being recorded, or None.
        midi_map: the MIDI map in force, as `MidiMap.to_dict()`.
        midi_learning: the binding MIDI learn waits to bind (`Binding.to_dict()`), or None.
        midi_ports: the MIDI ports being listened to.
        host_api, input_device, output_device: what was opened (names).
        input_file: the looped input file, or None for the live input.
        sample_rate: the stream's rate in Hz.
        block_size: frames per callback requested (0: the host decides, as with JACK).
        input_gain_db, output_gain_db: the engine's own input gain and output level (dB), before
            and after the whole program.
    """

    running: bool = False
    bypassed: bool = False
    program_name: str = ""
    loading: bool = False
    chain_dict: dict | None = None
    slot: int | None = None
    presets: tuple[str, ...] = ()
    recording: str | None = None
    midi_map: dict = field(default_factory=dict)
    midi_learning: dict | None = None
    midi_ports: tuple[str, ...] = ()
    host_api: str = ""
    input_device: str = ""
    output_device: str = ""
    input_file: str | None = None
    sample_rate: int = 0
    block_size: int = 0
    input_gain_db: float = 0.0
    output_gain_db: float = 0.0


@dataclass(frozen=True)
class EngineEvent:
    """One message from the engine.

    kind:
        "started": the stream runs (`state` set).
        "state": something in the state changed (`state` set).
        "learned": MIDI learn bound a trigger; `data` is {"binding": the new `Binding.to_dict()`,
            "replaced": the bindings of other actions that used that trigger and are gone}.
        "recorded": a recording was finalised; `data` is its path.
        "error": a command failed or something went wrong; `message` says what. Audio goes on.
        "stopped": the engine process is ending; `message` says why if it was not asked to;
            `data` is AUDIO_LOST when the audio server or device went away (start again once it
            is back).
    """

    kind: str
    message: str = ""
    state: EngineState | None = None
    data: object = None
