"""Through a real JACK server: when the server dies mid-set, the engine says so at once (JACK's
shutdown callback) and ends; once a server runs again, `restart` plays on with the slot and the
footswitch as they were."""

import time

from jack_fixtures import ENGINE_CLIENT, jack_server, kill_server
from live_helpers import TINY

from neuralfx.engine import EngineSettings, LiveEngine
from neuralfx.engine.events import AUDIO_LOST


def test_the_engine_reports_a_dead_server_at_once_and_restarts(tmp_path):
    settings = EngineSettings(host_api="jack", client_name=ENGINE_CLIENT, presets=[str(TINY)] * 2)
    engine = LiveEngine(settings)
    try:
        with jack_server() as server:
            engine.start()
            engine.select_preset(1)
            engine.set_bypass(True)
            deadline = time.monotonic() + 10
            while not (engine.state.bypassed and engine.state.slot == 1) and time.monotonic() < deadline:
                engine.poll(0.05)
            kill_server(server)
            deadline = time.monotonic() + 10
            stopped = []
            while not stopped and time.monotonic() < deadline:
                stopped = [event for event in engine.poll(0.05) if event.kind == "stopped"]
        assert stopped and stopped[0].data == AUDIO_LOST, stopped
        # JACK's shutdown callback told it (at once), not the watchdog's "no audio callback for 1.0 s"
        assert stopped[0].message.startswith("the JACK server stopped"), stopped[0].message
        engine._process.join(5)
        assert not engine.running and not engine.state.running

        with jack_server(name=server.name):  # the server is back
            engine.restart()
            deadline = time.monotonic() + 10
            while not (engine.state.slot == 1 and engine.state.bypassed) and time.monotonic() < deadline:
                engine.poll(0.05)
            assert engine.state.running and engine.state.slot == 1 and engine.state.bypassed
            callbacks = engine.meters().callbacks
            time.sleep(0.3)
            assert engine.meters().callbacks > callbacks  # it plays
            engine.stop()
    finally:
        engine.stop()
