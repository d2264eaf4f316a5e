"""`neuralfx live` when the JACK server dies mid-set: it says so at once and exits 1 with what to do;
with --reconnect it waits for the server and plays on."""

import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from jack_fixtures import ENGINE_CLIENT, jack_server, kill_server

DI = Path(__file__).parent.parent / "examples" / "di_clip.wav"


class Cli:
    """`neuralfx live` in its own process, its output read line by line."""

    def __init__(self, *flags: str) -> None:
        command = [sys.executable, "-m", "neuralfx.cli", "live", "--host-api", "jack", "--client-name", ENGINE_CLIENT]
        command += ["--input-file", str(DI), "--verbose", *flags]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        self.lines: list[str] = []

    def wait_for(self, text: str, timeout_s: float = 15.0) -> None:
        """Read lines until one contains `text`."""
        started = time.monotonic()
        while time.monotonic() < started + timeout_s:
            if self._selector.select(0.1):
                line = self.process.stdout.readline()
                if not line:
                    break
                self.lines.append(line)
                if text in line:
                    return
        raise AssertionError(f"no line with {text!r}:\n" + "".join(self.lines))

    def end(self, interrupt: bool = True) -> int:
        """Ctrl-C (or, with interrupt False, wait for it to end by itself); its exit code."""
        if interrupt:
            self.process.send_signal(signal.SIGINT)
        self.lines += self.process.communicate(timeout=15)[0].splitlines(keepends=True)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_a_dead_server_is_said_at_once_and_ends_the_command():
    with jack_server() as server:
        cli = Cli()
        try:
            cli.wait_for("latency")  # it plays: meter lines come
            kill_server(server)
            cli.wait_for("the audio stopped: the JACK server stopped")  # JACK's shutdown callback, not the watchdog
            cli.wait_for("add --reconnect to wait for it and play on")
            code = cli.end(interrupt=False)
        finally:
            cli.close()
    assert code == 1 and cli.lines[-1] == "stopped\n"
    assert not any(line.startswith("in ") for line in cli.lines[-3:])  # no frozen meter lines after it


def test_with_reconnect_it_plays_on_when_the_server_is_back():
    with jack_server() as server:
        cli = Cli("--reconnect")
        try:
            cli.wait_for("latency")
            kill_server(server)
            cli.wait_for("the audio stopped: the JACK server stopped")
            cli.wait_for("waiting for the audio to come back")
            with jack_server(name=server.name):
                cli.wait_for("playing again")
                cli.wait_for("latency")  # meters again
                code = cli.end()
        finally:
            cli.close()
    assert code == 0, "".join(cli.lines)
