"""LiveEngine: the controller's handle on the engine process (used by the GUI and `neuralfx live`)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..chain import Chain
from ..commands import Command
from ..midi import Binding, MidiMap
from ..plugins import AllowPlugins
from .events import EngineError, EngineEvent, EngineState
from .meters import TIMING_BINS, Meters, SharedMeters
from .program import ProgramSource
from .settings import EngineSettings


class LiveEngine:
    """Runs the live engine in its own process and talks to it.

    Commands return at once; their effect shows up in `state` after `poll()`, and failures come
    back as "error" events (a command never stops the audio). Use one LiveEngine from one
    thread (or serialise the calls): `poll` and `stop` both read the engine's pipe. Files are read and validated here
    first, so a bad preset or chain raises in the caller (PresetError or ValueError) and never
    reaches the engine; so is consent for a chain's native plugins (UntrustedPluginError, see
    `neuralfx.plugins`), which only the engine loads again. `meters()` and `scope()` read shared
    memory and never block.

        engine = LiveEngine(EngineSettings(host_api="jack", presets=["ts9"]))
        engine.start()
        engine.toggle_bypass()
        for event in engine.poll(): ...
        print(engine.meters().output_peak_db)
        engine.stop()

    Args:
        settings: what to open; `load_chain`, `load_preset`, `set_presets` and `set_midi_map`
            also update it, so that it is what a GUI should save.
        allow_plugins: native plugins the chains loaded by this engine may use besides the
            trusted ones (True: any; `neuralfx live --allow-plugins`). A GUI adds those its user
            allowed. Read by `start` (the settings' chain) and by `load_chain`.
    """

    def __init__(self, settings: EngineSettings | None = None, allow_plugins: AllowPlugins = ()) -> None:
        self.settings = settings or EngineSettings()
        self.allow_plugins = allow_plugins
        self.state = EngineState()
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._conn = None
        self._meters: SharedMeters | None = None
        self._unread: list[EngineEvent] = []
        self._stop_reported = False  # the engine's end was reported: report it once
        self._program: ProgramSource | None = None  # what load_chain/load_preset/set_presets loaded
        self._slots: list[ProgramSource] = []

    # --- life cycle -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the engine process is alive (its stream may still be starting)."""
        return self._process is not None and self._process.is_alive()

    def start(self, wait: bool = True, timeout_s: float = 30.0) -> None:
        """Start the engine process.

        Args:
            wait: block until the stream runs (about a second), raising EngineError with the
                engine's reason if it cannot start. With wait=False, "started" or "error" and
                "stopped" events arrive through `poll()`.
        """
        if self.running:
            raise EngineError("the engine is already running")
        self._join()  # an engine that ended on its own leaves a process and a pipe to clean up
        self._stop_reported = False
        from .engine_process import engine_main

        program, slots = self._programs()
        self._meters = SharedMeters(self._context)
        self._conn, child = self._context.Pipe()
        self._process = self._context.Process(
            target=engine_main,
            args=(self.settings, child, self._meters, program, slots),
            name="neuralfx-engine",
            daemon=True,
        )
        from ..reamp.pool import _single_threaded_blas

        with _single_threaded_blas():  # a BLAS helper thread would be a thread the callback waits for
            self._process.start()
        child.close()
        if not wait:
            return
        deadline = time.monotonic() + timeout_s
        errors = []
        while time.monotonic() < deadline:
            events = self.poll(timeout_s=0.05)
            for i, event in enumerate(events):
                if event.kind == "started":
                    self._unread = events[i + 1 :]  # what came with it is the next poll's
                    return
                if event.kind == "error":
                    errors.append(event.message)
                if event.kind == "stopped":
                    self._join()
                    raise EngineError("the engine did not start: " + ("; ".join(errors) or "it stopped"))
        self._join()
        raise EngineError(f"the engine did not start within {timeout_s:g} s")

    def restart(self, wait: bool = True, timeout_s: float = 30.0) -> None:
        """Start again (after the audio server or device went away and came back, say), then
        select the preset slot that was playing and put the footswitch back where it was."""
        before = self.state
        self.start(wait, timeout_s)
        if before.slot is not None:
            self.select_preset(before.slot)
        if before.bypassed:
            self.set_bypass(True)

    def stop(self, timeout_s: float = 5.0) -> list[EngineEvent]:
        """Stop the stream (finishing any recording) and end the engine process. Returns the
        events that arrived meanwhile (such as "recorded")."""
        if self._process is None:
            return []
        if self._process.is_alive():
            try:
                self._conn.send((Command.STOP.value, ()))
            except (BrokenPipeError, OSError):
                pass
            self._process.join(timeout_s)
        events = self.poll()
        self._join()
        return events

    def _programs(self) -> tuple[ProgramSource | None, list[ProgramSource]]:
        """The settings' program and preset slots: those loaded through this object's commands,
        or, for settings given otherwise, read and checked now (a bad file raises in the caller)."""
        settings = self.settings
        program = self._program
        if settings.chain_dict is None:
            program = None
        elif program is None or program.chain_dict is not settings.chain_dict:
            chain = Chain.from_dict(settings.chain_dict, allow_plugins=self.allow_plugins)
            program = ProgramSource.of(chain, settings.chain_name or None)
        slots = self._slots
        if [slot.source for slot in slots] != settings.presets:
            slots = [ProgramSource.of_preset(p) for p in settings.presets]
        return program, slots

    def _join(self) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(1.0)
        self._process = None
        self._conn.close()
        self.state = dataclasses.replace(self.state, running=False)

    def __enter__(self) -> LiveEngine:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what the engine says ---------------------------------------------------------------
    def poll(self, timeout_s: float = 0.0) -> list[EngineEvent]:
        """Drain the engine's events (waiting up to timeout_s for the first); `state` follows."""
        events, self._unread = self._unread, []
        if self._conn is None or self._conn.closed:
            return events
        try:
            if not self._conn.poll(0 if events else timeout_s):
                return events
            while True:
                event = self._conn.recv()
                events.append(event)
                if event.state is not None:
                    self.state = event.state
                if event.kind == "stopped" or not self._conn.poll():
                    break
        except (EOFError, OSError):
            self._conn.close()  # report the end once: later polls return nothing
            if not self._stop_reported and (not events or events[-1].kind != "stopped"):
                events.append(EngineEvent("stopped", "the engine process ended"))
        if events and events[-1].kind == "stopped":
            self._stop_reported = True
            self.state = dataclasses.replace(self.state, running=False)
        return events

    def meters(self) -> Meters:
        """The latest meters (all zero before the engine first publishes)."""
        return self._meters.read() if self._meters is not None else Meters()

    def timing(self) -> np.ndarray:
        """Callbacks counted by how long after the start of their audio cycle they finished, in
        bins of 1 % of the block time (`meters.TIMING_BINS`), since the stream started; see
        `meters.timing_percentiles` (the difference of two readings covers the time between)."""
        return self._meters.timing() if self._meters is not None else np.zeros(TIMING_BINS)

    def scope(self, samples: int = 2048) -> np.ndarray:
        """The latest `samples` output samples (up to 8192), oldest first."""
        return self._meters.scope(samples) if self._meters is not None else np.zeros(samples, np.float32)

    def input_scope(self, samples: int = 4096) -> np.ndarray:
        """The latest `samples` input samples (up to 8192), oldest first, before the input gain (for a tuner)."""
        return self._meters.input_scope(samples) if self._meters is not None else np.zeros(samples, np.float32)

    # --- commands ---------------------------------------------------------------------------
    def load_preset(self, name_or_path: str | Path, **parameters: float) -> None:
        """Play a preset (name or path) on its own, crossfading from what plays now; `parameters`
        set the pedal's (input_gain_db, a knob such as drive...)."""
        self._load(ProgramSource.of_preset(name_or_path, **parameters))

    def load_chain(self, chain: Chain | dict | str | Path, name: str | None = None) -> None:
        """Play a chain (a Chain, a `Chain.to_dict()` dict or a chain file), crossfading from
        what plays now. The new chain is prepared and has heard the input before it is faded in.
        A file's or dict's native plugins must be trusted or in `allow_plugins`."""
        if isinstance(chain, str | Path):
            name = name or Path(chain).stem
            chain = Chain.load(chain, allow_plugins=self.allow_plugins)
        elif isinstance(chain, dict):
            chain = Chain.from_dict(chain, allow_plugins=self.allow_plugins)
        self._load(ProgramSource.of(chain, name))

    def _load(self, program: ProgramSource) -> None:
        self._program = program
        self.settings.chain_dict, self.settings.chain_name = program.chain_dict, program.name
        self._send_if_running(Command.LOAD_CHAIN, program)

    def set_presets(self, names_or_paths: list[str | Path]) -> None:
        """Set the preset slots that next/previous and Program Change select from."""
        self._slots = [ProgramSource.of_preset(p) for p in names_or_paths]
        self.settings.presets = [slot.source for slot in self._slots]
        self._send_if_running(Command.SET_PRESETS, self._slots)

    def select_preset(self, slot: int) -> None:
        self._send(Command.SELECT_PRESET, int(slot))

    def next_preset(self) -> None:
        self._send(Command.NEXT_PRESET)

    def previous_preset(self) -> None:
        self._send(Command.PREVIOUS_PRESET)

    def set_bypass(self, bypassed: bool) -> None:
        """The footswitch: True plays the dry input (after a crossfade)."""
        self._send(Command.SET_BYPASS, bool(bypassed))

    def toggle_bypass(self) -> None:
        self._send(Command.TOGGLE_BYPASS)

    def set_parameter(self, name: str, value: Any, effect: int | None = None) -> None:
        """Set a parameter of the program's effect number `effect`, or of its first neural pedal
        (input_gain_db, output_gain_db, mix, bypass) when effect is None. pedalboard plugins take
        their attribute names (e.g. "room_size"); VST3 plugins their parameter names, raw 0..1."""
        self._send(Command.SET_PARAMETER, name, value, effect)

    def set_levels(self, input_gain_db: float | None = None, output_gain_db: float | None = None) -> None:
        """The engine's own input gain and output level in dB, before and after the whole program
        (presets and chains come and go, these stay); None leaves one as it is. They glide over 20 ms."""
        levels = {"input_gain_db": input_gain_db, "output_gain_db": output_gain_db}
        changed = {name: value for name, value in levels.items() if value is not None}
        self.settings = dataclasses.replace(self.settings, **changed)  # checks them
        self._send_if_running(Command.SET_LEVELS, self.settings.input_gain_db, self.settings.output_gain_db)

    def start_recording(self, path: str | Path) -> None:
        """Record the output (mono, the stream's rate) to a .wav (32-bit float) or .flac file,
        written beside `path` and moved into place when the recording stops."""
        self._send(Command.START_RECORDING, str(Path(path).absolute()))

    def stop_recording(self) -> None:
        self._send(Command.STOP_RECORDING)

    def midi_learn(self, binding: Binding | dict) -> None:
        """Bind the next MIDI message to `binding`'s command (e.g. Binding(Command.TOGGLE_BYPASS)).
        A "learned" event carries the result; `state.midi_map` holds the new map."""
        self._send(Command.MIDI_LEARN, binding.to_dict() if isinstance(binding, Binding) else dict(binding))

    def cancel_midi_learn(self) -> None:
        self._send(Command.CANCEL_MIDI_LEARN)

    def set_midi_map(self, midi_map: MidiMap | dict) -> None:
        data = midi_map.to_dict() if isinstance(midi_map, MidiMap) else MidiMap.from_dict(midi_map).to_dict()
        self.settings.midi_map = data
        self._send_if_running(Command.SET_MIDI_MAP, data)

    def _send(self, command: Command, *args: Any) -> None:
        if not self.running:
            raise EngineError(f"cannot {command.value.replace('_', ' ')}: the engine is not running")
        self._conn.send((command.value, args))

    def _send_if_running(self, command: Command, *args: Any) -> None:
        if self.running:
            self._conn.send((command.value, args))
