"""The footswitch shows the engine's bypass state: after a click, a key press, or a MIDI CC102."""

from gui_helpers import MIDI_PORT, TIMEOUT_MS, TINY, JackMidiSender, open_window, play, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication


def engaged(window) -> bool:
    """What the engine's audio path does (its meters), not just what it was told."""
    return window.link.meters().engaged


def test_click_bypasses_and_engages(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    assert not window.footswitch.isEnabled()  # nothing to switch while stopped
    play(qtbot, window, TINY)
    start(qtbot, window)
    assert window.footswitch.isEnabled() and not window.footswitch.bypassed

    qtbot.mouseClick(window.footswitch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.footswitch.bypassed, timeout=TIMEOUT_MS)
    assert window.link.engine.state.bypassed
    qtbot.waitUntil(lambda: not engaged(window), timeout=TIMEOUT_MS)

    qtbot.mouseClick(window.footswitch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.footswitch.bypassed, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: engaged(window), timeout=TIMEOUT_MS)


def test_space_and_b_keys_switch(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, TINY)
    start(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    # The keys must work wherever the focus is, even on a button that Space would press.
    window.previous_button.setFocus()
    assert QApplication.focusWidget() is window.previous_button

    qtbot.keyClick(window.previous_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.link.engine.state.bypassed and window.footswitch.bypassed, timeout=TIMEOUT_MS)
    qtbot.keyClick(window.previous_button, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: not window.link.engine.state.bypassed, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.footswitch.bypassed, timeout=TIMEOUT_MS)
    assert window.statusBar().currentMessage() == ""  # Space did not press "previous preset" (no slots)


def test_midi_footswitch_updates_the_button(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    play(qtbot, window, TINY)
    start(qtbot, window)
    ports = window.link.engine.state.midi_ports
    assert ports == (f"neuralfx:{MIDI_PORT}",)  # a port of the engine's own JACK client
    sender = JackMidiSender(ports[0])
    try:
        sender.send(bytes([0xB0, 102, 127]))  # the default map: CC102 toggles bypass
        qtbot.waitUntil(lambda: window.footswitch.bypassed, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not engaged(window), timeout=TIMEOUT_MS)
        sender.send(bytes([0xB0, 102, 0]))  # a release does nothing
        sender.send(bytes([0xB0, 102, 127]))
        qtbot.waitUntil(lambda: not window.footswitch.bypassed, timeout=TIMEOUT_MS)
    finally:
        sender.close()
