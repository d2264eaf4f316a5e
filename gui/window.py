"""The main window: the panels, the engine link, the 30 Hz poll, and the saved settings."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from neuralfx.chain import Chain, chain_plugins
from neuralfx.commands import Command
from neuralfx.engine import EngineEvent, EngineSettings, EngineState, LiveEngine, Meters
from neuralfx.engine.advice import XrunAdvice
from neuralfx.engine.devices import midi_api_for
from neuralfx.engine.events import AUDIO_LOST
from neuralfx.engine.meters import latency_text
from neuralfx.fileio import parse_json
from neuralfx.midi import MidiMap
from neuralfx.pedal import NeuralPedal
from neuralfx.plugins import real_path, trust_plugins, trusted_plugins_file, untrusted
from neuralfx.preset import DEFAULT_PRESET, load_preset, user_preset_dir

from .chain_editor import ChainEditor
from .chain_model import ChainModel, EditorEffect
from .device_panel import DevicePanel
from .engine_link import EngineLink, Worker
from .footswitch import Footswitch
from .layout import WordElidedLabel, fix_width, pane, section_header
from .meters import LevelMeter
from .midi_panel import MidiPanel
from .preset_info import PresetInfo
from .presets_panel import PresetBrowser
from .scope import ScopeView
from .stage import StageView
from .tuner import Tuner, samples_for

POLL_MS = 33
"""About 30 Hz: each tick polls events and reads the meters; every other tick draws the scope."""

WARNING_HOLD_S = 5.0
FOOTSWITCH_KEYS = ("Space", "B")
CLIP_DB = -0.1
"""An input peak at or above this (dBFS), at the interface or after the input gain, lights the clip light."""
STEPS = {+1: Command.NEXT_PRESET, -1: Command.PREVIOUS_PRESET}
TUNER_EVERY = 3
"""The tuner listens on every third tick: 10 times a second."""


def neural_entry(preset_path: str | Path) -> tuple[dict, PresetInfo]:
    """The chain entry of a preset as a neural pedal with default settings, and what the preset is
    (reads the file)."""
    preset = load_preset(preset_path)
    return Chain([NeuralPedal(preset)]).to_dict()["effects"][0], PresetInfo.of(preset)


def default_recordings_folder() -> Path:
    """$XDG_DATA_HOME/neuralfx/recordings, beside the user's presets."""
    return user_preset_dir().parent / "recordings"


class MainWindow(QMainWindow):
    """neuralfx's main window.

    Args:
        store: where the settings live (tests give a QSettings file under tmp_path).
    """

    def __init__(self, store: QSettings) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle("neuralfx")
        settings = self._load_engine_settings()
        self.link = EngineLink(LiveEngine(settings), self)
        self.background = Worker(1, self)
        self.running = False
        self.audio_lost = False  # the engine stopped because its audio server or device went away
        self.xrun_advice = XrunAdvice(jack=False)
        self.midi_map: dict = settings.midi_map or MidiMap.default().to_dict()
        self._last_counts = (0, 0)  # the engine's non-finite and clipped counters
        self._ticks = 0
        self._nan_until = self._clip_until = 0.0
        self._reading: set[str] = set()  # neural pedals' preset references being read for the editor
        self._recording_since: float | None = None
        self._rate_of: str | None = None  # the preset reference whose rate the Audio tab was given
        self.allowed_plugins: set[Path] = set()  # native plugins the user allowed in this session

        self._build(settings)
        self.link.reported.connect(self._on_event)
        self.link.failed.connect(self.show_error)
        self._save_timer = QTimer(self, singleShot=True, interval=500)
        self._save_timer.timeout.connect(self.save_settings)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._restore_view()
        self.browser.rescan()
        self.editor.ask_for_pedals()
        self._show_stopped("")
        self._follow_preset_rate()

    # --- building ---------------------------------------------------------------------------------
    def _build(self, settings: EngineSettings) -> None:
        self.start_button = QPushButton("▶  Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Start or stop the audio engine")
        self.start_button.clicked.connect(self.start_or_stop)
        fix_width(self.start_button, "▶  Start", "■  Stop", padding=44)
        self.record_button = QPushButton("● Rec")
        self.record_button.setObjectName("recordButton")
        self.record_button.clicked.connect(self.record_or_stop)
        fix_width(self.record_button, "● Rec", "■ 88:88", padding=28)
        # preset names are shown as plain text (never markup), shortened at a word's end when long
        self.program_label = WordElidedLabel("—")
        self.program_label.setObjectName("programName")
        self.stage_button = QPushButton("Stage")
        self.stage_button.setToolTip("The stage view: slot and name, big, full screen (F11; Esc leaves)")
        self.stage_button.clicked.connect(self.show_stage)
        self.stage = StageView()
        self.stage.stepped.connect(lambda step: self._command(STEPS[step]))
        QShortcut(QKeySequence("F11"), self, activated=self.show_stage)
        self.previous_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.previous_button.setToolTip("Previous preset slot")
        self.next_button.setToolTip("Next preset slot")
        self.previous_button.clicked.connect(lambda: self._command(Command.PREVIOUS_PRESET))
        self.next_button.clicked.connect(lambda: self._command(Command.NEXT_PRESET))
        for button in (self.previous_button, self.next_button):
            button.setObjectName("stepButton")
        self.engine_label = QLabel()
        self.cpu_label, self.xrun_label, self.latency_label = QLabel(), QLabel(), QLabel()
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warning")
        for label in (self.engine_label, self.cpu_label, self.xrun_label, self.latency_label):
            label.setObjectName("chip")
        self.engine_label.setTextFormat(Qt.TextFormat.PlainText)  # device and file names
        # Buttons keep their places whatever the texts beside them say: the status chips have a row
        # of their own, and the buttons' widths are fixed.
        top = QHBoxLayout()
        top.addWidget(self.start_button)
        top.addWidget(self.record_button)
        top.addSpacing(12)
        top.addWidget(self.previous_button)
        top.addWidget(self.program_label, 1)
        top.addWidget(self.next_button)
        top.addSpacing(12)
        top.addWidget(self.stage_button)
        chips = QHBoxLayout()
        chips.addStretch()
        for label in (self.warning_label, self.engine_label, self.cpu_label, self.xrun_label, self.latency_label):
            chips.addWidget(label)

        self.browser = PresetBrowser(self.background)
        self.browser.opened = self._load_json("opened_presets", [])
        self.browser.favourites = self._load_json("favourite_presets", [])
        self.browser.set_slots(settings.presets)
        self.browser.play_requested.connect(self.play_preset)
        self.browser.slots_changed.connect(self._slots_changed)
        self.browser.slot_chosen.connect(lambda slot: self._command(Command.SELECT_PRESET, slot))
        self.browser.edited.connect(self.save_soon)
        self.device_panel = DevicePanel(self.background)
        self.device_panel.load(settings)
        self.device_panel.edited.connect(self._settings_edited)
        self.midi_panel = MidiPanel(self.background)
        self.midi_panel.load(settings)
        self.midi_panel.midi_api = midi_api_for(settings.host_api, None)
        self.midi_panel.learn_requested.connect(lambda binding: self._command(Command.MIDI_LEARN, binding))
        self.midi_panel.learn_cancelled.connect(lambda: self._command(Command.CANCEL_MIDI_LEARN))
        self.midi_panel.map_changed.connect(self._midi_map_changed)
        self.midi_panel.ports_edited.connect(self._settings_edited)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.browser, "Presets")
        self.tabs.addTab(self.device_panel, "Audio")
        self.tabs.addTab(self.midi_panel, "MIDI")

        self.editor = ChainEditor(self._load_chain_model(settings))
        self.editor.set_levels(settings.input_gain_db, settings.output_gain_db)
        self.editor.chain_changed.connect(self._chain_changed)
        self.editor.parameter_changed.connect(self._parameter_changed)
        self.editor.levels_changed.connect(self._levels_changed)
        self.editor.pedal_needed.connect(self._read_pedal)
        self.editor.edited.connect(self.save_soon)
        self.scope = ScopeView()
        self.scope_mode = QComboBox()
        self.scope_mode.addItem("Spectrum", "spectrum")
        self.scope_mode.addItem("Waveform", "waveform")
        self.scope_mode.currentIndexChanged.connect(lambda: self.scope.set_mode(self.scope_mode.currentData()))
        self.scope_mode.setCurrentIndex(max(0, self.scope_mode.findData(self.store.value("scope_mode", "spectrum"))))
        self.center = QSplitter(Qt.Orientation.Vertical)
        self.center.addWidget(self.editor)
        self.center.addWidget(pane(section_header("Output", self.scope_mode), self.scope))
        self.center.setSizes([450, 280])

        self.input_meter, self.output_meter = LevelMeter("IN"), LevelMeter("OUT")
        self.footswitch = Footswitch()
        self.footswitch.pressed_by_user.connect(lambda bypassed: self._command(Command.SET_BYPASS, bypassed))
        for key in FOOTSWITCH_KEYS:
            QShortcut(QKeySequence(key), self, activated=self.footswitch.press)
        self.stage.stomped.connect(self.footswitch.press)
        self.tuner = Tuner()
        self.tuner.hide()
        self.tuner_button = QPushButton("Tuner")
        self.tuner_button.setCheckable(True)
        self.tuner_button.setToolTip("Show the tuner: it listens to the input (T)")
        self.tuner_button.toggled.connect(self.tuner.setVisible)
        QShortcut(QKeySequence("T"), self, activated=self.tuner_button.toggle)
        meters = QHBoxLayout()
        meters.addStretch()
        meters.addWidget(self.input_meter)
        meters.addWidget(self.output_meter)
        meters.addStretch()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(meters, 1)
        right_layout.addWidget(self.tuner_button)
        right_layout.addWidget(self.tuner)
        right_layout.addWidget(self.footswitch)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.tabs)
        self.split.addWidget(self.center)
        self.split.addWidget(right)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([340, 760, 180])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addLayout(chips)
        layout.addWidget(self.split, 1)
        self.setCentralWidget(central)
        self.resize(1280, 800)

    # --- starting and stopping --------------------------------------------------------------------
    def engine_settings(self) -> EngineSettings:
        """The settings the engine starts with: devices, MIDI, slots, the chain and the map."""
        settings = EngineSettings.from_dict(self.link.engine.settings.to_dict())
        self.device_panel.apply_to(settings)
        self.midi_panel.apply_to(settings)
        settings.presets = list(self.browser.slots)
        settings.chain_dict = self.editor.model.engine_chain_dict() if self.editor.model.effects else None
        settings.chain_name = ""
        settings.midi_map = self.midi_map
        settings.input_gain_db = self.editor.input_block.value
        settings.output_gain_db = self.editor.output_block.value
        return settings

    def override_settings(self, values: dict) -> None:
        """Use these EngineSettings fields (e.g. from the command line) instead of the saved ones."""
        settings = EngineSettings.from_dict({**self.engine_settings().to_dict(), **values})  # validates
        self.device_panel.load(settings)

    def start_or_stop(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start(restart=self.audio_lost)

    def start(self, restart: bool = False) -> None:
        """Start the engine with the current settings (the process starts in the background);
        `restart` also brings back the preset slot and footswitch state it had when its audio went away."""
        if self._plugins_refused(self.engine_settings().chain_dict):
            self.show_error("Starting without the plugins you did not allow: they are switched off in the chain.")
        settings = self.engine_settings()
        self.save_settings()
        self.start_button.setEnabled(False)
        self.engine_label.setText("Starting…")

        def start(engine: LiveEngine) -> None:
            engine.stop()  # an engine that ended by itself may still be exiting: wait for it (no-op otherwise)
            engine.settings = settings
            (engine.restart if restart else engine.start)(wait=False)

        self.link.submit(start, failed=self._show_stopped)

    def stop(self) -> None:
        self.start_button.setEnabled(False)
        self.link.submit(lambda engine: engine.stop(), lambda _: self._show_stopped(""))

    def _command(self, command: Command, *args) -> None:
        """Send a command if the engine runs (otherwise there is nothing to tell it)."""
        if self.running:
            self.link.command(command, *args)

    # --- recording and the stage view -------------------------------------------------------------
    def recordings_folder(self) -> Path:
        return Path(self.store.value("recordings_folder") or default_recordings_folder())

    def record_or_stop(self) -> None:
        """Start recording the output to a new file in the recordings folder, or stop."""
        if not self.running:
            return
        if self.link.engine.state.recording:
            self.link.command(Command.STOP_RECORDING)
            return
        folder = self.recordings_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error(f"Cannot record: cannot make the folder {folder} ({exc.strerror})")
            return
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H.%M.%S")
        self.link.command(Command.START_RECORDING, folder / f"neuralfx {stamp}.wav")

    def _show_recording(self, recording: str | None) -> None:
        if recording and self._recording_since is None:
            self._recording_since = time.monotonic()
        elif not recording:
            self._recording_since = None
        self.record_button.setProperty("recording", bool(recording))
        self._repolish(self.record_button)
        self.record_button.setToolTip(
            f"Recording to {recording}: click to stop"
            if recording
            else f"Record the output to {self.recordings_folder()}"
        )
        self._show_record_time()

    def _show_record_time(self) -> None:
        if self._recording_since is None:
            _set_text(self.record_button, "● Rec")
        else:
            minutes, seconds = divmod(int(time.monotonic() - self._recording_since), 60)
            _set_text(self.record_button, f"■ {minutes}:{seconds:02d}")

    def show_stage(self) -> None:
        """The stage view, full screen (F11 again or Esc leaves)."""
        if self.stage.isVisible():
            self.stage.close()
            return
        self.stage.showFullScreen()
        self.stage.activateWindow()

    # --- the engine's reports ---------------------------------------------------------------------
    def _on_event(self, event: EngineEvent) -> None:
        map_before = self.midi_map
        if event.state is not None:
            self._show_state(event.state)
        if event.kind == "learned":
            self.midi_panel.show_learned(event.data, map_before)
            self.save_settings()
        elif event.kind == "recorded":
            self.statusBar().setStyleSheet("")
            self.statusBar().showMessage(f"Recorded {event.data}", 15000)
        elif event.kind == "error":
            self.show_error(event.message)
        elif event.kind == "stopped":
            self._show_stopped(event.message, lost=event.data == AUDIO_LOST)

    def _show_state(self, state: EngineState) -> None:
        if not state.running:
            return
        if not self.running:
            self.running = True
            self.start_button.setText("■  Stop")
            self.start_button.setEnabled(True)
            self.start_button.setProperty("running", True)
            self._repolish(self.start_button)
            self.record_button.setEnabled(True)
            self._last_counts = (0, 0)
            if self.audio_lost:
                self.statusBar().clearMessage()  # the audio is back
            self.audio_lost = False
            self.xrun_advice = XrunAdvice(jack="jack" in state.host_api.lower())
            source = f"loop {Path(state.input_file).name}" if state.input_file else state.input_device
            self.engine_label.setText(f"{_short_api(state.host_api)} · {source} → {state.output_device}")
        self.footswitch.setEnabled(True)
        self.footswitch.show_bypassed(state.bypassed)
        title = self._program_title(state)
        self.program_label.set_full_text(title + ("  (loading…)" if state.loading else ""))
        self.stage.show_program(state.slot, title)
        self.stage.show_bypassed(state.bypassed)
        self.browser.show_current_slot(state.slot)
        self.editor.follow(state.chain_dict)
        self.editor.set_levels(state.input_gain_db, state.output_gain_db)
        self._follow_preset_rate()
        if bool(state.recording) != (self._recording_since is not None):
            self._show_recording(state.recording)
        if state.midi_map and state.midi_map != self.midi_map:
            self.midi_map = state.midi_map
            self.save_soon()
        self._show_midi_map(state.midi_learning, True, state.midi_ports)

    def _show_midi_map(self, learning: dict | None, running: bool, ports: tuple = ()) -> None:
        pedal = self.editor.playing_pedal()
        controls = pedal.controls if pedal is not None else ()
        self.midi_panel.show_map(self.midi_map, learning, self.browser.slot_names(), running, ports, controls)

    def _program_title(self, state: EngineState) -> str:
        """The playing preset's name (the chain editor shows the rest), else the program's name."""
        neural = [e["preset"] for e in (state.chain_dict or {}).get("effects", []) if e["type"] == "neural"]
        if state.slot is not None or not neural:
            return state.program_name
        reference = neural[0]  # a preset name (in a preset folder) or a path, as chain files hold it
        if reference in self.editor.pedals:
            return self.editor.pedals[reference].name
        for info in self.browser.infos.values():
            if str(info.path) == reference or info.path.stem == reference:
                return info.name
        return Path(reference).stem

    def _show_stopped(self, message: str, lost: bool = False) -> None:
        self.running = False
        self.audio_lost = lost
        self.start_button.setText("↻  Restart" if lost else "▶  Start")
        self.start_button.setToolTip(
            "Start again once the audio is back, with the same preset slot and footswitch"
            if lost
            else "Start or stop the audio engine"
        )
        self.start_button.setEnabled(True)
        self.start_button.setProperty("running", False)
        self._repolish(self.start_button)
        self._show_recording(None)
        self.record_button.setEnabled(False)
        self.stage.show_bypassed(None)
        self.editor.input_block.show_clipping(False)
        self.tuner.show_note(None)
        self.stage.tuner.show_note(None)
        self.footswitch.setEnabled(False)
        self.footswitch.update()
        self.input_meter.reset()
        self.output_meter.reset()
        self.scope.clear()
        self.cpu_label.setText("CPU —")
        self.xrun_label.setText("xruns —")
        self.latency_label.setText("latency —")
        self.warning_label.setText("")
        self.engine_label.setText("Audio lost" if lost else "Stopped")
        if lost:
            self.show_error(f"The audio stopped: {message}. Start it again, then click Restart.", timeout_ms=0)
        elif message:
            self.show_error(f"The engine stopped: {message}")
        self._show_midi_map(None, False)

    def show_error(self, message: str, timeout_ms: int = 15000) -> None:
        """A message in the status bar, in red (timeout_ms 0: until the next message)."""
        self.statusBar().setStyleSheet("color: #ff6b5b")
        self.statusBar().showMessage(message, timeout_ms)

    def _tick(self) -> None:
        self.link.poll()  # nothing once the engine's end was reported, until it starts again
        if not self.running:
            return
        meters = self.link.meters()
        now = time.monotonic()
        self._show_input(meters.input_peak_db, meters.input_rms_db, now)
        self.output_meter.show_levels(meters.output_peak_db, meters.output_rms_db, now)
        non_finite, clipped = self._last_counts
        if meters.non_finite > non_finite:
            self._nan_until = now + WARNING_HOLD_S
        if meters.clipped > clipped:
            self._clip_until = now + WARNING_HOLD_S
            self.output_meter.flag_clip(now)
        self._last_counts = (meters.non_finite, meters.clipped)
        warnings = [
            text for until, text in ((self._nan_until, "NaN silenced"), (self._clip_until, "CLIP")) if now < until
        ]
        _set_text(self.warning_label, "  ".join(warnings))
        _set_text(self.cpu_label, f"CPU {100 * meters.cpu_load:.0f} % (max {100 * meters.cpu_load_max:.0f} %)")
        _set_text(self.xrun_label, f"xruns {meters.xruns}")
        if self.xrun_label.property("bad") != (meters.xruns > 0):
            self.xrun_label.setProperty("bad", meters.xruns > 0)
            self._repolish(self.xrun_label)
        advice = self.xrun_advice.check(meters, now)
        if advice:
            self.xrun_label.setToolTip(advice)
            self.show_error(advice, timeout_ms=30000)
        self._show_latency(meters)
        self._ticks += 1
        if self._ticks % 2 == 0 and self.scope.isVisible():
            self.scope.show_samples(self.link.scope(self.scope.samples_needed), meters.sample_rate or 48000)
        if self._ticks % TUNER_EVERY == 0 and (self.tuner.isVisible() or self.stage.isVisible()):
            rate = meters.sample_rate or 48000
            self.tuner.listen(self.link.input_scope(samples_for(rate)), rate)
            self.stage.tuner.show_note(self.tuner.note)
        if self._recording_since is not None:
            self._show_record_time()

    def _show_input(self, peak_db: float, rms_db: float, now: float) -> None:
        """The IN meter shows what the chain hears (the engine meters the interface, before the input
        gain); the clip light lights when either reaches full scale."""
        gain = self.editor.input_block.value
        self.input_meter.show_levels(peak_db + gain, rms_db + gain, now)
        if peak_db >= CLIP_DB:  # the interface clipped, whatever the gain makes of it
            self.input_meter.flag_clip(now)
        self.editor.input_block.show_clipping(self.input_meter.clipping)

    def _show_latency(self, meters: Meters) -> None:
        """The round trip (to the output alone when a file plays) and the engine's part; the
        parts in the tooltip."""
        what = "to the output" if meters.input_latency_samples == 0 else "round trip"
        text = f"{meters.latency_ms:.1f} ms {what} (engine {meters.engine_latency_ms:.1f})"
        _set_text(self.latency_label, f"{text} · {meters.sample_rate / 1000:g} kHz")
        tip = (
            f"{latency_text(meters).capitalize()}; {meters.block_frames} frames per block. With JACK the parts are "
            "its ports' latencies, the sound card's buffers included; the engine adds only its program's latency."
        )
        if self.latency_label.toolTip() != tip:
            self.latency_label.setToolTip(tip)

    # --- what the panels ask for ------------------------------------------------------------------
    def play_preset(self, path: str | Path, then: Callable[[], None] | None = None) -> None:
        """Play a preset in place of the chain's neural pedal (the file is read in the background)."""

        def played(result: tuple[dict, PresetInfo]) -> None:
            entry, info = result
            self.editor.know_pedal(entry["preset"], info)
            self.editor.play_preset(entry)
            if then is not None:
                then()

        self.background.run(lambda: neural_entry(path), played, self.show_error)

    def _chain_changed(self, chain_dict: dict) -> None:
        if self.running and self._plugins_refused(chain_dict):
            self.show_error("The plugins you did not allow are switched off in the chain.")
            chain_dict = self.editor.model.chain_to_send()
        self._command(Command.LOAD_CHAIN, chain_dict)
        self._follow_preset_rate()
        self.save_soon()

    def _follow_preset_rate(self) -> None:
        """Tell the Audio tab the sample rate of the chain's preset (the file is read in the background)."""
        row = self.editor.model.neural_row()
        reference = self.editor.model.effects[row].entry["preset"] if row is not None else None
        if reference == self._rate_of:
            return
        self._rate_of = reference

        def show(sample_rate: int | None) -> None:
            if reference == self._rate_of:  # not replaced while the file was read
                self.device_panel.show_preset_rate(sample_rate)

        if reference is None:
            show(None)
        else:
            self.background.run(lambda: load_preset(reference).sample_rate, show, lambda _: show(None))

    def _read_pedal(self, reference: str) -> None:
        """Read a neural pedal's preset for the chain editor (in the background, once)."""
        if reference in self._reading:
            return
        self._reading.add(reference)

        def known(info: PresetInfo) -> None:
            self._reading.discard(reference)
            self.editor.know_pedal(reference, info)
            self._show_midi_map(self.midi_panel.learning, self.running, self.link.engine.state.midi_ports)

        self.background.run(lambda: PresetInfo.read(reference), known, lambda _: self._reading.discard(reference))

    def _levels_changed(self, input_gain_db: float, output_gain_db: float) -> None:
        if self.running:
            self.link.command(Command.SET_LEVELS, input_gain_db, output_gain_db)
        self.save_soon()

    def _parameter_changed(self, name: str, value, effect: int) -> None:
        if self.running:
            self.link.command(Command.SET_PARAMETER, name, value, effect=effect)

    def _slots_changed(self, slots: list[str]) -> None:
        self._command(Command.SET_PRESETS, slots)
        if not self.running:
            self._show_midi_map(None, False)

    def _midi_map_changed(self, midi_map: dict) -> None:
        self.midi_map = midi_map
        self._command(Command.SET_MIDI_MAP, midi_map)
        self.save_soon()

    def _settings_edited(self) -> None:
        self.midi_panel.midi_api = midi_api_for(self.device_panel.host_api.currentData(), None)
        if self.running:
            self.statusBar().setStyleSheet("")
            self.statusBar().showMessage("Restart the engine (Stop, Start) to use the new audio or MIDI settings.")
        self.save_soon()

    # --- native plugins ---------------------------------------------------------------------------
    def _plugins_refused(self, chain_dict: dict | None) -> bool:
        """Ask the user about the chain's native plugins that are neither trusted nor allowed yet:
        loading one runs its code. Allowed ones join the engine's consent (and, "always", the
        user's trusted-plugins file); refused ones are switched off in the editor. Returns whether
        any were refused."""
        try:
            asked = untrusted(chain_plugins(chain_dict), self.allowed_plugins) if chain_dict else []
        except ValueError:
            return False  # a damaged chain: the engine says what is wrong with it
        if not asked:
            return False
        choice = self.ask_plugin_consent(asked)
        if choice is None:
            model = self.editor.model
            for row, effect in enumerate(model.effects):
                if effect.entry["type"] == "plugin" and real_path(effect.entry["path"]) in asked:
                    model.set_switched_off(row, True)
            self.editor.set_model(model)
            self.save_soon()
            return True
        if choice == "always":
            trust_plugins(asked)
        self.allowed_plugins.update(asked)
        allowed = frozenset(self.allowed_plugins)
        self.link.submit(lambda engine: setattr(engine, "allow_plugins", allowed))  # before the chain it allows
        return False

    def ask_plugin_consent(self, paths: list[Path]) -> str | None:
        """Ask whether to load these native plugins: "once" (this session), "always" or None."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Load native plugins?")
        box.setTextFormat(Qt.TextFormat.PlainText)  # paths are shown as they are, never as markup
        box.setText(
            "The chain loads native plugins that you have not trusted:\n\n"
            + "\n".join(str(path) for path in paths)
            + "\n\nA plugin is a program: it runs with your rights. Load it only if you trust where it came from. "
            f"'Always allow' adds it to {trusted_plugins_file()}."
        )
        once = box.addButton("Allow once", QMessageBox.ButtonRole.AcceptRole)
        always = box.addButton("Always allow", QMessageBox.ButtonRole.YesRole)
        box.setDefaultButton(box.addButton("Don't load", QMessageBox.ButtonRole.RejectRole))
        box.exec()
        clicked = box.clickedButton()
        return "once" if clicked is once else "always" if clicked is always else None

    # --- settings ---------------------------------------------------------------------------------
    def _load_json(self, key: str, default):
        text = self.store.value(key)
        if not text:
            return default
        try:
            return parse_json(text, "a saved setting")
        except (TypeError, ValueError):
            return default

    def _load_engine_settings(self) -> EngineSettings:
        try:
            return EngineSettings.from_dict(self._load_json("engine", {}))
        except (TypeError, ValueError):
            return EngineSettings()  # damaged or from an incompatible version: start afresh

    def _load_chain_model(self, settings: EngineSettings) -> ChainModel:
        if not self.store.allKeys():  # the first run: the default pedal, ready to play on Start
            return ChainModel([EditorEffect(neural_entry(DEFAULT_PRESET)[0])])
        try:
            return ChainModel.from_dict(self._load_json("chain_editor", {"effects": []}))
        except (KeyError, TypeError, ValueError):
            model = ChainModel()
            model.follow(settings.chain_dict)
            return model

    def save_soon(self) -> None:
        self._save_timer.start()

    def save_settings(self) -> None:
        """Write the settings to the store now."""
        self._save_timer.stop()
        self.store.setValue("engine", json.dumps(self.engine_settings().to_dict()))
        self.store.setValue("chain_editor", json.dumps(self.editor.model.to_dict()))
        self.store.setValue("opened_presets", json.dumps(self.browser.opened))
        self.store.setValue("favourite_presets", json.dumps(self.browser.favourites))
        self.store.setValue("scope_mode", self.scope_mode.currentData())
        self.store.setValue("geometry", self.saveGeometry())
        for key, splitter in self._splitters():
            self.store.setValue(key, splitter.saveState())
        self.store.setValue("tab", self.tabs.currentIndex())
        self.store.sync()

    def _restore_view(self) -> None:
        if self.store.value("geometry") is not None:
            self.restoreGeometry(self.store.value("geometry"))
        for key, splitter in self._splitters():
            if self.store.value(key) is not None:
                splitter.restoreState(self.store.value(key))
        self.tabs.setCurrentIndex(int(self.store.value("tab", 0)))

    def _splitters(self) -> tuple[tuple[str, QSplitter], ...]:
        """The splitters whose positions are kept, with their settings keys."""
        return ("splitter", self.split), ("center_splitter", self.center)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.stage.close()
        self.save_settings()
        self.background.wait()
        self.link.shutdown()
        super().closeEvent(event)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:  # setText relayouts: skip it when nothing changed
        label.setText(text)


def _short_api(name: str) -> str:
    return "JACK" if "jack" in name.lower() else name
