"""`neuralfx live`: the live engine without a GUI, for rigs with no screen and scripted checks."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..console import add_set_option, print_error, printable
from ..fileio import read_json
from ..preset import DEFAULT_PRESET
from .meters import latency_text
from .settings import add_flags

MAX_MIDI_MAP_BYTES = 1024 * 1024
RETRY_S = 1.0
"""How often --reconnect tries to start again."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "live",
        help="play live through a preset or chain (audio device or JACK), with MIDI footswitch control",
        description="Play live: input → preset or chain → output, in its own process. Ctrl-C stops. "
        "With JACK the ports <client>:in_0 and <client>:out_0.. can be connected to anything.",
    )
    program = parser.add_mutually_exclusive_group()
    program.add_argument(
        "--preset", help=f"preset name or .nfx/.nam path to play (without --chain or --presets: {DEFAULT_PRESET})"
    )
    program.add_argument("--chain", help="chain file (JSON, see `Chain.save`) to play")
    parser.add_argument(
        "--allow-plugins",
        action="store_true",
        help="let the chain load native (VST3) plugins that are not trusted: their code runs with your rights",
    )
    parser.add_argument("--presets", nargs="+", metavar="PRESET", help="preset slots for MIDI next/previous/PC")
    add_set_option(parser)
    add_flags(parser)
    parser.add_argument("--record", help="record the output to this .wav or .flac file")
    parser.add_argument("--midi-map", help="MIDI map JSON file (default: CC102 toggles bypass, PC n → slot n)")
    parser.add_argument("--midi-channel", type=int, help="only MIDI channel 1–16 (default: all)")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="when the audio server (JACK) or device goes away, wait for it and play on (default: say so and exit)",
    )
    parser.add_argument("--verbose", action="store_true", help="print meters, CPU load and xruns once a second")
    parser.add_argument("--list-devices", action="store_true", help="list host APIs, audio devices and MIDI ports")
    parser.set_defaults(handler=_live)


def _live(args: argparse.Namespace) -> int:
    from ..chain import Chain
    from ..midi import MidiMap
    from .controller import LiveEngine
    from .events import EngineError
    from .settings import EngineSettings, given_settings

    if args.list_devices:
        _list_devices(args.host_api, args.midi_api)
        return 0
    settings = EngineSettings(**given_settings(args))
    engine = LiveEngine(settings, allow_plugins=args.allow_plugins)
    if args.presets:
        engine.set_presets(args.presets)
    if args.preset:
        engine.load_preset(args.preset, **dict(args.set))
    elif args.chain:
        chain = Chain.load(args.chain)
        for name, value in args.set:
            chain.set_parameter(name, value)
        engine.load_chain(chain, name=Path(args.chain).stem)
    elif args.set:
        raise ValueError("--set needs --preset or --chain: it sets their neural pedals' parameters")
    elif not args.presets:
        engine.load_preset(DEFAULT_PRESET)
    if args.midi_map or args.midi_channel is not None:
        midi_map = MidiMap.from_dict(_read_json(args.midi_map), args.midi_map) if args.midi_map else MidiMap.default()
        if args.midi_channel is not None:
            if not 1 <= args.midi_channel <= 16:
                raise ValueError(f"--midi-channel must be 1–16, got {args.midi_channel}")
            midi_map.channel = args.midi_channel - 1
        engine.set_midi_map(midi_map)
    try:
        engine.start()
    except EngineError as exc:
        print_error("live", exc)
        return 1
    try:
        _announce(engine, settings.client_name)
        if args.record:
            engine.start_recording(args.record)
        ends = None if args.duration is None else time.monotonic() + args.duration
        while (lost := _play(engine, ends, args.verbose)) is not None:
            print(printable(f"the audio stopped: {lost.message}"), flush=True)
            if not args.reconnect:
                print("Start it again, then run this command again (or add --reconnect to wait for it and play on).")
                return 1
            if not _reconnect(engine, ends):
                break
    except KeyboardInterrupt:
        pass
    finally:
        for event in engine.stop():
            _report(event)
        print("stopped")
    return 0


def _reconnect(engine, ends: float | None) -> bool:
    """Start the engine again as soon as its audio is back (until `ends`): whether it plays."""
    from .events import EngineError

    print("waiting for the audio to come back (Ctrl-C stops)...", flush=True)
    while ends is None or time.monotonic() < ends:
        try:
            engine.restart()
        except EngineError:
            time.sleep(RETRY_S)
            continue
        print(printable(f"playing again: {engine.state.program_name or 'dry'}"), flush=True)
        return True
    return False


def _read_json(path: str) -> object:
    try:
        return read_json(Path(path), MAX_MIDI_MAP_BYTES, "a MIDI map")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the MIDI map ({exc})") from None


def _announce(engine, client_name: str) -> None:
    state = engine.state
    source = f"file {state.input_file} (looped)" if state.input_file else f"{state.input_device!r}"
    print(printable(f"playing {state.program_name or 'dry'} at {state.sample_rate} Hz on {state.host_api}"))
    print(printable(f"  input: {source}; output: {state.output_device!r}"))
    if "jack" in state.host_api.lower():
        inputs = "" if state.input_file else f"{client_name}:in_0 → "
        print(f"  JACK ports: {inputs}{client_name}:out_0, out_1... (connect them with any JACK tool)")
    if state.midi_ports:
        print(f"  MIDI: {', '.join(state.midi_ports)}")
    print("Ctrl-C stops.")


def _play(engine, ends: float | None, verbose: bool):
    """Play until `ends` (None: Ctrl-C) or the engine stops; the "stopped" event when the audio
    server or device went away, else None."""
    from .advice import XrunAdvice
    from .events import AUDIO_LOST

    window: list = []
    next_print = time.monotonic() + 1.0
    shown = (engine.state.program_name, engine.state.bypassed)
    advice = XrunAdvice(jack="jack" in engine.state.host_api.lower())
    while engine.running and (ends is None or time.monotonic() < ends):
        for event in engine.poll(0.05):
            if event.kind == "stopped" and event.data == AUDIO_LOST:
                return event
            _report(event)
            if event.kind == "state" and (event.state.program_name, event.state.bypassed) != shown:
                shown = (event.state.program_name, event.state.bypassed)
                print(printable(f"{shown[0]}{' (bypassed)' if shown[1] else ''}"), flush=True)
        meters = engine.meters()
        text = advice.check(meters, time.monotonic())
        if text:
            print(f"advice: {text}", flush=True)
        if not verbose:
            continue
        window.append(meters)
        if time.monotonic() >= next_print:
            print(_meter_line(window), flush=True)
            window, next_print = [], next_print + 1.0
    return None


def _meter_line(window: list) -> str:
    last = window[-1]
    return (
        f"in {max(m.input_peak_db for m in window):6.1f} dBFS  "
        f"out {max(m.output_peak_db for m in window):6.1f} dBFS  "
        f"cpu {100 * sum(m.cpu_load for m in window) / len(window):3.0f}% "
        f"(max {100 * max(m.cpu_load_max for m in window):3.0f}%)  xruns {last.xruns}  "
        f"{latency_text(last)}  {'on' if last.engaged else 'bypassed'}"
        + (f"  NaN/Inf blocks {last.non_finite}" if last.non_finite else "")
        + (f"  clipped {last.clipped}" if last.clipped else "")
    )


def _report(event) -> None:
    if event.kind == "error":
        print(printable(f"error: {event.message}"), flush=True)
    elif event.kind == "recorded":
        print(f"recorded {event.data}", flush=True)
    elif event.kind == "learned":
        print(learned_text(event.data), flush=True)
    elif event.kind == "stopped" and event.message:
        print(printable(f"engine stopped: {event.message}"), flush=True)


def learned_text(data: dict) -> str:
    """A "learned" event's data for people: the trigger, its action, and what it replaced."""
    from ..midi import Binding, trigger_text

    binding = Binding.from_dict(data["binding"])
    text = f"MIDI learned: {trigger_text(binding)} now sends {binding.command}"
    for old in data["replaced"]:
        replaced = Binding.from_dict(old)
        text += f"; it no longer sends {replaced.command} (replaced)"
    return text


def _list_devices(host_api: str | None, midi_api: str | None) -> None:
    from .devices import host_apis, list_devices, list_midi_ports, midi_api_for

    print("host APIs: " + ", ".join(host_apis()))
    print("audio devices (index: name [host API] inputs/outputs, default rate):")
    for device in list_devices(host_api):
        print(
            f"  {device.index}: {device.name} [{device.host_api}] {device.max_input_channels}/"
            f"{device.max_output_channels}, {device.default_sample_rate:g} Hz"
        )
    api = midi_api_for(host_api, midi_api)
    try:
        ports = list_midi_ports(api)
    except Exception as exc:  # rtmidi raises its own error types when an API is unavailable
        print(f"MIDI ports ({api or 'default API'}): unavailable ({exc})")
        return
    print(f"MIDI ports ({api or 'default API'}): " + (", ".join(ports) or "none"))
