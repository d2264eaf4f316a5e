"""`neuralfx-gui` as a program: --autostart plays at once on JACK, SIGTERM stops it cleanly, and a
bad flag is a usage error."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from gui_helpers import DI, TINY
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)
from PyQt6.QtCore import QSettings


def jack_ports(client) -> set[str]:
    return {port.name for port in client.get_ports("neuralfx:")}


def test_autostart_then_sigterm(tmp_path, jack):  # noqa: F811
    import jack as jack_client

    settings = tmp_path / "gui.ini"
    command = [sys.executable, "-m", "neuralfx_gui.app", "--settings", str(settings), "--autostart"]
    command += ["--host-api", "jack", "--input-file", str(DI), "--preset", str(TINY)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    env["PYTHONFAULTHANDLER"] = "1"  # SIGABRT prints every thread's stack: what a hang waits on
    app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    observer = jack_client.Client("gui-test-observer", no_start_server=True)
    try:
        deadline = time.monotonic() + 30
        while jack_ports(observer) != {"neuralfx:out_0", "neuralfx:out_1"}:  # looping a file: no input port
            assert app.poll() is None and time.monotonic() < deadline, app.communicate()[0]
            time.sleep(0.1)
        app.send_signal(signal.SIGTERM)
        try:
            output = app.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            app.send_signal(signal.SIGABRT)
            pytest.fail("the app did not end within 15 s of SIGTERM:\n" + app.communicate()[0])
        assert app.returncode == 0, output
        assert jack_ports(observer) == set()  # the engine process ended with the app
    finally:
        if app.poll() is None:
            app.kill()
        observer.close()
    saved = json.loads(QSettings(str(settings), QSettings.Format.IniFormat).value("engine"))
    assert (saved["host_api"], saved["input_file"]) == ("jack", str(DI))
    assert [e["preset"] for e in saved["chain_dict"]["effects"]] == [str(TINY)]


def test_the_entry_module_loads_no_qt():
    """The engine process imports the main module again (spawn): it must not pull in Qt."""
    code = "import sys, neuralfx_gui.app; sys.exit('PyQt6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_bad_flag_is_a_usage_error(capsys):
    from neuralfx_gui.app import parse_args

    with pytest.raises(SystemExit) as exit:
        parse_args(["--block-size", "3"])
    assert exit.value.code == 2
    assert "neuralfx-gui: error: block_size must be an integer from 16 to 8192 frames, got 3" in capsys.readouterr().err


def test_a_signal_closes_the_window_from_the_event_loop_not_inside_the_code_it_interrupted(
    qtbot, tmp_path, monkeypatch
):
    from gui_helpers import open_window

    from neuralfx_gui.app import close_on_signals

    window = open_window(qtbot, tmp_path, monkeypatch, rig=False)
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        close_on_signals(window)
        signal.raise_signal(signal.SIGTERM)  # its handler runs here, before the next line
        assert window.isVisible()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
