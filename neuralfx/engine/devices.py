"""Audio devices and MIDI ports, through PortAudio (sounddevice) and python-rtmidi.

Both libraries are imported inside the functions, so importing this module costs nothing.
`host_apis` and `list_devices` ask PortAudio in a short-lived process (about half a second);
`find_host_api` and `find_device` run in the engine process, which owns PortAudio (with JACK the
engine is a JACK client of its own: neuralfx/engine/jack_audio.py).
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


def load_sounddevice():
    """The sounddevice module, or an OSError that says what to install (PortAudio is a system
    library: pip cannot bring it)."""
    try:
        import sounddevice
    except ImportError:
        raise OSError("live audio needs the sounddevice package: pip install 'neuralfx[gui]'") from None
    except OSError:  # sounddevice found no PortAudio library
        raise OSError(
            "live audio needs PortAudio, which is not installed: apt install libportaudio2 (Debian, Ubuntu), "
            "dnf install portaudio (Fedora), or your system's PortAudio package"
        ) from None
    return sounddevice


def host_apis() -> list[str]:
    """Names of the PortAudio host APIs compiled in ("ALSA", "JACK Audio Connection Kit"...)."""
    return _scan()[0]


def list_devices(host_api: str | None = None) -> list[AudioDevice]:
    """Every audio device, or those of one host API (case-insensitive substring, e.g. "jack")."""
    apis, devices = _scan()
    if host_api is None:
        return devices
    api = apis[match_one(host_api, apis, "audio host API")]
    return [device for device in devices if device.host_api == api]


def match_one(wanted: str, names: list[str], what: str) -> int:
    """The index of the one name equal to `wanted`, or else the one containing it
    (case-insensitive). Raises ValueError listing the names when none or several match."""
    for candidates in ([n.lower() == wanted.lower() for n in names], [wanted.lower() in n.lower() for n in names]):
        hits = [i for i, hit in enumerate(candidates) if hit]
        if len(hits) == 1:
            return hits[0]
    problem = "more than one" if any(wanted.lower() in n.lower() for n in names) else "no"
    listed = ", ".join(repr(n) for n in names) or "none"
    raise ValueError(f"{problem} {what} matches {wanted!r} (available: {listed})")


def _scan() -> tuple[list[str], list[AudioDevice]]:
    """Ask PortAudio in a short-lived process: the list is fresh each time (PortAudio scans once
    per process), and the caller keeps no PortAudio state (its JACK client would outlive a JACK
    server that stops, and PortAudio aborts at exit when that happens)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_scan_here)


def _scan_here() -> tuple[list[str], list[AudioDevice]]:
    sd = load_sounddevice()

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
    """The index of the PortAudio host API whose name contains `name` (case-insensitive); JACK
    never comes here (the engine is a JACK client of its own)."""
    sd = load_sounddevice()
    return match_one(name, [api["name"] for api in sd.query_hostapis()], "audio host API")


def find_device(device: int | str | None, host_api: int | None, kind: str) -> int:
    """Resolve a device index, name substring or None (the default) to a PortAudio index.

    Args:
        kind: "input" or "output": the device must have channels of that kind.
    """
    sd = load_sounddevice()

    channels_key = f"max_{kind}_channels"
    if device is None:
        if host_api is None:
            index = sd.default.device[0 if kind == "input" else 1]
        else:
            index = sd.query_hostapis(host_api)[f"default_{kind}_device"]
        if index is None or index < 0:
            if not any(d[channels_key] > 0 for d in sd.query_devices()):
                raise ValueError(no_device_message(kind))
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
    return candidates[match_one(device, [d["name"] for _, d in candidates], f"{kind} device")][0]


def no_device_message(kind: str) -> str:
    """What to say when there is no sound card at all."""
    return (
        f"no audio {kind} device: no sound card was found. Plug in an audio interface, or play through JACK: "
        "start a JACK server (QjackCtl, or `jackd -d alsa` for a sound card; `jackd -d dummy -r 48000 -p 128` "
        "runs one with none, to route other programs' audio), then choose JACK (--host-api jack). "
        "No guitar at hand? Loop a recording as the input (--input-file di.wav)"
    )


def midi_api_for(host_api_name: str | None, midi_api: str | None) -> str | None:
    """The rtmidi API to use: the one asked for, else JACK MIDI beside JACK audio."""
    if midi_api:
        return midi_api
    return "UNIX_JACK" if host_api_name and "jack" in host_api_name.lower() else None


def list_midi_ports(api: str | None = None) -> list[str]:
    """Names of the MIDI output ports a listener can connect to (rtmidi API, e.g. "UNIX_JACK")."""
    listener = midi_in(api, "neuralfx list")
    try:
        return listener.get_ports()
    finally:
        listener.delete()


def midi_in(api: str | None, client_name: str):
    """A python-rtmidi MidiIn for an rtmidi API name ("UNIX_JACK", "LINUX_ALSA"); None: rtmidi's default."""
    try:
        import rtmidi
    except ImportError:
        raise OSError("MIDI needs the python-rtmidi package: pip install 'neuralfx[gui]'") from None
    number = getattr(rtmidi, f"API_{api.upper()}", None) if api else rtmidi.API_UNSPECIFIED
    if number is None:
        raise ValueError(f"unknown MIDI API {api!r} (use UNIX_JACK, LINUX_ALSA, MACOSX_CORE or WINDOWS_MM)")
    return rtmidi.MidiIn(number, client_name)
