"""MIDI footswitches and knobs → engine actions, with MIDI learn. Pure logic: no ports, no mido.

Bytes from any MIDI source go through a `MidiParser` (Control Change and Program Change come
out, everything else and every malformed byte is dropped), and a `MidiMap` turns each message
into `Action`s: engine commands (`neuralfx.commands.Command`) with their arguments:

    parser, mapping = MidiParser(), MidiMap.default()      # CC102 toggles bypass, PC n → slot n
    for message in parser.feed(raw_bytes):
        for action in mapping.handle(message):
            getattr(engine, action.command)(*action.args)  # e.g. toggle_bypass(), select_preset(3)

A binding names the command it sends. Bypass, after common footswitch conventions (values ≥ 64
mean "on", MIDI spec CC64–69), comes three ways:
- toggle_bypass: each press (value ≥ 64) flips bypass; releases (< 64) do nothing. For switches
  that send a value on press only, or 127 on press and 0 on release.
- toggle_bypass, momentary: a press flips bypass and the release flips it back (hold to engage
  or mute).
- set_bypass: value ≥ 64 engages, < 64 bypasses. For latching switches that alternate 127/0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import NamedTuple

from .commands import Command
from .models import ModelParameter
from .pedal import SETUP_PARAMETERS

MAP_FORMAT = "neuralfx.midi_map"
MAP_FORMAT_VERSION = 3
"""3: a set_parameter binding may sweep a model's own control (a knob such as drive, a NAM size),
over the playing pedal's range unless it gives one; 2: bindings name their engine command.
Versions 1 and 2 read as before (version 1's "action" names too)."""

DEFAULT_BYPASS_CC = 102
"""CC102–119 are undefined in the MIDI spec, free for custom use; Strymon pedals bypass on 102."""

BINDABLE = (
    Command.TOGGLE_BYPASS,
    Command.SET_BYPASS,
    Command.NEXT_PRESET,
    Command.PREVIOUS_PRESET,
    Command.SELECT_PRESET,
    Command.SET_PARAMETER,
)
"""The commands a MIDI trigger can send."""

_VERSION_1_ACTIONS = {
    "bypass_toggle": {"command": "toggle_bypass"},
    "bypass_momentary": {"command": "toggle_bypass", "momentary": True},
    "bypass_absolute": {"command": "set_bypass"},
    "next_preset": {"command": "next_preset"},
    "previous_preset": {"command": "previous_preset"},
    "preset": {"command": "select_preset"},
    "parameter": {"command": "set_parameter"},
}

PARAMETER_RANGES: dict[str, tuple[float, float]] = {
    "output_gain_db": (-24.0, 12.0),
    "input_gain_db": (-24.0, 24.0),
    "mix": (0.0, 1.0),
}
"""The parameters every neural pedal has that a CC can sweep, with the default range that CC 0–127
spans. A CC may also sweep any of the playing pedal's own controls (`NeuralPedal.model_parameters`:
a knob such as drive, a NAM file's model_size), over the control's range by default."""

NOT_SWEPT = ("bypass", *SETUP_PARAMETERS)
"""Neural pedal parameters that no CC sweeps: bypass has commands of its own, and the setup
parameters (the crossfade, the output mode, the input calibration) are no knob to turn."""

LEARN_SKIPPED_CONTROLLERS = frozenset({0, 32, 64, *range(120, 128)})
"""Bank select (0, 32), sustain (64) and channel mode messages (120–127): keyboards and
controllers send these on their own, so learning ignores them (a map file may still use them)."""


@dataclass(frozen=True)
class MidiMessage:
    """A Control Change (`number` = controller, `value` 0–127) or a Program Change
    (`number` = program, value 0). `channel` is 0–15 (MIDI channel 1–16)."""

    kind: str  # "control_change" | "program_change"
    channel: int
    number: int
    value: int = 0


@dataclass(frozen=True)
class Action:
    """What to do: an engine command and its arguments, e.g. Action(Command.SET_BYPASS, (True,))
    or Action(Command.SET_PARAMETER, ("mix", 0.5))."""

    command: Command
    args: tuple = ()


class MidiParser:
    """Turns a MIDI byte stream into Control Change and Program Change messages.

    Handles running status and real-time bytes in the middle of a message. SysEx, system common
    messages, other channel messages, stray data bytes, truncated messages and values that are
    not bytes are skipped without raising.
    """

    def __init__(self) -> None:
        self._status: int | None = None
        self._data: list[int] = []
        self._in_sysex = False

    def feed(self, data: bytes | Iterable[int]) -> list[MidiMessage]:
        messages = []
        for byte in data:
            if not isinstance(byte, int) or not 0 <= byte <= 0xFF:
                self._status, self._data = None, []  # garbage: resynchronise on the next status byte
                continue
            message = self._byte(byte)
            if message is not None:
                messages.append(message)
        return messages

    def _byte(self, byte: int) -> MidiMessage | None:
        if byte >= 0xF8:  # real-time (clock, start, stop...): may appear anywhere, changes nothing
            return None
        if byte >= 0x80:  # a status byte ends any message in progress
            self._in_sysex = byte == 0xF0
            self._status = byte if byte < 0xF0 else None  # system messages cancel running status
            self._data = []
            return None
        if self._status is None or self._in_sysex:
            return None
        self._data.append(byte)
        kind = self._status & 0xF0
        if len(self._data) < (1 if kind in (0xC0, 0xD0) else 2):
            return None
        data, self._data = self._data, []  # running status: the next data bytes reuse the status
        channel = self._status & 0x0F
        if kind == 0xB0:
            return MidiMessage("control_change", channel, data[0], data[1])
        if kind == 0xC0:
            return MidiMessage("program_change", channel, data[0])
        return None


@dataclass(frozen=True)
class Binding:
    """One MIDI trigger bound to one engine command.

    Args:
        command: one of BINDABLE.
        control: the CC number that triggers it (bypass, set_parameter, next/previous_preset).
        program: the Program Change number that triggers it (next/previous_preset, select_preset).
            For select_preset, None means any Program Change selects the slot of its number.
        momentary: for toggle_bypass, the release (value < 64) toggles back: hold to switch.
        slot: for select_preset, the preset slot (0-based) to select; None: the program number.
        parameter: for set_parameter, a key of PARAMETER_RANGES or one of the playing pedal's own
            controls (e.g. "drive"; what a pedal has is known only when it plays).
        minimum, maximum: for set_parameter, the values CC 0 and CC 127 map to. Default: the
            PARAMETER_RANGES range, or the control's whole range (both None, kept so).
    """

    command: Command
    control: int | None = None
    program: int | None = None
    momentary: bool = False
    slot: int | None = None
    parameter: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.command not in BINDABLE:
            bindable = ", ".join(c.value for c in BINDABLE)
            raise ValueError(f"a MIDI trigger cannot send {self.command!r} (it sends one of {bindable})")
        object.__setattr__(self, "command", Command(self.command))
        if self.momentary is not False and not (self.momentary is True and self.command == Command.TOGGLE_BYPASS):
            raise ValueError(f"{self.command}: momentary (true) belongs to toggle_bypass bindings only")
        for name in ("control", "program"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 127):
                raise ValueError(f"{self.command}: {name} must be a number from 0 to 127, got {value!r}")
        if self.control is not None and self.program is not None:
            raise ValueError(f"{self.command}: give a control (CC) or a program, not both")
        cc_only = (Command.TOGGLE_BYPASS, Command.SET_BYPASS, Command.SET_PARAMETER)
        if self.command in cc_only and self.program is not None:
            raise ValueError(f"{self.command} is driven by a CC, not a Program Change")
        if self.command == Command.SELECT_PRESET and self.control is not None:
            raise ValueError("select_preset is driven by a Program Change, not a CC")
        selects = self.command == Command.SELECT_PRESET
        if self.slot is not None and (not selects or not isinstance(self.slot, int) or self.slot < 0):
            raise ValueError(f"{self.command}: slot must be a preset slot (an integer ≥ 0) on a select_preset binding")
        if self.command == Command.SET_PARAMETER:
            self._check_parameter()
        elif (self.parameter, self.minimum, self.maximum) != (None, None, None):
            raise ValueError(f"{self.command}: parameter, minimum and maximum belong to set_parameter bindings only")

    def _check_parameter(self) -> None:
        name = self.parameter
        if not (isinstance(name, str) and name.isidentifier() and len(name) <= 64):
            raise ValueError(
                f"parameter must name a pedal parameter ({', '.join(PARAMETER_RANGES)}, or a control of "
                f"the pedal such as drive), got {name!r}"
            )
        if name in NOT_SWEPT:
            raise ValueError(f"a CC cannot sweep {name!r}: sweep {', '.join(PARAMETER_RANGES)} or a pedal's knob")
        if name in PARAMETER_RANGES:
            low, high = PARAMETER_RANGES[name]
            object.__setattr__(self, "minimum", _finite("minimum", low if self.minimum is None else self.minimum))
            object.__setattr__(self, "maximum", _finite("maximum", high if self.maximum is None else self.maximum))
        elif (self.minimum is None) != (self.maximum is None):
            raise ValueError(f"{name}: give both minimum and maximum, or neither (the pedal's whole range)")
        elif self.minimum is not None:
            _finite("minimum", self.minimum)
            _finite("maximum", self.maximum)

    def range_for(self, controls: Sequence[ModelParameter] = ()) -> tuple[float, float] | None:
        """The values CC 0 and CC 127 give for a set_parameter binding, with these controls playing
        (`NeuralPedal.model_parameters`): its own range, else the control's; None when the
        binding sweeps a control that is not among them."""
        if self.minimum is not None:
            return self.minimum, self.maximum
        control = next((c for c in controls if c.name == self.parameter), None)
        return None if control is None else (control.minimum, control.maximum)

    @property
    def role(self) -> tuple[Command, bool, int | None, str | None]:
        """What the binding does, whatever triggers it: learning a binding replaces the one
        with the same role."""
        return self.command, self.momentary, self.slot, self.parameter

    def accepts(self, message: MidiMessage) -> bool:
        """Whether MIDI learn may bind this binding to `message`."""
        if message.kind == "control_change":
            return self.command != Command.SELECT_PRESET and message.number not in LEARN_SKIPPED_CONTROLLERS
        steps = self.command in (Command.NEXT_PRESET, Command.PREVIOUS_PRESET)
        return steps or (self.command == Command.SELECT_PRESET and self.slot is not None)

    def triggered_by(self, message: MidiMessage) -> bool:
        if message.kind == "control_change":
            return self.control == message.number
        if self.program is None:  # a select_preset binding without a program takes any program
            return self.command == Command.SELECT_PRESET
        return self.program == message.number

    def to_dict(self) -> dict:
        data = {key: value for key, value in asdict(self).items() if value is not None and value is not False}
        return data | {"command": self.command.value}

    @classmethod
    def from_dict(cls, data: dict, version: int = MAP_FORMAT_VERSION) -> Binding:
        """Read `to_dict` content (or a version 1 map's binding, which named an "action")."""
        if not isinstance(data, dict):
            raise ValueError("a binding must be a JSON object")
        if version == 1 and "action" in data:
            data = {k: v for k, v in data.items() if k != "action"} | _VERSION_1_ACTIONS.get(
                data["action"], {"command": data["action"]}
            )
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown binding field {sorted(unknown)[0]!r}")
        if "command" not in data:
            raise ValueError('a binding needs a "command"')
        return cls(**data)


class Learned(NamedTuple):
    """What MIDI learn did: the new binding, and the bindings of other actions it replaced
    because they used the same trigger."""

    binding: Binding
    replaced: tuple[Binding, ...] = ()


def trigger_text(binding: Binding) -> str:
    """The binding's trigger for people: "CC 102", "Program 4", "any Program Change" or "nothing"."""
    if binding.control is not None:
        return f"CC {binding.control}"
    if binding.program is not None:
        return f"Program {binding.program}"
    return "any Program Change" if binding.command == Command.SELECT_PRESET else "nothing"


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


@dataclass
class MidiMap:
    """The bindings in force, a channel filter and the MIDI learn state.

    Args:
        bindings: the bindings; several may share a trigger (one CC driving two things).
        channel: only messages on this channel (0–15, i.e. MIDI channel 1–16) count; None: all.
    """

    bindings: list[Binding] = field(default_factory=list)
    channel: int | None = None

    def __post_init__(self) -> None:
        self.bindings = list(self.bindings)
        if self.channel is not None and not (
            isinstance(self.channel, int) and not isinstance(self.channel, bool) and 0 <= self.channel <= 15
        ):
            raise ValueError(f"channel must be 0–15 (MIDI channel 1–16) or None for all, got {self.channel!r}")
        self.learning: Binding | None = None
        self._held: set[Binding] = set()

    @classmethod
    def default(cls) -> MidiMap:
        """CC102 toggles bypass; Program Change n selects preset slot n."""
        return cls([Binding(Command.TOGGLE_BYPASS, control=DEFAULT_BYPASS_CC), Binding(Command.SELECT_PRESET)])

    def learn(self, binding: Binding) -> None:
        """Arm MIDI learn: the next message on the channel that `binding` accepts becomes its
        trigger (its control/program fields are ignored); see `learn_from`."""
        self.learning = replace(binding, control=None, program=None)

    def cancel_learn(self) -> None:
        self.learning = None

    def learn_from(self, message: MidiMessage) -> Learned | None:
        """While learning: bind `message` to the binding being learned, replacing the binding with
        the same role and whatever else used that trigger (reported in `Learned.replaced`: a user
        must hear of it), and return what was learned (None when the message does not fit, or
        nothing is being learned)."""
        if self.learning is None or not self._on_channel(message) or not self.learning.accepts(message):
            return None
        trigger = "control" if message.kind == "control_change" else "program"
        learned = replace(self.learning, **{trigger: message.number})
        replaced = tuple(b for b in self.bindings if b.role != learned.role and getattr(b, trigger) == message.number)
        self.bindings = [b for b in self.bindings if b.role != learned.role and b not in replaced] + [learned]
        self._held.clear()
        self.learning = None
        return Learned(learned, replaced)

    def handle(self, message: MidiMessage, controls: Sequence[ModelParameter] = ()) -> list[Action]:
        """The actions `message` triggers (none if it is on another channel or bound to nothing,
        or while learning). `controls`: the playing pedal's own controls
        (`NeuralPedal.model_parameters`); a CC bound to a control it lacks does nothing (see
        `problems_with`), and a value beyond the control's range is held at its end."""
        if self.learning is not None or not self._on_channel(message):
            return []
        matches = [b for b in self.bindings if b.triggered_by(message)]
        if message.kind == "program_change" and any(b.program is not None for b in matches):
            matches = [b for b in matches if b.program is not None]  # a specific program beats "any program"
        return [action for binding in matches for action in self._actions(binding, message, controls)]

    def problems_with(self, controls: Sequence[ModelParameter], pedal: str = "the pedal") -> list[str]:
        """What in this map the playing pedal cannot do: CCs bound to controls it lacks, and ranges
        that reach beyond its control's (an engine reports these when a pedal starts to play)."""
        problems = []
        by_name = {c.name: c for c in controls}
        for b in self.bindings:
            if b.command != Command.SET_PARAMETER or b.parameter in PARAMETER_RANGES:
                continue
            trigger = f"CC {b.control}" if b.control is not None else "a learned CC"
            control = by_name.get(b.parameter)
            if control is None:
                has = ", ".join(by_name) or "no knobs"
                problems.append(f"{trigger} sweeps {b.parameter}, which {pedal} does not have ({has}): it does nothing")
            elif b.minimum is not None and (
                min(b.minimum, b.maximum) < control.minimum or max(b.minimum, b.maximum) > control.maximum
            ):
                problems.append(
                    f"{trigger} sweeps {b.parameter} from {b.minimum:g} to {b.maximum:g}, beyond {pedal}'s "
                    f"{control.minimum:g} to {control.maximum:g}: it stops at the ends"
                )
        return problems

    def _on_channel(self, message: MidiMessage) -> bool:
        return self.channel is None or message.channel == self.channel

    def _actions(self, binding: Binding, message: MidiMessage, controls: Sequence[ModelParameter]) -> list[Action]:
        pressed = message.value >= 64
        command = binding.command
        if message.kind == "program_change":
            if command == Command.SELECT_PRESET:
                return [Action(command, (message.number if binding.slot is None else binding.slot,))]
            return [Action(command)]
        if command == Command.TOGGLE_BYPASS and binding.momentary:
            if pressed == (binding in self._held):
                return []  # a repeated press or a release without a press
            (self._held.add if pressed else self._held.discard)(binding)
            return [Action(command)]
        if command == Command.SET_BYPASS:
            return [Action(command, (not pressed,))]
        if command == Command.SET_PARAMETER:
            span = binding.range_for(controls)
            if span is None:
                return []  # a control the playing pedal lacks
            value = span[0] + (span[1] - span[0]) * message.value / 127
            control = next((c for c in controls if c.name == binding.parameter), None)
            if control is not None:
                value = min(control.maximum, max(control.minimum, value))
            return [Action(command, (binding.parameter, value))]
        return [Action(command)] if pressed else []  # toggle_bypass, next_preset, previous_preset

    def to_dict(self) -> dict:
        return {
            "format": MAP_FORMAT,
            "format_version": MAP_FORMAT_VERSION,
            "channel": self.channel,
            "bindings": [b.to_dict() for b in self.bindings],
        }

    @classmethod
    def from_dict(cls, data: object, source: str = "MIDI map") -> MidiMap:
        """Read `to_dict` content. Raises ValueError naming `source` and the problem."""
        if not isinstance(data, dict) or data.get("format") != MAP_FORMAT:
            raise ValueError(f'{source}: not a neuralfx MIDI map (no "format": "{MAP_FORMAT}")')
        version = data.get("format_version")
        if version not in (1, 2, MAP_FORMAT_VERSION):
            raise ValueError(f"{source}: unsupported MIDI map format_version {version!r}")
        if not isinstance(data.get("bindings"), list):
            raise ValueError(f'{source}: "bindings" must be a list')
        bindings = []
        for i, entry in enumerate(data["bindings"]):
            try:
                bindings.append(Binding.from_dict(entry, version))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{source}: binding {i}: {exc}") from None
        try:
            return cls(bindings, channel=data.get("channel"))
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
