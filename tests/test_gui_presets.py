"""The preset browser: folders, opened files and metadata; playing a preset; slots and switching."""

import shutil

from gui_helpers import TIMEOUT_MS, TINY, engine_chain, open_window, renamed_preset, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)

from neuralfx.preset import user_preset_dir


def names(browser) -> dict[str, list[str]]:
    tree = browser.tree
    return {
        tree.topLevelItem(i).text(0): [
            tree.topLevelItem(i).child(j).text(0) for j in range(tree.topLevelItem(i).childCount())
        ]
        for i in range(tree.topLevelItemCount())
    }


def test_folders_opened_files_and_metadata(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path, monkeypatch)
    browser = window.browser
    qtbot.waitUntil(lambda: "Your presets" in names(browser), timeout=TIMEOUT_MS)
    assert names(browser)["Your presets"] == ["(empty: copy .nfx or .nam files here)"]
    assert browser.folder_button.text() == "Create your folder"

    folder = browser.create_user_folder()
    assert folder == tmp_path / "data" / "neuralfx" / "presets" == user_preset_dir() and folder.is_dir()
    renamed_preset(folder / "mine.nfx", "My tone")
    broken = tmp_path / "broken.nfx"
    broken.write_bytes(b"not a preset")
    browser.open_files([str(TINY), str(broken)])
    qtbot.waitUntil(lambda: "Opened files" in names(browser), timeout=TIMEOUT_MS)
    assert names(browser)["Your presets"] == ["My tone"]
    assert names(browser)["Opened files"] == ["tiny test", "broken"]
    assert browser.folder_button.text() == "Your folder"

    browser.select(TINY)
    details = browser.details.text()
    for shown in ("tiny test", "none: fixed pseudo-random weights for tests", "48 kHz", "not measured", "drive 0.5"):
        assert shown in details
    assert browser.play_button.isEnabled()
    browser.select(broken)
    assert "not a neuralfx preset" in browser.details.text() or "not a valid preset" in browser.details.text()
    assert not browser.play_button.isEnabled() and not browser.add_slot_button.isEnabled()

    window.save_settings()  # opened files are remembered
    again = open_window(qtbot, tmp_path, monkeypatch)
    qtbot.waitUntil(lambda: "Opened files" in names(again.browser), timeout=TIMEOUT_MS)
    assert names(again.browser)["Opened files"] == ["tiny test", "broken"]


def test_play_from_the_browser_and_step_through_slots(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    browser = window.browser
    folder = browser.create_user_folder()
    renamed_preset(folder / "mine.nfx", "My tone")
    shutil.copy(TINY, tmp_path / "tiny.nfx")
    browser.open_files([str(tmp_path / "tiny.nfx")])
    qtbot.waitUntil(lambda: "Opened files" in names(browser), timeout=TIMEOUT_MS)
    for path in (folder / "mine.nfx", tmp_path / "tiny.nfx"):
        browser.select(path)
        browser.add_slot_button.click()
    assert [browser.slot_list.item(i).text() for i in range(2)] == ["   1   My tone", "   2   tiny test"]

    browser.select(tmp_path / "tiny.nfx")
    browser.play_button.click()
    qtbot.waitUntil(lambda: window.editor.model.neural_row() == 0, timeout=TIMEOUT_MS)
    start(qtbot, window)
    assert engine_chain(window) == [("neural", str(tmp_path / "tiny.nfx"))]
    assert window.program_label.text() == "tiny test"
    assert window.link.engine.state.presets == ("My tone", "tiny test")

    browser.select(folder / "mine.nfx")
    browser.play_button.click()  # a preset in a preset folder is referred to by name
    qtbot.waitUntil(lambda: engine_chain(window) == [("neural", "mine")], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.program_label.text() == "My tone", timeout=TIMEOUT_MS)  # after "(loading…)"

    window.next_button.click()  # the program was not a slot: "next" starts at slot 1
    qtbot.waitUntil(lambda: browser.current_slot == 0, timeout=TIMEOUT_MS)
    assert browser.slot_list.item(0).text() == "▶  1   My tone"
    window.next_button.click()
    qtbot.waitUntil(lambda: browser.current_slot == 1, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.program_label.text() == "tiny test", timeout=TIMEOUT_MS)
    assert window.editor.cards[0].title.text() == "tiny test"  # the chain editor follows the engine
    window.previous_button.click()
    qtbot.waitUntil(lambda: window.program_label.text() == "My tone", timeout=TIMEOUT_MS)

    browser.slot_list.setCurrentRow(0)
    browser.down_button.click()
    qtbot.waitUntil(lambda: window.link.engine.state.presets == ("tiny test", "My tone"), timeout=TIMEOUT_MS)
    browser.remove_slot_button.click()  # the selection moved with the slot
    qtbot.waitUntil(lambda: window.link.engine.state.presets == ("tiny test",), timeout=TIMEOUT_MS)
