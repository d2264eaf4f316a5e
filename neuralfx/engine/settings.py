"""What the live engine opens and plays: devices, rates, input source, MIDI, the program."""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..pedal import MAX_GAIN_DB as MAX_LEVEL_DB


def _flag(default: Any, help: str, kind: type | None = None) -> Any:
    """A setting that `neuralfx live` and `neuralfx-gui` also take as a flag (see `add_flags`)."""
    return field(default=default, metadata={"help": help, "type": kind or type(default)})


@dataclass
class EngineSettings:
    """Everything the engine needs to start. Plain data: `to_dict()` is JSON-ready for a GUI's
    settings store, and `from_dict` ignores keys it does not know (settings saved by newer versions).
    The settings with a help text are also the command-line flags (`add_flags`); devices, host
    APIs and MIDI ports are matched by case-insensitive substring, and each preset runs at the
    rate it was trained at (another stream rate adds resampling cost and latency)."""

    host_api: str | None = _flag(None, 'audio host API, e.g. "jack" or "alsa" (default: PortAudio\'s)', str)
    input_device: int | str | None = _flag(None, "input device: index or name (default: the host API's)", str)
    output_device: int | str | None = _flag(None, "output device: index or name (default: the host API's)", str)
    input_channel: int = _flag(0, "input channel of the guitar, from 0")
    output_channels: int = _flag(2, "outputs the mono result is copied to, at most the device's")
    sample_rate: int | None = _flag(None, "stream rate in Hz (default: the device's; JACK: the server's)", int)
    block_size: int = _flag(128, "frames per callback (JACK: the server's period decides)")
    input_file: str | None = _flag(None, "loop this audio file as the input instead of a device (a DI take)", str)
    crossfade_ms: float = _flag(20.0, "bypass and preset-change crossfade in milliseconds")
    chain_dict: dict | None = None
    """The program to start with, as `Chain.to_dict()`; None: `presets[0]`, or dry."""
    chain_name: str = ""
    presets: list[str] = field(default_factory=list)
    """Preset slots (names or paths) for next/previous and Program Change."""
    midi_port: str | None = _flag(None, "listen to this MIDI port (name or substring; see --list-devices)", str)
    midi_virtual_port: str | None = _flag(None, "create a MIDI input port with this name (e.g. midi_in)", str)
    midi_api: str | None = _flag(
        None, 'rtmidi API, e.g. "UNIX_JACK" or "LINUX_ALSA" (default: JACK MIDI beside JACK audio)', str
    )
    midi_map: dict | None = None
    """`MidiMap.to_dict()`; None: `MidiMap.default()` (CC102 bypass, PC → slot)."""
    client_name: str = _flag("neuralfx", 'JACK client name: ports show as "<name>:in_0", "<name>:out_0"')
    input_gain_db: float = 0.0
    """The engine's input gain (dB), before the whole program: what the chain hears (bypassed too)."""
    output_gain_db: float = 0.0
    """The engine's output level (dB), after the whole program and the bypass: the master volume."""

    def __post_init__(self) -> None:
        self.presets = [str(p) for p in self.presets]
        if not (isinstance(self.input_channel, int) and self.input_channel >= 0):
            raise ValueError(f"input_channel must be an integer ≥ 0, got {self.input_channel!r}")
        if not (isinstance(self.output_channels, int) and self.output_channels >= 1):
            raise ValueError(f"output_channels must be an integer ≥ 1, got {self.output_channels!r}")
        if self.sample_rate is not None and not (isinstance(self.sample_rate, int) and 8000 <= self.sample_rate):
            raise ValueError(f"sample_rate must be an integer rate in Hz (≥ 8000) or None, got {self.sample_rate!r}")
        if not (isinstance(self.block_size, int) and 16 <= self.block_size <= 8192):
            raise ValueError(f"block_size must be an integer from 16 to 8192 frames, got {self.block_size!r}")
        if not (math.isfinite(self.crossfade_ms) and 0 <= self.crossfade_ms <= 1000):
            raise ValueError(f"crossfade_ms must be between 0 and 1000, got {self.crossfade_ms!r}")
        if not self.client_name:
            raise ValueError("client_name must not be empty")
        for name in ("input_gain_db", "output_gain_db"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= MAX_LEVEL_DB:
                raise ValueError(f"{name} must be a gain from -{MAX_LEVEL_DB:g} to +{MAX_LEVEL_DB:g} dB, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineSettings:
        if "chain" in data:  # saved before `chain` was named `chain_dict`
            data = {"chain_dict": data["chain"]} | data
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def flag_names() -> list[str]:
    """The settings that are also command-line flags."""
    return [f.name for f in fields(EngineSettings) if "help" in f.metadata]


def add_flags(parser: argparse.ArgumentParser, names: Iterable[str] | None = None) -> None:
    """Add `--name-with-dashes` flags for these settings (default: all of `flag_names()`); a flag
    that is not given stays None, so `given_settings` tells what the command line set."""
    by_name = {f.name: f for f in fields(EngineSettings)}
    for name in flag_names() if names is None else names:
        setting = by_name[name]
        default = "" if setting.default is None else f" (default {setting.default})"
        parser.add_argument(
            "--" + name.replace("_", "-"), type=setting.metadata["type"], help=setting.metadata["help"] + default
        )


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gave (flags added by `add_flags`)."""
    return {name: getattr(args, name) for name in flag_names() if getattr(args, name, None) is not None}
