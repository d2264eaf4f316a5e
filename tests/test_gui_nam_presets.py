"""NAM files in the preset browser: listed beside .nfx presets, opened or dropped, their metadata card;
search, favourites kept in the settings; MIDI Program Change across a folder that mixes both."""

import json
import shutil

from gui_helpers import TIMEOUT_MS, TINY, JackMidiSender, engine_chain, open_window, settings_store, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)
from nam_helpers import shared_nam_data
from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent


def names(browser) -> dict[str, list[str]]:
    return {
        label: [group.child(j).text(0) for j in range(group.childCount())] for label, group in browser.groups().items()
    }


def nam_folder(tmp_path):
    """The user's preset folder with an A2 .nam, an LSTM .nam and a .nfx."""
    folder = tmp_path / "data" / "neuralfx" / "presets"
    folder.mkdir(parents=True)
    for name in ("a2.nam", "lstm.nam"):
        shutil.copy(shared_nam_data() / name, folder / name)
    shutil.copy(TINY, folder / "tiny.nfx")
    return folder


def test_nam_files_are_listed_described_searched_and_favoured(qtbot, tmp_path, monkeypatch):
    folder = nam_folder(tmp_path)
    window = open_window(qtbot, tmp_path, monkeypatch)
    browser = window.browser
    qtbot.waitUntil(lambda: "Your presets" in names(browser), timeout=TIMEOUT_MS)
    assert names(browser)["Your presets"] == ["a2", "Test LSTM", "tiny test"]

    browser.select(folder / "lstm.nam")
    details = browser.details.text()
    for shown in (
        "Darkglass Electronics Microtubes 900 v2",
        "amp, clean",
        "Steve",
        "NAM LSTM",
        "-37.8 dBFS",
        "in 18.3 dBu, out 12.3 dBu",
    ):
        assert shown in details, shown
    browser.select(folder / "a2.nam")
    assert "Size 1</td><td>up to 0.5: 1.7k, -24.0 dBFS" in browser.details.text()
    assert "Size knob</td><td>0 to 1" in browser.details.text()  # its size control's range

    browser.search.setText("darkglass")  # the pedal, not the name
    assert names(browser) == {"Your presets": ["Test LSTM"]}
    assert browser.tree.currentItem().text(0) == "Test LSTM"  # the match is ready to play
    browser.search.setText("TINY test")
    assert names(browser) == {"Your presets": ["tiny test"]}
    browser.search.setText("nothing like this")
    assert names(browser) == {}
    browser.search.clear()

    browser.select(folder / "lstm.nam")
    browser.favourite_button.click()
    assert browser.favourite_button.text() == "★"
    assert next(iter(names(browser))) == "★ Favourites" and names(browser)["★ Favourites"] == ["Test LSTM"]
    window.save_settings()
    assert json.loads(settings_store(tmp_path).value("favourite_presets")) == [str(folder / "lstm.nam")]
    again = open_window(qtbot, tmp_path, monkeypatch)
    qtbot.waitUntil(lambda: "★ Favourites" in names(again.browser), timeout=TIMEOUT_MS)
    assert names(again.browser)["★ Favourites"] == ["Test LSTM"]
    again.browser.select(folder / "lstm.nam")
    again.browser.favourite_button.click()
    assert "★ Favourites" not in names(again.browser)

    (folder / "new.nam").write_bytes((folder / "a2.nam").read_bytes())
    again.browser.rescan_button.click()
    qtbot.waitUntil(lambda: len(names(again.browser)["Your presets"]) == 4, timeout=TIMEOUT_MS)


def test_opened_and_dropped_nam_files(qtbot, tmp_path, monkeypatch):
    nam = tmp_path / "lstm.nam"
    shutil.copy(shared_nam_data() / "lstm.nam", nam)
    (tmp_path / "notes.txt").write_text("not a preset")
    window = open_window(qtbot, tmp_path, monkeypatch)
    browser = window.browser
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(nam)), QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    browser.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: "Opened files" in names(browser), timeout=TIMEOUT_MS)
    assert names(browser)["Opened files"] == ["Test LSTM"]
    assert browser.opened == [str(nam)]


def test_program_change_across_a_folder_of_nfx_and_nam(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    folder = nam_folder(tmp_path)
    window = open_window(qtbot, tmp_path, monkeypatch, midi=True)
    browser = window.browser
    qtbot.waitUntil(lambda: "Your presets" in names(browser), timeout=TIMEOUT_MS)
    browser.tree.setCurrentItem(browser.groups()["Your presets"])
    assert browser.add_slot_button.isEnabled()
    browser.add_slot_button.click()  # the whole folder, in order
    assert browser.slots == [str(folder / name) for name in ("a2.nam", "lstm.nam", "tiny.nfx")]
    start(qtbot, window)
    assert window.link.engine.state.presets == ("a2", "Test LSTM", "tiny test")
    sender = JackMidiSender(window.link.engine.state.midi_ports[0])
    try:
        for program, preset, name in ((1, "lstm", "Test LSTM"), (2, "tiny", "tiny test"), (0, "a2", "a2")):
            sender.send(bytes([0xC0, program]))  # "Program Change n plays slot n + 1", the default
            qtbot.waitUntil(lambda p=program: browser.current_slot == p, timeout=TIMEOUT_MS)
            qtbot.waitUntil(lambda n=name: window.program_label.text() == n, timeout=TIMEOUT_MS)
            assert engine_chain(window) == [("neural", preset)]
            qtbot.waitUntil(lambda n=name: window.editor.cards[0].title.text() == n, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: "model_size" in window.editor.cards[0].controls, timeout=TIMEOUT_MS)
    finally:
        sender.close()
