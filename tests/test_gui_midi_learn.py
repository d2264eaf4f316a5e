"""MIDI learn from the GUI: Learn → a CC through JACK → the engine binds it → the table shows it,
the settings keep it, and the CC then does its job."""

import json

from gui_helpers import (
    TIMEOUT_MS,
    TINY,
    JackMidiSender,
    open_window,
    play,
    renamed_preset,
    settings_store,
    start,
)
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)

from neuralfx.midi import Binding, MidiMap

NEXT = Binding("next_preset")


def test_learn_next_preset(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    second = renamed_preset(tmp_path / "second.nfx", "second")
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    window.browser.set_slots([str(TINY), str(second)])
    play(qtbot, window, TINY)
    start(qtbot, window)
    panel = window.midi_panel
    assert panel.trigger_of(Binding("toggle_bypass")) == "CC 102"  # the default map
    assert panel.trigger_of(NEXT) == "—"
    sender = JackMidiSender(window.link.engine.state.midi_ports[0])
    try:
        panel.learn_buttons[NEXT.role].click()
        qtbot.waitUntil(
            lambda: window.link.engine.state.midi_learning == {"command": "next_preset"}, timeout=TIMEOUT_MS
        )
        assert panel.trigger_of(NEXT) == "waiting…"

        sender.send(bytes([0xB3, 0, 127]))  # bank select: learning skips it
        sender.send(bytes([0xB3, 80, 127]))  # CC80 on MIDI channel 4
        qtbot.waitUntil(lambda: panel.trigger_of(NEXT) == "CC 80", timeout=TIMEOUT_MS)
        assert {"command": "next_preset", "control": 80} in window.midi_map["bindings"]
        assert not panel.learn_buttons[NEXT.role].isChecked()

        saved = json.loads(settings_store(tmp_path).value("engine"))["midi_map"]
        assert {"command": "next_preset", "control": 80} in saved["bindings"]
        assert {"command": "toggle_bypass", "control": 102} in saved["bindings"]

        sender.send(bytes([0xB3, 80, 127]))  # now it steps through the slots
        qtbot.waitUntil(lambda: window.browser.current_slot == 0, timeout=TIMEOUT_MS)
        sender.send(bytes([0xB3, 80, 0]))
        sender.send(bytes([0xB3, 80, 127]))
        qtbot.waitUntil(lambda: window.browser.current_slot == 1, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: window.program_label.text() == "second", timeout=TIMEOUT_MS)
    finally:
        sender.close()


def test_clear_and_channel_filter_reach_the_engine_and_settings(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    play(qtbot, window, TINY)
    start(qtbot, window)
    panel = window.midi_panel
    panel.clear(Binding("toggle_bypass"))
    panel.channel.setCurrentIndex(panel.channel.findData(9))  # MIDI channel 10
    qtbot.waitUntil(lambda: window.link.engine.state.midi_map.get("channel") == 9, timeout=TIMEOUT_MS)
    engine_map = window.link.engine.state.midi_map
    assert engine_map["bindings"] == [{"command": "select_preset"}]
    assert panel.trigger_of(Binding("toggle_bypass")) == "—"
    window.save_settings()
    assert json.loads(settings_store(tmp_path).value("engine"))["midi_map"] == engine_map


def test_learning_a_taken_cc_says_what_it_replaced_and_can_be_undone(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    play(qtbot, window, TINY)
    start(qtbot, window)
    panel, previous = window.midi_panel, Binding("previous_preset")
    window.tabs.setCurrentWidget(panel)
    default = MidiMap.default().to_dict()
    assert not panel.notice.isVisible()
    sender = JackMidiSender(window.link.engine.state.midi_ports[0])
    try:
        panel.learn_buttons[previous.role].click()
        qtbot.waitUntil(lambda: window.link.engine.state.midi_learning is not None, timeout=TIMEOUT_MS)
        sender.send(bytes([0xB0, 102, 127]))  # the bypass footswitch's CC
        qtbot.waitUntil(lambda: panel.trigger_of(previous) == "CC 102", timeout=TIMEOUT_MS)
    finally:
        sender.close()
    assert panel.trigger_of(Binding("toggle_bypass")) == "—"
    assert panel.notice.isVisible() and panel.undo_button.isVisible()
    assert panel.notice.text() == "CC 102 now sends “Previous preset”: it no longer sends “Bypass: toggle”."

    panel.undo_button.click()
    qtbot.waitUntil(lambda: window.link.engine.state.midi_map == default, timeout=TIMEOUT_MS)
    assert panel.trigger_of(Binding("toggle_bypass")) == "CC 102" and panel.trigger_of(previous) == "—"
    assert not panel.notice.isVisible()

    panel.clear(Binding("toggle_bypass"))
    panel.channel.setCurrentIndex(panel.channel.findData(3))
    qtbot.waitUntil(lambda: window.link.engine.state.midi_map.get("channel") == 3, timeout=TIMEOUT_MS)
    panel.restore_button.click()
    qtbot.waitUntil(lambda: window.link.engine.state.midi_map == default, timeout=TIMEOUT_MS)
    assert panel.notice.text().startswith("The default MIDI map is back") and panel.undo_button.isVisible()
    window.save_settings()
    assert json.loads(settings_store(tmp_path).value("engine"))["midi_map"] == default
