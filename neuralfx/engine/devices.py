"""Audio devices and MIDI ports, through PortAudio (sounddevice) and rtmidi (mido).

Both libraries are imported inside the functions, so importing this module costs nothing.
`host_apis` and `list_devices` ask PortAudio in a short-lived process (about half a second);
`find_host_api` and `find_device` run in the engine process, which owns PortAudio.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device. `index` is what EngineSettings.input_device/output_device accept."""

    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float


def host_apis() -> list[str]:
    """Names of the PortAudio host APIs compiled in ("ALSA", "JACK Audio Connection Kit"...)."""
    return _scan()[0]


def list_devices(host_api: str | None = None) -> list[AudioDevice]:
    """Every audio device, or those of one host API (case-insensitive substring, e.g. "jack")."""
    apis, devices = _scan()
    if host_api is None:
        return devices
    matches = [api for api in apis if host_api.lower() in api.lower()]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        raise ValueError(f"{problem} audio host API matches {host_api!r} (available: {', '.join(apis)})")
    return [device for device in devices if device.host_api == matches[0]]


def _scan() -> tuple[list[str], list[AudioDevice]]:
    """Ask PortAudio in a short-lived process: the list is fresh each time (PortAudio scans once
    per process), and the caller keeps no PortAudio state (its JACK client would outlive a JACK
    server that stops, and PortAudio aborts at exit when that happens)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_scan_here)


def _scan_here() -> tuple[list[str], list[AudioDevice]]:
    import sounddevice as sd

    apis = [api["name"] for api in sd.query_hostapis()]
    devices = [
        AudioDevice(
            index=i,
            name=d["name"],
            host_api=apis[d["hostapi"]],
            max_input_channels=d["max_input_channels"],
            max_output_channels=d["max_output_channels"],
            default_sample_rate=d["default_samplerate"],
        )
        for i, d in enumerate(sd.query_devices())
    ]
    return apis, devices


def find_host_api(name: str) -> int:
    """The index of the host API whose name contains `name` (case-insensitive)."""
    import sounddevice as sd

    names = [api["name"] for api in sd.query_hostapis()]
    matches = [i for i, api in enumerate(names) if name.lower() in api.lower()]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        hint = ""
        if "jack" in name.lower():
            hint = "; PortAudio lists JACK only while a JACK server runs: start jackd first"
        raise ValueError(f"{problem} audio host API matches {name!r} (available: {', '.join(names)}){hint}")
    return matches[0]


def find_device(device: int | str | None, host_api: int | None, kind: str) -> int:
    """Resolve a device index, name substring or None (the default) to a PortAudio index.

    Args:
        kind: "input" or "output": the device must have channels of that kind.
    """
    import sounddevice as sd

    channels_key = f"max_{kind}_channels"
    if device is None:
        if host_api is None:
            index = sd.default.device[0 if kind == "input" else 1]
        else:
            index = sd.query_hostapis(host_api)[f"default_{kind}_device"]
        if index is None or index < 0:
            raise ValueError(f"there is no default {kind} device; name one (see `neuralfx live --list-devices`)")
        return int(index)
    candidates = [
        (i, d)
        for i, d in enumerate(sd.query_devices())
        if d[channels_key] > 0 and (host_api is None or d["hostapi"] == host_api)
    ]
    if isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        index = int(device)
        if index not in {i for i, _ in candidates}:
            raise ValueError(f"device {index} is not an {kind} device (see `neuralfx live --list-devices`)")
        return index
    matches = [i for i, d in candidates if device.lower() in d["name"].lower()]
    exact = [i for i, d in candidates if device.lower() == d["name"].lower()]
    if len(exact) == 1:
        return exact[0]
    if len(matches) != 1:
        names = ", ".join(repr(d["name"]) for _, d in candidates) or "none"
        problem = "no" if not matches else "more than one"
        raise ValueError(f"{problem} {kind} device matches {device!r} (available: {names})")
    return matches[0]


def midi_api_for(host_api_name: str | None, midi_api: str | None) -> str | None:
    """The rtmidi API to use: the one asked for, else JACK MIDI beside JACK audio."""
    if midi_api:
        return midi_api
    return "UNIX_JACK" if host_api_name and "jack" in host_api_name.lower() else None


def list_midi_ports(api: str | None = None) -> list[str]:
    """Names of the MIDI output ports a listener can connect to (rtmidi API, e.g. "UNIX_JACK")."""
    import mido

    backend = mido.Backend("mido.backends.rtmidi" + (f"/{api}" if api else ""), load=True)
    return backend.get_input_names()
