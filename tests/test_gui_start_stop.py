"""Start and Stop: a start that fails says why and leaves the app ready; an error as the engine starts
(a MIDI port that cannot open) is shown while the audio plays; stop, then start again."""

from conftest import requires_portaudio
from gui_helpers import TIMEOUT_MS, TINY, engine_chain, open_window, play, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)


@requires_portaudio
def test_a_failed_start_says_why(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path, monkeypatch)
    window.override_settings({"host_api": "no such audio system"})
    window.start()
    assert not window.start_button.isEnabled()  # while it starts
    qtbot.waitUntil(lambda: window.start_button.isEnabled(), timeout=TIMEOUT_MS)
    qtbot.wait(300)  # later ticks must not replace the reason
    message = window.statusBar().currentMessage()
    assert message.startswith("The engine stopped: no audio host API matches 'no such audio system'")
    assert not window.running and window.start_button.text() == "▶  Start"
    assert not window.footswitch.isEnabled()


def test_an_error_as_the_engine_starts_is_shown(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    window.midi_panel.port.setCurrentText("no such footswitch")
    start(qtbot, window)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("MIDI is off:"), timeout=TIMEOUT_MS)
    assert "no MIDI port matches 'no such footswitch'" in window.statusBar().currentMessage()
    qtbot.wait(300)
    assert window.running and window.link.engine.running and window.footswitch.isEnabled()


def test_stop_then_start_again(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    play(qtbot, window, TINY)
    start(qtbot, window)
    window.start_button.click()  # Stop
    qtbot.waitUntil(lambda: not window.running and window.start_button.isEnabled(), timeout=TIMEOUT_MS)
    assert not window.link.engine.running and window.engine_label.text() == "Stopped"
    window.editor.add_effect("Delay")  # edited while stopped: played at the next start
    window.start_button.click()
    qtbot.waitUntil(lambda: window.running, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine_chain(window) == [("neural", str(TINY)), ("native", "Delay")], timeout=TIMEOUT_MS)
