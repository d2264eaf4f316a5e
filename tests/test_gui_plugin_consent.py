"""The app asks before it loads a native plugin that is not trusted (a chain restored from saved
settings, or switched on in the editor), showing its real path: "Allow once" plays it for the
session, "Always allow" trusts it from then on, "Don't load" switches it off and plays the rest;
one bad preset in a folder never hides the good ones from the browser.

(Whether the engine then plays a VST3 plugin is not this test's business: pedalboard wants
a VST3 prepared on the main thread, which the engine does not do yet.)"""

import shutil
from pathlib import Path

import pytest
from gui_helpers import TIMEOUT_MS, TINY, engine_chain, open_window
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from neuralfx.models import PedalNetConfig
from neuralfx.plugins import trusted_plugins_file
from neuralfx.preset import save_preset
from neuralfx_gui.chain_model import ChainModel
from neuralfx_gui.presets_panel import read_folders

ZAMCOMP = Path("/usr/lib/vst3/ZamComp.vst3")
needs_zamcomp = pytest.mark.skipif(
    not ZAMCOMP.exists(), reason="the zam-plugins VST3 set is not installed (apt install zam-plugins)"
)
NEURAL = ("neural", str(TINY))


def answer(button: str, asked: list[str]) -> None:
    """Click `button` in the consent dialog once it shows; record its text in `asked`."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, click)


def window_with_plugin(qtbot, tmp_path, monkeypatch) -> tuple:
    """A window whose restored chain holds the tiny preset and a copy of ZamComp outside the
    system folders (so: not trusted); the copy's path."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    plugin = tmp_path / "downloads" / "ZamComp.vst3"
    if not plugin.exists():
        shutil.copytree(ZAMCOMP, plugin)
    window = open_window(qtbot, tmp_path, monkeypatch)
    entries = [{"type": "neural", "preset": str(TINY)}, {"type": "plugin", "path": str(plugin), "parameters": {}}]
    window.editor.set_model(ChainModel.from_dict({"effects": [{"entry": entry} for entry in entries]}))
    return window, plugin


def start_with_plugins(qtbot, window) -> tuple[list[Path], list[str]]:
    """Start the engine; (the plugins its controller may load, those in the chain it started),
    read on the engine thread after the start."""
    window.start()
    seen = []
    window.link.submit(lambda engine: (engine.allow_plugins, engine.settings.chain_dict), seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT_MS)
    allowed, chain_dict = seen[0]
    assert "not trusted" not in window.statusBar().currentMessage()
    return sorted(allowed), [e["path"] for e in chain_dict["effects"] if e["type"] == "plugin"]


@needs_zamcomp
@pytest.mark.parametrize("button", ["Allow once", "Always allow"])
def test_allowing_a_plugin_hands_it_to_the_engine(qtbot, tmp_path, monkeypatch, jack, button):  # noqa: F811
    window, plugin = window_with_plugin(qtbot, tmp_path, monkeypatch)
    asked: list[str] = []
    answer(button, asked)
    assert start_with_plugins(qtbot, window) == ([plugin], [str(plugin)])
    assert len(asked) == 1 and f"\n{plugin}\n" in asked[0] and "runs with your rights" in asked[0]
    assert start_with_plugins(qtbot, window) == ([plugin], [str(plugin)])  # allowed for the session: not asked again
    assert len(asked) == 1

    trusted = trusted_plugins_file().read_text() if trusted_plugins_file().exists() else ""
    assert (str(plugin) in trusted) == (button == "Always allow")
    if button == "Always allow":  # the next session asks nothing: the plugin is trusted
        window.close()
        again, _ = window_with_plugin(qtbot, tmp_path, monkeypatch)
        assert start_with_plugins(qtbot, again) == ([], [str(plugin)]) and len(asked) == 1


@needs_zamcomp
def test_refusing_a_plugin_switches_it_off_and_plays_the_rest(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window, _ = window_with_plugin(qtbot, tmp_path, monkeypatch)
    asked: list[str] = []
    answer("Don't load", asked)
    window.start()
    qtbot.waitUntil(lambda: window.running and not window.link.engine.state.loading, timeout=TIMEOUT_MS)
    assert engine_chain(window) == [NEURAL]
    assert window.editor.model.effects[1].switched_off and not window.editor.cards[1].power.isChecked()
    assert "plugins you did not allow" in window.statusBar().currentMessage()

    answer("Don't load", asked)  # switched on while playing: asked again, refused again
    window.editor.switch(1, True)
    assert len(asked) == 2 and window.editor.model.effects[1].switched_off
    qtbot.wait(200)
    assert engine_chain(window) == [NEURAL]


def test_one_bad_preset_in_a_folder_leaves_the_rest_in_the_browser(tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    folder.mkdir()
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shutil.copy(TINY, folder / "good.nfx")
    bomb = PedalNetConfig(channels=16, dilations=(1,) * 23 + (2**17 - 100,))  # 1.1 GiB of state per channel
    from conftest import make_preset

    save_preset(make_preset(bomb), folder / "bomb.nfx")
    (folder / "deep.nfx").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"[" * 16)
    groups = dict(read_folders([]))
    infos = {info.path.name: info for info in groups[str(folder)]}
    assert infos["good.nfx"].problem == "" and infos["good.nfx"].name == "tiny test"
    assert "would need 1153 MiB per channel" in infos["bomb.nfx"].problem
    assert infos["deep.nfx"].problem
