"""The app's first run plays the default preset (the shipped TS9 that `neuralfx live` plays too);
later runs play what the user left in the chain, an empty one included."""

from gui_helpers import engine_chain, open_window, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)

from neuralfx.preset import DEFAULT_PRESET


def test_the_first_run_plays_the_default_preset_and_later_runs_what_was_left(
    qtbot,
    tmp_path,
    monkeypatch,
    jack,  # noqa: F811
):
    window = open_window(qtbot, tmp_path, monkeypatch, first_run=True)
    assert [e.entry["preset"] for e in window.editor.model.effects] == [DEFAULT_PRESET]
    start(qtbot, window)
    assert engine_chain(window) == [("neural", DEFAULT_PRESET)]
    qtbot.waitUntil(lambda: window.link.engine.meters().output_rms_db > -40, timeout=5000)  # the DI, through it
    window.editor.remove(0)
    window.save_settings()
    window.close()

    again = open_window(qtbot, tmp_path, monkeypatch, first_run=True)
    assert again.editor.model.effects == []
