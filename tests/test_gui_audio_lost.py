"""The JACK server dies while the app plays: the window says so at once (no frozen meters, no
footswitch left ON), offers Restart, and Restart plays on with the footswitch as it was."""

from gui_helpers import TIMEOUT_MS, TINY, open_window, play, start
from jack_fixtures import jack_server, kill_server

from neuralfx.engine import SILENCE_DB


def test_a_dead_server_is_shown_at_once_and_restart_plays_on(qtbot, tmp_path, monkeypatch):
    with jack_server() as server:
        window = open_window(qtbot, tmp_path, monkeypatch)
        play(qtbot, window, TINY)
        start(qtbot, window)
        window.footswitch.press()  # bypass
        qtbot.waitUntil(lambda: window.footswitch.bypassed, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: window.input_meter.ballistics.held_db > -60, timeout=TIMEOUT_MS)
        kill_server(server)
        qtbot.waitUntil(lambda: not window.running, timeout=TIMEOUT_MS)  # by itself: nobody clicks Stop
    message = window.statusBar().currentMessage()  # JACK's shutdown callback told it (at once), not the watchdog
    assert message.startswith("The audio stopped: the JACK server stopped") and message.endswith("click Restart.")
    assert window.start_button.text() == "↻  Restart" and window.start_button.isEnabled()
    assert not window.footswitch.isEnabled() and window.engine_label.text() == "Audio lost"
    assert window.input_meter.ballistics.held_db == SILENCE_DB and window.latency_label.text() == "latency —"
    qtbot.wait(500)
    assert window.statusBar().currentMessage() == message  # it stays until there is news

    with jack_server(name=server.name):
        window.start_button.click()
        qtbot.waitUntil(lambda: window.running and window.link.engine.state.bypassed, timeout=TIMEOUT_MS)
        assert window.footswitch.bypassed and window.start_button.text() == "■  Stop"
        assert window.statusBar().currentMessage() == ""
        window.stop()
        qtbot.waitUntil(lambda: not window.link.engine.running, timeout=TIMEOUT_MS)
