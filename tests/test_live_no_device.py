"""With no sound card (and no JACK server), starting says so and how to play anyway: through JACK
(whose dummy backend needs no card), or with a file as the input. Choosing JACK with no server
running says how to start one."""

import shutil

import pytest
from conftest import requires_portaudio

from neuralfx.cli import main
from neuralfx.engine import EngineError, EngineSettings, LiveEngine, list_devices


@pytest.fixture
def no_jack_server(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "neuralfx-test-no-such-server")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")


@requires_portaudio
def test_no_sound_card_says_so_and_how_to_play_anyway(no_jack_server, capsys):
    if any(device.max_output_channels for device in list_devices()):
        pytest.skip("this machine has a sound card")
    with pytest.raises(EngineError) as raised:
        LiveEngine(EngineSettings()).start()
    message = str(raised.value)
    assert "no audio output device: no sound card was found" in message
    assert "jackd -d dummy" in message and "--host-api jack" in message and "--input-file" in message
    assert "name one" not in message
    assert main(["live", "--preset", "ts9"]) == 1
    assert "no sound card was found" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("jackd") is None, reason="JACK is not installed (apt install jackd2)")
def test_jack_without_a_server_says_how_to_start_one(no_jack_server):
    with pytest.raises(EngineError, match="no JACK server named 'neuralfx-test-no-such-server' is running: start one"):
        LiveEngine(EngineSettings(host_api="jack")).start()
