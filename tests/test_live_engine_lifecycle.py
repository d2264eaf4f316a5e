"""The engine's life cycle through a real JACK server: a missing MIDI port does not silence the
rig, an engine that dies is reported once, and it can be started again."""

import os
import signal

from conftest import requires_portaudio
from jack_fixtures import jack  # noqa: F401
from live_helpers import tiny_chain

from neuralfx.engine import EngineSettings, LiveEngine


def test_a_missing_midi_port_leaves_the_audio_running(jack):  # noqa: F811
    with LiveEngine(EngineSettings(host_api="jack", midi_port="no such footswitch")) as engine:
        errors = [e.message for e in engine.poll(timeout_s=2.0) if e.kind == "error"]
        assert errors and errors[0].startswith("MIDI is off: no MIDI port matches 'no such footswitch'"), errors
        assert engine.running and engine.state.running
        assert engine.state.midi_ports == ()


def test_a_dead_engine_is_reported_once_and_restarts(jack):  # noqa: F811
    engine = LiveEngine(EngineSettings(host_api="jack", chain_dict=tiny_chain().to_dict()))
    engine.start()
    try:
        os.kill(engine._process.pid, signal.SIGKILL)
        engine._process.join(5)
        stopped = [e for e in engine.poll(timeout_s=1.0) if e.kind == "stopped"]
        assert [e.message for e in stopped] == ["the engine process ended"]
        assert engine.poll() == [] and not engine.state.running
        engine.start()
        assert engine.running and engine.state.running
    finally:
        engine.stop()


@requires_portaudio
def test_a_failed_start_is_reported_once_with_its_reason():
    engine = LiveEngine(EngineSettings(host_api="no such api"))
    engine.start(wait=False)
    events = []
    for _ in range(200):
        events += engine.poll(timeout_s=0.1)
        if not engine.running and any(e.kind == "stopped" for e in events):
            events += engine.poll(timeout_s=0.2)
            break
    stopped = [e.message for e in events if e.kind == "stopped"]
    assert len(stopped) == 1 and "no audio host API matches 'no such api'" in stopped[0], events
    engine.stop()
