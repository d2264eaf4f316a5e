"""A real JACK server (dummy backend) and a JACK test client, for the live engine's tests.

Each test module gets its own server (`jack` fixture, module scope) under a name no running
server holds, so tests never meet another JACK server on the machine. The names come from a
fixed set of JACK_SLOTS: JACK's registry has 8 slots and frees a dead server's slot only when a
server of the same name starts, so unique names would leak a slot per killed jackd until no
server starts at all. JACK_DEFAULT_SERVER points clients (and
the engine process, which inherits the environment) at it; JACK_NO_START_SERVER=1 makes a
client fail fast instead of starting a server of its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from neuralfx.engine import EngineSettings, LiveEngine

ENGINE_CLIENT = "nfxtest"
JACK_SLOTS = 8


@dataclass(frozen=True)
class JackServer:
    name: str
    period: int
    sample_rate: int
    pid: int


def _die_with_parent() -> None:
    """In the jackd child: get SIGTERM when the test process dies, even if it is killed outright."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG (Linux)


def _realtime_allowed() -> bool:
    """Real-time scheduling (root, or an rtprio limit) keeps the dummy clock steady on a busy machine."""
    try:
        return subprocess.run(["chrt", "-f", "1", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


def kill_server(server: JackServer) -> None:
    """Kill a server as a crash would (SIGKILL), and reap it: a new one may then take its name."""
    os.kill(server.pid, signal.SIGKILL)
    os.waitpid(server.pid, 0)


def _free_name() -> str:
    for slot in range(JACK_SLOTS):
        name = f"neuralfx-test-{slot}"
        check = subprocess.run(
            ["jack_wait", "-s", name, "-c"],
            capture_output=True,
            text=True,
            env={**os.environ, "JACK_NO_START_SERVER": "1"},
        )
        if check.stdout.strip() == "not running":
            return name
    raise RuntimeError(f"all {JACK_SLOTS} JACK test servers are running: is another test run going on?")


@contextlib.contextmanager
def jack_server(period: int = 256, sample_rate: int = 48000, name: str | None = None) -> Iterator[JackServer]:
    """A JACK server (dummy backend) named `name` (default: a free one of the fixed names) for the block."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (apt install jackd2): the live engine's JACK tests need it")
    name = name or _free_name()
    realtime = [] if _realtime_allowed() else ["--no-realtime"]
    command = ["jackd", "-n", name, *realtime, "-d", "dummy", "-r", str(sample_rate), "-p", str(period)]
    saved = {key: os.environ.get(key) for key in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    log = tempfile.TemporaryFile("w+")  # a pipe nobody reads would stall jackd once full
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        waited = subprocess.run(["jack_wait", "-s", name, "-w", "-t", "10"], capture_output=True, text=True)
        if waited.returncode != 0 or server.poll() is not None:
            server.kill()
            server.wait()
            log.seek(0)
            printed = log.read()
            if "Too many servers" in printed:
                printed += (
                    "\nJACK's registry is full of servers that were killed: with no jackd running, rm -r /dev/shm/jack*"
                )
            raise RuntimeError(f"jackd did not start: {' '.join(command)}\n{printed}")
        yield JackServer(name, period, sample_rate, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def jack() -> Iterator[JackServer]:
    with jack_server(period=256) as server:
        yield server


@contextlib.contextmanager
def running_engine(**settings) -> Iterator[LiveEngine]:
    """A LiveEngine on the test JACK server, its first program built and faded in."""
    engine = LiveEngine(EngineSettings(host_api="jack", client_name=ENGINE_CLIENT, crossfade_ms=10.0, **settings))
    engine.start()
    try:
        wait_until_loaded(engine)
        yield engine
    finally:
        engine.stop()


def wait_until_loaded(engine: LiveEngine, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        errors = [event.message for event in engine.poll(0.05) if event.kind == "error"]
        assert not errors, errors
        if not engine.state.loading:
            time.sleep(0.1)  # the fade's last blocks
            return
    raise AssertionError("the engine's program did not load")


class JackTester:
    """A JACK client that plays `signal` into the engine's input, records its output (as long as
    the signal, plus `tail` samples) and sends MIDI events at given sample positions.

    Playing and recording start together at the first JACK cycle after the ports are connected,
    so recorded[i] is the engine's output in the cycle that played signal[i].
    """

    def __init__(
        self,
        signal: np.ndarray,
        tail: int = 2048,
        midi_events: list[tuple[int, bytes]] = (),
        midi_destination: str | None = None,
    ) -> None:
        import jack

        self.signal = signal.astype(np.float32)
        self.recorded = np.zeros(signal.shape[0] + tail, np.float32)
        self.midi_events = sorted(midi_events)
        self.position = 0
        self._armed = False
        self.client = jack.Client("neuralfx-tester", no_start_server=True)
        self._play = self.client.outports.register("play")
        self._record = self.client.inports.register("record")
        self._midi = self.client.midi_outports.register("midi")
        self.client.set_process_callback(self._process)
        # This client must never be the late one (a dropped cycle would spoil the recording): its
        # callback runs Python in the test process, where a collection over every loaded test
        # module, or the 5 ms switch interval of a thread holding the GIL, can outlast a JACK
        # period. Undone by wait().
        gc.collect()
        gc.freeze()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        self.client.activate()
        self.client.connect(self._play, f"{ENGINE_CLIENT}:in_0")
        self.client.connect(f"{ENGINE_CLIENT}:out_0", self._record)
        if midi_destination is not None:
            self.client.connect(self._midi, midi_destination)
        self._armed = True

    def _process(self, frames: int) -> None:
        play = self._play.get_array()
        self._midi.clear_buffer()
        start = self.position
        if not self._armed or start >= self.recorded.shape[0]:
            play.fill(0.0)
            return
        chunk = self.signal[start : start + frames]
        play[: chunk.shape[0]] = chunk
        play[chunk.shape[0] :] = 0.0
        stop = min(start + frames, self.recorded.shape[0])
        self.recorded[start:stop] = self._record.get_array()[: stop - start]
        for index, data in self.midi_events:
            if start <= index < start + frames:
                self._midi.write_midi_event(index - start, data)
        self.position = start + frames

    def wait(self, timeout_s: float = 60.0) -> np.ndarray:
        """Wait until the recording is complete; returns it."""
        deadline = time.monotonic() + timeout_s
        try:
            while self.position < self.recorded.shape[0]:
                assert time.monotonic() < deadline, "the JACK test client stopped advancing"
                time.sleep(0.02)
        finally:
            self.client.deactivate()
            self.client.close()
            gc.unfreeze()
            sys.setswitchinterval(self._switch_interval)
        return self.recorded


def find_lag(recorded: np.ndarray, expected: np.ndarray, max_lag: int, length: int = 4800) -> int:
    """The delay (samples) at which `recorded` best matches `expected` over `length` samples."""
    errors = [np.abs(recorded[lag : lag + length] - expected[:length]).max() for lag in range(max_lag + 1)]
    return int(np.argmin(errors))
