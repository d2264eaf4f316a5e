"""The live engine: callback CPU load, and xruns on a real JACK server (dummy backend).

Prints one table:
- callback load: the engine's audio path (SignalPath: program, bypass stage, safety) on
  128-frame blocks in this process, per-block time as a fraction of the block's duration
  (median, 99th percentile, max); the bare PedalNetStream beside it for the ratio;
- JACK, N s: `jackd -d dummy -p 128` started here, the engine playing the DI clip in a loop.
  Rows: the engine alone; the engine while the preset changes every 2 s (model built on the main
  thread right after a callback, settled in the callbacks' spare time, crossfaded in); and,
  with --gui-command, a GUI process instead of this script's engine. Xruns are counted by JACK
  (a monitor client here: every client's lateness) and, for this script's engine, by the engine.

The model is presets/ts9.nfx when it exists, else the 24×16 PedalNet with random weights.

    flock /tmp/neuralfx-cpu.lock python benchmarks/live.py [--seconds 60] [--block 128]
        [--gui-command "neuralfx-gui ..."]

--gui-command runs that command (JACK_DEFAULT_SERVER points it at the benchmark's server) for the
same time, then terminates it: it must start the engine on JACK by itself (the GUI's part).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from jack_fixtures import _realtime_allowed, jack_server  # noqa: E402
from live_helpers import random_pedalnet_preset  # noqa: E402

from neuralfx import Chain, NeuralPedal, load_preset  # noqa: E402
from neuralfx.engine import EngineSettings, LiveEngine  # noqa: E402
from neuralfx.engine.program import LiveProgram  # noqa: E402
from neuralfx.engine.signal_path import SignalPath  # noqa: E402

TS9 = REPO / "presets" / "ts9.nfx"
DI = REPO / "examples" / "di_clip.wav"
RATE = 48000


def model_preset(folder: Path) -> tuple[Path, str]:
    if TS9.exists():
        return TS9, "presets/ts9.nfx"
    return random_pedalnet_preset(folder / "pedalnet-24x16.nfx"), "24×16 PedalNet, random weights"


def callback_load(preset: Path, block: int, seconds: float) -> list[tuple[str, str]]:
    x = (0.3 * np.sin(2 * np.pi * 110 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)
    period = block / RATE
    signal_path = SignalPath(RATE)
    signal_path.load(LiveProgram(Chain([NeuralPedal(load_preset(preset))]), "bench"))
    out = np.zeros(block, np.float32)
    while signal_path.loading:
        signal_path.process(x[:block].copy(), out)
        signal_path.spare_time(time.perf_counter() + 1.0)
    stream = load_preset(preset).model.stream()
    rows = []
    for name, run in (
        ("engine audio path", lambda b: signal_path.process(b, out)),
        ("PedalNetStream alone", lambda b: stream.process(b, out)),
    ):
        times = []
        for start in range(0, x.size - block, block):
            blk = x[start : start + block].copy()
            began = time.perf_counter()
            run(blk)
            times.append((time.perf_counter() - began) / period)
        times.sort()
        p99 = times[int(0.99 * len(times))]
        rows.append(
            (
                f"callback load, {block} frames: {name}",
                f"{statistics.median(times):.3f}  (p99 {p99:.3f}, max {times[-1]:.3f})",
            )
        )
    return rows


class XrunMonitor:
    """A JACK client that only counts the server's xruns."""

    def __init__(self) -> None:
        import jack

        self.count = 0
        self.client = jack.Client("xrun-monitor", no_start_server=True)
        self.client.set_xrun_callback(self._xrun)
        self.client.activate()

    def _xrun(self, delay_us: float) -> None:
        self.count += 1

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


def jack_run(preset: Path, seconds: float, switch_every_s: float | None) -> str:
    settings = EngineSettings(host_api="jack", input_file=str(DI) if DI.exists() else None, presets=[str(preset)] * 2)
    engine = LiveEngine(settings)
    engine.start()
    while engine.state.loading or not engine.state.program_name:
        engine.poll(0.05)
    monitor = XrunMonitor()
    time.sleep(0.5)  # a client joining the graph may cost one xrun: count from after that
    monitor.count = 0
    before = engine.meters()
    loads, errors, ends = 0, [], time.monotonic() + seconds
    load_times, load_started = [], None
    next_switch = time.monotonic() + (switch_every_s or seconds + 1)
    while time.monotonic() < ends:
        for event in engine.poll(0.01):
            if event.kind == "error":
                errors.append(event.message)
            if load_started is not None and event.state is not None and not event.state.loading:
                load_times.append(time.monotonic() - load_started)
                load_started = None
        if time.monotonic() >= next_switch:
            engine.next_preset()
            loads += 1
            load_started = time.monotonic()
            next_switch += switch_every_s
    after = engine.meters()
    monitor.close()
    engine.stop()
    if errors:
        raise RuntimeError("; ".join(errors))
    switched = ""
    if switch_every_s:
        switched = f", {loads} preset changes taking {1000 * statistics.median(load_times):.0f} ms (median)"
    return (
        f"JACK xruns {monitor.count}, engine xruns {after.xruns - before.xruns}{switched}; "
        f"load {after.cpu_load:.2f} (max {after.cpu_load_max:.2f} in the last 50 ms)"
    )


def gui_run(command: str, seconds: float) -> str:
    monitor = XrunMonitor()
    process = subprocess.Popen(shlex.split(command))
    time.sleep(5.0)  # the GUI starts, opens its engine and joins the graph: count from after that
    monitor.count = 0
    time.sleep(seconds)
    process.terminate()
    process.wait(10)
    monitor.close()
    return f"JACK xruns {monitor.count} (GUI command, exit {process.returncode})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each JACK run")
    parser.add_argument("--block", type=int, default=128, help="JACK period (frames)")
    parser.add_argument("--gui-command", help="also run this GUI command against the server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        preset, model = model_preset(Path(folder))
        rows = [("model", model)]
        rows += callback_load(preset, args.block, seconds=10.0)
        with jack_server(period=args.block):
            realtime = "realtime" if _realtime_allowed() else "no realtime"
            label = f"JACK dummy, {args.block} frames, {args.seconds:g} s ({realtime})"
            rows.append((f"{label}: engine", jack_run(preset, args.seconds, None)))
            rows.append((f"{label}: engine, preset change every 2 s", jack_run(preset, args.seconds, 2.0)))
            if args.gui_command:
                rows.append((f"{label}: GUI", gui_run(args.gui_command, args.seconds)))
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement'.ljust(width)}  result")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
