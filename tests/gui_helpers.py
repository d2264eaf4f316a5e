"""Shared helpers for the GUI tests (tests/test_gui_*.py): the main window driving a real engine
on the test JACK server, and a JACK client that sends MIDI to the engine's port.

Import this module before anything imports Qt widgets: it selects Qt's offscreen platform.
"""

from __future__ import annotations

import os

import pytest
from conftest import QT_PROBLEM

if QT_PROBLEM:
    pytest.skip(QT_PROBLEM, allow_module_level=True)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import collections
from pathlib import Path

from PyQt6.QtCore import QSettings

from neuralfx.preset import PresetMetadata, load_preset
from neuralfx_gui.window import MainWindow

REPO = Path(__file__).parent.parent
TINY = Path(__file__).parent / "data" / "tiny.nfx"
DI = REPO / "examples" / "di_clip.wav"
MIDI_PORT = "footswitch"
TIMEOUT_MS = 10000


def open_window(
    qtbot, tmp_path: Path, monkeypatch, midi: bool = False, rig: bool = True, first_run: bool = False
) -> MainWindow:
    """A shown main window whose settings live in tmp_path/gui.ini, set to play the DI clip on
    the test JACK server (the `jack` fixture) unless `rig` is False (then it keeps the saved
    settings), with its own MIDI port if `midi`. Its chain starts empty, unless `first_run` (then
    an empty gui.ini is the app's first run, which plays the default preset). The preset user
    folder is tmp_path/data/neuralfx/presets. qtbot closes the window (stopping the engine)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = settings_store(tmp_path)
    if not first_run and not store.allKeys():
        store.setValue("chain_editor", '{"effects": []}')
    window = MainWindow(store)
    qtbot.addWidget(window)
    if rig:
        window.override_settings({"host_api": "jack", "input_file": str(DI)})
    if midi:
        window.midi_panel.own_port.setText(MIDI_PORT)
    window.show()
    return window


def settings_store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


def start(qtbot, window: MainWindow) -> None:
    """Start the engine and wait until its first program plays."""
    window.start()
    qtbot.waitUntil(lambda: window.running and not window.link.engine.state.loading, timeout=TIMEOUT_MS)


def play(qtbot, window: MainWindow, preset: Path) -> None:
    """Put a preset in the chain (the file is read in the background) and wait for it."""
    window.play_preset(preset)
    qtbot.waitUntil(lambda: window.editor.model.neural_row() is not None, timeout=TIMEOUT_MS)


def engine_chain(window: MainWindow) -> list[tuple[str, str]]:
    """The engine's program as (type, preset or class) pairs."""
    chain = window.link.engine.state.chain_dict or {"effects": []}
    return [(e["type"], e.get("preset") or e.get("class")) for e in chain["effects"]]


def renamed_preset(path: Path, name: str) -> Path:
    """tiny.nfx under another name (a second preset to switch to)."""
    preset = load_preset(TINY)
    preset.metadata = PresetMetadata(name=name, pedal="tiny.nfx renamed for a test")
    return preset.save(path)


class JackMidiSender:
    """A JACK client with one MIDI output, connected to `destination` (the engine's port).
    `send(data)` plays the bytes in its next cycle."""

    def __init__(self, destination: str) -> None:
        import jack

        self._queue: collections.deque[bytes] = collections.deque()
        self.client = jack.Client("gui-test-midi", no_start_server=True)
        self.port = self.client.midi_outports.register("out")
        self.client.set_process_callback(self._process)
        self.client.activate()
        self.client.connect(self.port, destination)

    def _process(self, frames: int) -> None:
        self.port.clear_buffer()
        while self._queue:
            self.port.write_midi_event(0, self._queue.popleft())

    def send(self, data: bytes) -> None:
        self._queue.append(bytes(data))

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()
