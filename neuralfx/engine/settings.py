"""What the live engine opens and plays: devices, rates, input source, MIDI, the program."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class EngineSettings:
    """Everything the engine needs to start. Plain data: `to_dict()` is JSON-ready for a GUI's
    settings store, and `from_dict` ignores keys it does not know (settings saved by newer versions).

    Args:
        host_api: PortAudio host API, matched by case-insensitive substring ("JACK", "ALSA");
            None: PortAudio's default.
        input_device, output_device: device index or name substring within the host API;
            None: the host API's default device.
        input_channel: which input channel carries the guitar (0-based).
        output_channels: the mono result is copied to this many outputs (at most the device's).
        sample_rate: stream rate in Hz; None: the device's default (with JACK, the server's rate).
            Each preset runs at the rate it was trained at, so another rate adds resampling cost
            and latency.
        block_size: frames per callback. With JACK the server's period always decides (asking
            PortAudio for a block size adds a period of latency there), so this is ignored.
        input_file: loop this audio file as the input instead of the input device (a DI take).
        crossfade_ms: bypass and program-swap crossfade time.
        chain: the program to start with, as `Chain.to_dict()`; None: `presets[0]`, or dry.
        chain_name: display name of `chain`.
        presets: preset slots (names or paths) for next/previous and Program Change.
        midi_port: listen to this existing MIDI output port (name or unique substring).
        midi_virtual_port: also create a MIDI input port with this name that others connect to
            (with JACK: a JACK MIDI port of client "<client_name> midi").
        midi_api: rtmidi API ("UNIX_JACK", "LINUX_ALSA"...); None: JACK MIDI when the audio
            host API is JACK, else rtmidi's default.
        midi_map: `MidiMap.to_dict()`; None: `MidiMap.default()` (CC102 bypass, PC → slot).
        client_name: the JACK client name, so ports show as "<client_name>:in_0" and "out_0".
    """

    host_api: str | None = None
    input_device: int | str | None = None
    output_device: int | str | None = None
    input_channel: int = 0
    output_channels: int = 2
    sample_rate: int | None = None
    block_size: int = 128
    input_file: str | None = None
    crossfade_ms: float = 20.0
    chain: dict | None = None
    chain_name: str = ""
    presets: list[str] = field(default_factory=list)
    midi_port: str | None = None
    midi_virtual_port: str | None = None
    midi_api: str | None = None
    midi_map: dict | None = None
    client_name: str = "neuralfx"

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
