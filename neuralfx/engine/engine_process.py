"""The engine process: the audio stream and its callback (a JACK client of its own, or a PortAudio
stream), and a main thread that mostly waits.

Any Python thread that keeps the CPU busy in this process makes the callback wait for the GIL,
and the callback then misses its deadline (see docs/live.md). So the main thread waits on the
command pipe and the MIDI socket, and does only short things:
- parse commands and MIDI;
- turn a program's chain_dict into effects (its presets come read and checked with it, from the
  controller: this process reads no preset file, and MIDI preset changes make nothing but models);
- construct each new model (about 2 ms for a 24-layer model), right after a callback ends, when
  the longest GIL-free stretch lies ahead; a 0.5 ms switch interval bounds the callback's wait
  should it overrun;
- write recorded audio to disk.
Everything else a new program needs (settling the model and making its buffers and plans: tens
of milliseconds) runs inside the callback, in the spare time after each block (signal_path.py).
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import gc
import signal
import sys
import time
from multiprocessing.connection import Connection, wait
from pathlib import Path

import numpy as np

from ..chain import Chain
from ..commands import Command
from ..midi import Binding, MidiMap, MidiParser
from .audio_callback import AudioCallback
from .devices import find_device, find_host_api, load_sounddevice, midi_api_for
from .events import AUDIO_LOST, EngineEvent, EngineState
from .looped_file import LoopedFile
from .meters import SharedMeters
from .program import LiveProgram, ProgramSource
from .recorder import Recorder
from .settings import EngineSettings
from .signal_path import SignalPath

_COMMAND_NAMES = frozenset(command.value for command in Command)

SWITCH_INTERVAL_S = 0.0005
"""How long the callback may wait for the GIL if the main thread holds it (Python's default: 5 ms)."""

CAPACITY = 8192

SILENCE_S = 1.0
"""A running stream whose callback has not come for this long has lost its device or server."""

IDLE_WAKE_S = 0.25
"""With nothing to do, the main thread still looks after the stream this often (each time it holds
the interpreter, which the callback may then wait for: rarely is better)."""


def engine_main(
    settings: EngineSettings,
    conn: Connection,
    meters: SharedMeters,
    program: ProgramSource | None = None,
    slots: list[ProgramSource] = (),
) -> None:
    """Entry point of the engine process (multiprocessing, spawn context): plays `program` (else
    slot 0, else dry), with `slots` for next/previous and Program Change."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the controller, which stops us
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    reason, lost = "", False
    engine = None
    try:
        engine = _Engine(settings, conn, meters, slots)
        engine.run(program)
    except AudioLost as exc:
        reason, lost = str(exc), True
    except Exception as exc:
        reason = str(exc) if isinstance(exc, ValueError | OSError) else f"{type(exc).__name__}: {exc}"
        _send(conn, EngineEvent("error", reason))
    finally:
        if engine is not None:
            engine.close()
        _send(conn, EngineEvent("stopped", reason, data=AUDIO_LOST if lost else None))


def _lock_memory() -> None:
    """Keep every page the engine touches in RAM (mlockall, locking on first touch), so that the
    callback never waits for the system to page its memory back in. Only where locked memory is
    unlimited (root, or the `audio` group of a JACK setup): with a limit, later allocations
    would fail."""
    if sys.platform != "linux":
        return
    import resource

    if resource.getrlimit(resource.RLIMIT_MEMLOCK)[0] == resource.RLIM_INFINITY:
        current, future, on_fault = 1, 2, 4  # MCL_* (Linux)
        ctypes.CDLL(None).mlockall(current | future | on_fault)


class AudioLost(RuntimeError):
    """The audio server or device went away (a restart may work once it is back)."""


def _send(conn: Connection, event: EngineEvent) -> None:
    try:
        conn.send(event)
    except (BrokenPipeError, OSError):
        pass  # the controller is gone


class _Engine:
    """The engine process's state; its public methods are the engine's commands (`Command`)."""

    def __init__(
        self, settings: EngineSettings, conn: Connection, meters: SharedMeters, slots: list[ProgramSource]
    ) -> None:
        self.conn, self.meters = conn, meters
        self.settings = settings
        self.stream = self.jack = self.midi = None
        self.channel = settings.input_channel
        if settings.host_api is not None and "jack" in settings.host_api.lower():
            host_name, input_name, output_name, block = self._open_jack(settings)
        else:
            host_name, input_name, output_name, block = self._open_portaudio(settings)
        self.midi_map = MidiMap.from_dict(settings.midi_map) if settings.midi_map else MidiMap.default()
        self.parser = MidiParser()
        self.slots = self._parse_slots(slots)
        self._startup_warnings: list[str] = []
        midi_ports = self._open_midi(settings, host_name)
        self._stopping = False
        self._resolved_seen = 0
        self._heard = (0, time.monotonic())  # (callbacks, when that count was first seen)
        self._program: LiveProgram | None = None
        self._midi_problems: list[str] | None = None  # those last reported
        self.state = EngineState(
            bypassed=False,
            presets=tuple(name for name, _, _ in self.slots),
            midi_map=self.midi_map.to_dict(),
            midi_ports=tuple(midi_ports),
            host_api=host_name,
            input_device=input_name,
            output_device=output_name,
            input_file=settings.input_file,
            sample_rate=self.rate,
            block_size=block,
            input_gain_db=settings.input_gain_db,
            output_gain_db=settings.output_gain_db,
        )

    def _signal_path(self, settings: EngineSettings) -> None:
        """The source, signal path, recorder and callback, once the stream's rate is known."""
        self.source = LoopedFile(settings.input_file, self.rate) if settings.input_file else None
        self.signal_path = SignalPath(self.rate, settings.crossfade_ms, CAPACITY)
        self.signal_path.set_levels(settings.input_gain_db, settings.output_gain_db)
        self.recorder = Recorder(self.rate)
        self.callback = AudioCallback(
            self.signal_path, self.meters, self.recorder, self.rate, self.channel, self.source, capacity=CAPACITY
        )

    def _open_jack(self, settings: EngineSettings) -> tuple[str, str, str, int]:
        from .jack_audio import JackAudio

        self.jack = JackAudio(
            settings.client_name,
            has_input=settings.input_file is None,
            input_device=settings.input_device,
            input_channel=self.channel,
            output_device=settings.output_device,
            output_channels=settings.output_channels,
            sample_rate=settings.sample_rate,
        )
        self.rate = self.jack.rate
        self._signal_path(settings)
        return "JACK Audio Connection Kit", self.jack.input_name, self.jack.output_name, 0

    def _open_portaudio(self, settings: EngineSettings) -> tuple[str, str, str, int]:
        sd = load_sounddevice()
        host_api = find_host_api(settings.host_api) if settings.host_api else None
        host_name = sd.query_hostapis(host_api if host_api is not None else sd.default.hostapi)["name"]
        output = find_device(settings.output_device, host_api, "output")
        output_info = sd.query_devices(output)
        self.rate = settings.sample_rate or int(output_info["default_samplerate"])
        self._signal_path(settings)
        out_channels = min(settings.output_channels, output_info["max_output_channels"])
        if self.source is not None:
            self.stream = sd.OutputStream(
                samplerate=self.rate,
                blocksize=settings.block_size,
                device=output,
                channels=out_channels,
                dtype="float32",
                latency="low",
                callback=lambda outdata, frames, time_info, status: self.callback(
                    None, outdata, frames, time_info, status
                ),
            )
            self.callback.input_latency, self.callback.output_latency = 0, round(self.stream.latency * self.rate)
            return host_name, "", output_info["name"], settings.block_size
        input_ = find_device(settings.input_device, host_api, "input")
        input_info = sd.query_devices(input_)
        if self.channel >= input_info["max_input_channels"]:
            raise ValueError(
                f"input_channel {self.channel} does not exist: {input_info['name']!r} has "
                f"{input_info['max_input_channels']} input channel(s), numbered from 0"
            )
        self.stream = sd.Stream(
            samplerate=self.rate,
            blocksize=settings.block_size,
            device=(input_, output),
            channels=(self.channel + 1, out_channels),
            dtype="float32",
            latency="low",
            callback=self.callback,
        )
        self.callback.input_latency, self.callback.output_latency = (round(t * self.rate) for t in self.stream.latency)
        return host_name, input_info["name"], output_info["name"], settings.block_size

    def _open_midi(self, settings: EngineSettings, host_name: str) -> list[str]:
        """Open the MIDI input the settings ask for; the names of the ports listened to. No
        footswitch is no reason to stay silent: a failure is reported once the audio plays."""
        if not (settings.midi_port or settings.midi_virtual_port):
            return []
        api = midi_api_for(host_name, settings.midi_api)
        try:
            if self.jack is not None and api == "UNIX_JACK":  # a port of the engine's own JACK client
                names = self.jack.add_midi_input(settings.midi_virtual_port or "midi_in", settings.midi_port)
                self.midi = self.jack.midi
                return names
            from .midi_input import MidiInput

            self.midi = MidiInput(api, settings.midi_port, settings.midi_virtual_port, settings.client_name)
            return self.midi.names
        except Exception as exc:
            self._startup_warnings.append(f"MIDI is off: {exc}")
            return []

    # --- the main thread ------------------------------------------------------------------------
    def run(self, program: ProgramSource | None) -> None:
        # NAM's engines compile (or load from numba's cache) when their module is first imported,
        # holding the interpreter for about a second: do it now, so that a .nam preset chosen
        # while playing does not stall the audio.
        import neuralfx.nam.kernels  # noqa: F401

        # First calls of the callback's code paths are slow: make them before the stream runs.
        silence = None if self.source is not None else np.zeros(256, np.float32)
        for _ in range(8):
            self.callback.process(silence, 256)
        self.callback.reset_counts()
        if program is not None:
            self.load_chain(program)
        elif self.slots:
            self.select_preset(0)
        gc.collect()
        gc.freeze()  # startup objects leave the collector's view: later collections stay short
        _lock_memory()
        if self.jack is not None:
            self.jack.start(self.callback)
        else:
            self.stream.start()
        self._heard = (0, time.monotonic())
        self._update(running=True, kind="started")
        for warning in self._startup_warnings:
            self._error(warning)
        self._midi_problems = None
        self._check_midi_map()
        waited_on = [x for x in (self.conn, self.midi, self.jack and self.jack.alarm) if x is not None]
        while not self._stopping:
            timeout = 0.01 if self.signal_path.loading else IDLE_WAKE_S  # report the end of a load promptly
            ready = wait(waited_on, timeout=timeout)
            if self.conn in ready:
                self._commands()
            if self.midi is not None and self.midi in ready:
                self._midi(self.midi.read())
            self._drain_recording()
            self._housekeeping()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.jack is not None:
            self.jack.close()  # closes its MIDI channel too
        elif self.midi is not None:
            self.midi.close()
        if self.recorder.recording:
            self._finish_recording()

    def _commands(self) -> None:
        while self.conn.poll():
            try:
                name, args = self.conn.recv()
            except EOFError:  # the controller is gone
                self._stopping = True
                return
            if name not in _COMMAND_NAMES:
                self._error(f"unknown engine command {name!r}")
                continue
            try:
                getattr(self, name)(*args)
            except Exception as exc:
                self._error(str(exc) if isinstance(exc, ValueError | OSError) else f"{type(exc).__name__}: {exc}")

    def _midi(self, data: bytes) -> None:
        for message in self.parser.feed(data):
            learned = self.midi_map.learn_from(message)
            if learned is not None:  # one event: the map before it is the map to undo to
                data = {"binding": learned.binding.to_dict(), "replaced": [b.to_dict() for b in learned.replaced]}
                self._update("learned", data, midi_map=self.midi_map.to_dict(), midi_learning=None)
                continue  # the message taught the trigger: it does not also fire it
            for action in self.midi_map.handle(message, self._controls()):
                try:
                    getattr(self, action.command)(*action.args)
                except ValueError as exc:  # e.g. Program Change to an empty slot
                    self._error(f"MIDI {action.command}: {exc}")

    def _controls(self) -> tuple:
        """The own controls (knobs) of the pedal a CC's set_parameter reaches: the program's first neural pedal's."""
        pedals = self._program.pedals if self._program is not None else []
        return pedals[0].model_parameters if pedals else ()

    def _check_midi_map(self) -> None:
        """Say what the map asks of the playing pedal that it cannot do (once, until that changes)."""
        pedals = self._program.pedals if self._program is not None else []
        name = pedals[0].preset.name if pedals else "the program"
        problems = self.midi_map.problems_with(self._controls(), name)
        if problems != self._midi_problems and self.state.running:
            for problem in problems:
                self._error(f"MIDI: {problem}")
        self._midi_problems = problems

    def _housekeeping(self) -> None:
        errors = list(self.signal_path.errors)
        self.signal_path.errors.clear()
        for message in errors:
            self._error(message)
        if self.signal_path.loads_resolved != self._resolved_seen:
            self._resolved_seen = self.signal_path.loads_resolved
            gc.freeze()  # the new program's objects leave the collector's view
        if self.signal_path.loading != self.state.loading:
            self._update(loading=self.signal_path.loading)
        self._check_audio()

    def _check_audio(self) -> None:
        """Raise AudioLost when the audio server or device has gone away: JACK says so at once;
        otherwise the stream ends or its callbacks stop coming."""
        if self.jack is not None:
            if self.jack.lost:
                raise AudioLost(self.jack.lost)
            self.callback.input_latency, self.callback.output_latency = self.jack.latency  # connections change it
        elif not self.stream.active and not self._stopping:
            raise AudioLost("the audio stream stopped (the device is gone, or its audio server stopped)")
        now, (callbacks, since) = time.monotonic(), self._heard
        if self.callback.callbacks != callbacks:
            self._heard = (self.callback.callbacks, now)
        elif now - since > SILENCE_S:
            raise AudioLost(f"no audio callback for {now - since:.1f} s: the audio device or server stopped")

    def _update(self, kind: str = "state", data: object = None, **changes) -> None:
        self.state = dataclasses.replace(self.state, **changes)
        _send(self.conn, EngineEvent(kind, state=self.state, data=data))

    def _error(self, message: str) -> None:
        _send(self.conn, EngineEvent("error", message))

    # --- commands (from the controller and from MIDI) -------------------------------------------
    def stop(self) -> None:
        self._stopping = True

    def load_chain(self, program: ProgramSource) -> None:
        self._load(program.chain(), program.chain_dict, program.name, slot=None)

    def _load(self, chain: Chain, chain_dict: dict, name: str, slot: int | None) -> None:
        chain_dict = copy.deepcopy(chain_dict)  # parameter changes must not edit the slot's copy
        program = LiveProgram(chain, name, chain_dict)
        program.construct(self.rate, before_each=self._after_a_callback)
        self.signal_path.load(program)
        self._program = program
        self._update(program_name=name, chain_dict=chain_dict, slot=slot, loading=True)
        self._check_midi_map()

    def _after_a_callback(self) -> None:
        """Return right after the next callback ends: the main thread's longest GIL-free stretch."""
        self.callback.wait_for_one()

    def set_presets(self, slots: list[ProgramSource]) -> None:
        self.slots = self._parse_slots(slots)
        self._update(presets=tuple(name for name, _, _ in self.slots))

    @staticmethod
    def _parse_slots(slots: list[ProgramSource]) -> list[tuple[str, dict, Chain]]:
        """Each slot's chain, made now, so that switching slots makes nothing but the program. A
        slot's chain holds neural pedals only, which each program clones (programs never share
        stream state)."""
        return [(slot.name, slot.chain_dict, slot.chain()) for slot in slots]

    def select_preset(self, slot: int) -> None:
        if not 0 <= slot < len(self.slots):
            raise ValueError(f"there is no preset slot {slot} ({len(self.slots)} slots)")
        name, chain_dict, chain = self.slots[slot]
        self._load(chain, chain_dict, name, slot)

    def next_preset(self) -> None:
        self._step_preset(+1)

    def previous_preset(self) -> None:
        self._step_preset(-1)

    def _step_preset(self, step: int) -> None:
        if not self.slots:
            raise ValueError("there are no preset slots to step through")
        current = self.state.slot
        slot = (0 if step > 0 else len(self.slots) - 1) if current is None else (current + step) % len(self.slots)
        self.select_preset(slot)

    def set_bypass(self, bypassed: bool) -> None:
        self.signal_path.set_bypass(bool(bypassed))
        self._update(bypassed=bool(bypassed))

    def toggle_bypass(self) -> None:
        self.set_bypass(not self.state.bypassed)

    def set_levels(self, input_gain_db: float, output_gain_db: float) -> None:
        self.signal_path.set_levels(input_gain_db, output_gain_db)
        self._update(input_gain_db=input_gain_db, output_gain_db=output_gain_db)

    def set_parameter(self, name: str, value, effect: int | None = None) -> None:
        if self._program is None:
            raise ValueError("no program is loaded")
        index, value = self._program.check_parameter(effect, name, value)
        self.signal_path.set_parameter(index, name, value)
        chain_dict = self._program.chain_dict
        if chain_dict is not None:  # keep the state's chain current
            entry = chain_dict["effects"][index]
            entry.setdefault("parameters", {})[name] = value
            self._update(chain_dict=chain_dict)

    def start_recording(self, path: str) -> None:
        if self.settings.input_file and Path(path).resolve() == Path(self.settings.input_file).resolve():
            raise ValueError(f"cannot record to {path}: it is the file being played")
        self.recorder.start(path)
        self._update(recording=str(Path(path)))

    def _drain_recording(self) -> None:
        """Write what was recorded; a failing disk ends the recording, never the audio."""
        try:
            self.recorder.drain()
        except (OSError, RuntimeError) as exc:  # soundfile's errors are RuntimeErrors
            path = self.recorder.path
            self.recorder.abort()
            self._update(recording=None)
            self._error(f"the recording {path} stopped and was discarded: {exc}")

    def stop_recording(self) -> None:
        if not self.recorder.recording:
            raise ValueError("not recording")
        self._finish_recording()

    def _finish_recording(self) -> None:
        dropped, path = self.recorder.dropped, self.recorder.path
        try:
            self.recorder.stop(block_seconds=self.callback.frames / self.rate)
        except (OSError, RuntimeError) as exc:  # the unfinished file is deleted
            self._update(recording=None)
            self._error(f"the recording {path} could not be finished and was discarded: {exc}")
            return
        self._update(recording=None)
        _send(self.conn, EngineEvent("recorded", data=str(path)))
        if dropped:
            self._error(f"the recording {path} lost {dropped} samples: the disk could not keep up")

    def midi_learn(self, binding: dict) -> None:
        self.midi_map.learn(Binding.from_dict(binding))
        self._update(midi_learning=self.midi_map.learning.to_dict())

    def cancel_midi_learn(self) -> None:
        self.midi_map.cancel_learn()
        self._update(midi_learning=None)

    def set_midi_map(self, data: dict) -> None:
        self.midi_map = MidiMap.from_dict(data)
        self._update(midi_map=self.midi_map.to_dict(), midi_learning=None)
        self._check_midi_map()
