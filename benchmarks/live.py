"""The live engine against a plain Python JACK pass-through, on a real JACK server (dummy backend).

Prints two tables:
1. Callback load in this process: the engine's audio path (SignalPath: program, bypass stage,
   safety) on 128-frame blocks, time per block as a fraction of the block's duration (median,
   99th percentile, max); the bare model stream beside it for the ratio.
2. JACK: `jackd -d dummy -p 128` started here; then, in each of --rounds rounds, one run of each
   client below, --seconds long, one after the other (the order rotates from round to round):
   - pass-through: a plain Python JACK client (JACK-Client) copying in_0 to out_0: the floor
     any Python client has on this machine at this moment;
   - engine: the live engine (LiveEngine) playing the model on the looped DI clip;
   - engine + app: the desktop app (MainWindow, under Xvfb when xvfb-run exists, else Qt's
     offscreen platform) playing the same, with its meters, scope and timers running;
   - with --preset-changes, the engine while the preset changes every 2 s.
   Per client: xruns per minute (counted by JACK for the whole server, during that client's run
   only: nothing else uses the server), the callback's finish time measured from the start of the
   JACK cycle as a fraction of the period (p50 / p99 / max, 1 % bins: it includes any wait before
   the callback runs), and JACK's DSP load. Medians over the rounds, and each round's xruns.

The model is --preset (a name or a path), by default presets/ts9.nfx when it exists, else the 24×16
PedalNet with random weights.

    python benchmarks/live.py [--seconds 60] [--rounds 5] [--block 128] [--preset NAME] [--preset-changes]
        [--no-app]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
from neuralfx.engine.meters import TIMING_BINS, timing_percentiles  # noqa: E402
from neuralfx.engine.program import LiveProgram  # noqa: E402
from neuralfx.engine.signal_path import SignalPath  # noqa: E402

TS9 = REPO / "presets" / "ts9.nfx"
DI = REPO / "examples" / "di_clip.wav"
RATE = 48000
CLIENT = "neuralfx-bench"
SETTLE_S = 1.0  # after a client starts: joining the graph may cost an xrun; count from after that


def model_preset(folder: Path, chosen: str | None) -> tuple[Path, str]:
    if chosen is not None:
        return Path(chosen), chosen
    if TS9.exists():
        return TS9, "presets/ts9.nfx"
    return random_pedalnet_preset(folder / "pedalnet-24x16.nfx"), "24×16 PedalNet, random weights"


# --- 1. in this process -----------------------------------------------------------------------------
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
        ("model stream alone", lambda b: stream.process(b, out)),
    ):
        times = []
        for start in range(0, x.size - block, block):
            blk = x[start : start + block].copy()
            began = time.perf_counter()
            run(blk)
            times.append((time.perf_counter() - began) / period)
        times.sort()
        p99 = times[int(0.99 * len(times))]
        summary = f"{statistics.median(times):.3f}  (p99 {p99:.3f}, max {times[-1]:.3f})"
        rows.append((f"{block} frames: {name}", summary))
    return rows


# --- 2. on the JACK server --------------------------------------------------------------------------
class XrunMonitor:
    """A JACK client that counts the server's xruns and samples its DSP load."""

    def __init__(self) -> None:
        import jack

        self.count = 0
        self.client = jack.Client("xrun-monitor", no_start_server=True)
        self.client.set_xrun_callback(self._xrun)
        self.client.activate()
        self.loads: list[float] = []

    def _xrun(self, delay_us: float) -> None:
        self.count += 1

    def reset(self) -> None:
        self.count, self.loads = 0, []

    def sample_load(self) -> None:
        self.loads.append(self.client.cpu_load())

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


def measure(monitor: XrunMonitor, seconds: float, between=None) -> None:
    """Wait `seconds`, sampling JACK's load twice a second and calling between() meanwhile."""
    ends = time.monotonic() + seconds
    next_sample = time.monotonic() + 0.5
    while time.monotonic() < ends:
        if between is not None:
            between()
        else:
            time.sleep(0.05)
        if time.monotonic() >= next_sample:
            monitor.sample_load()
            next_sample += 0.5


def result(monitor: XrunMonitor, seconds: float, counts: np.ndarray, note: str = "") -> dict:
    return {
        "xruns": monitor.count,
        "per_minute": 60.0 * monitor.count / seconds,
        "timing": timing_percentiles(counts),
        "dsp_load": statistics.median(monitor.loads) if monitor.loads else float("nan"),
        "note": note,
    }


def engine_run(monitor: XrunMonitor, preset: Path, seconds: float, switch_every_s: float | None) -> dict:
    settings = EngineSettings(
        host_api="jack", client_name=CLIENT, input_file=str(DI) if DI.exists() else None, presets=[str(preset)] * 2
    )
    engine = LiveEngine(settings)
    engine.start()
    try:
        while engine.state.loading or not engine.state.program_name:
            engine.poll(0.05)
        time.sleep(SETTLE_S)
        monitor.reset()
        before, timing_before = engine.meters(), engine.timing()
        errors, loads, load_times = [], 0, []
        state = {"next": time.monotonic() + (switch_every_s or seconds + 1), "started": None}

        def between() -> None:
            nonlocal loads
            for event in engine.poll(0.01):
                if event.kind == "error":
                    errors.append(event.message)
                if state["started"] is not None and event.state is not None and not event.state.loading:
                    load_times.append(time.monotonic() - state["started"])
                    state["started"] = None
            if switch_every_s and time.monotonic() >= state["next"]:
                engine.next_preset()
                loads += 1
                state["started"] = time.monotonic()
                state["next"] += switch_every_s

        measure(monitor, seconds, between)
        after, timing_after = engine.meters(), engine.timing()
    finally:
        engine.stop()
    if errors:
        raise RuntimeError("; ".join(errors))
    note = f"engine counted {after.xruns - before.xruns} xruns"
    if switch_every_s:
        note += f"; {loads} preset changes taking {1000 * statistics.median(load_times):.0f} ms (median)"
    return result(monitor, seconds, timing_after - timing_before, note)


def child_run(monitor: XrunMonitor, kind: str, seconds: float, preset: Path) -> dict:
    """Run a pass-through or the app in its own process; it says "measuring" when it is ready and
    prints its callback-time histogram as JSON at the end."""
    command = [sys.executable, __file__, "--child", kind, "--seconds", str(seconds), "--preset", str(preset)]
    display = "offscreen"
    if kind == "app" and shutil.which("xvfb-run") and not os.environ.get("DISPLAY"):
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command]
        display = "Xvfb"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if line.strip() != "measuring":
            raise RuntimeError(f"the {kind} did not start: {line!r}")
        monitor.reset()
        measure(monitor, seconds)
        counts = np.array(json.loads(process.stdout.readline()))
    finally:
        process.wait(30)
    return result(monitor, seconds, counts, display if kind == "app" else "")


def passthrough_child(seconds: float) -> None:
    import jack

    client = jack.Client("python-passthrough", no_start_server=True)
    inport, outport = client.inports.register("in_0"), client.outports.register("out_0")
    counts = np.zeros(TIMING_BINS)

    @client.set_process_callback
    def process(frames: int) -> None:
        np.copyto(outport.get_array(), inport.get_array())
        counts[min(int(100 * client.frames_since_cycle_start / frames), TIMING_BINS - 1)] += 1

    with client:
        client.connect(client.get_ports(is_physical=True, is_output=True)[0], inport)
        client.connect(outport, client.get_ports(is_physical=True, is_input=True)[0])
        time.sleep(SETTLE_S)
        counts[:] = 0
        print("measuring", flush=True)
        time.sleep(seconds)
        print(json.dumps(counts.tolist()), flush=True)


def app_child(seconds: float, preset: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import QSettings, QTimer
    from PyQt6.QtWidgets import QApplication

    from neuralfx_gui.theme import apply_theme
    from neuralfx_gui.window import MainWindow

    app = QApplication([])
    apply_theme(app)
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(QSettings(str(Path(folder) / "gui.ini"), QSettings.Format.IniFormat))
        window.override_settings({"host_api": "jack", "input_file": str(DI)})
        window.link.engine.settings.client_name = CLIENT
        window.show()
        window.play_preset(preset, then=window.start)
        phase = {"name": "starting", "since": time.monotonic()}

        def step() -> None:
            engine = window.link.engine
            if phase["name"] == "starting" and window.running and not engine.state.loading:
                phase.update(name="settling", since=time.monotonic())
            elif phase["name"] == "settling" and time.monotonic() - phase["since"] > SETTLE_S:
                phase.update(name="measuring", since=time.monotonic(), before=engine.timing())
                print("measuring", flush=True)
            elif phase["name"] == "measuring" and time.monotonic() - phase["since"] > seconds:
                print(json.dumps((engine.timing() - phase["before"]).tolist()), flush=True)
                window.close()
                app.quit()

        timer = QTimer(interval=20)
        timer.timeout.connect(step)
        timer.start()
        app.exec()


def jack_rows(preset: Path, args: argparse.Namespace) -> list[tuple[str, str]]:
    runs = {"pass-through (plain Python JACK client)": lambda m: child_run(m, "passthrough", args.seconds, preset)}
    runs["engine"] = lambda m: engine_run(m, preset, args.seconds, None)
    if not args.no_app:
        runs["engine + app"] = lambda m: child_run(m, "app", args.seconds, preset)
    if args.preset_changes:
        runs["engine, preset change every 2 s"] = lambda m: engine_run(m, preset, args.seconds, 2.0)
    results: dict[str, list[dict]] = {name: [] for name in runs}
    names = list(runs)
    with jack_server(period=args.block):
        monitor = XrunMonitor()
        try:
            for round_ in range(args.rounds):
                for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                    results[name].append(runs[name](monitor))
                    print(f"round {round_ + 1}, {name}: {results[name][-1]}", file=sys.stderr, flush=True)
        finally:
            monitor.close()
    rows = []
    for name, found in results.items():
        p50, p99, top = (statistics.median(r["timing"][i] for r in found) for i in range(3))
        xruns = statistics.median(r["per_minute"] for r in found)
        load = statistics.median(r["dsp_load"] for r in found)
        notes = "".join(f"; {note}" for note in dict.fromkeys(r["note"] for r in found if r["note"]))
        each = ", ".join(str(r["xruns"]) for r in found)
        rows.append(
            (
                name,
                f"xruns/min {xruns:.1f} (each run: {each}); finish p50 {p50:.2f} p99 {p99:.2f} max {top:.2f}; "
                f"JACK DSP load {load:.0f} %{notes}",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of runs (medians over them)")
    parser.add_argument("--block", type=int, default=128, help="JACK period (frames)")
    parser.add_argument("--preset-changes", action="store_true", help="also run the engine changing presets")
    parser.add_argument("--no-app", action="store_true", help="leave out the runs with the app")
    parser.add_argument("--child", choices=("passthrough", "app"), help=argparse.SUPPRESS)
    parser.add_argument("--preset", help="the preset to play (name or path; default presets/ts9.nfx)")
    args = parser.parse_args()
    if args.child == "passthrough":
        return passthrough_child(args.seconds)
    if args.child == "app":
        return app_child(args.seconds, args.preset)
    with tempfile.TemporaryDirectory() as folder:
        preset, model = model_preset(Path(folder), args.preset)
        tables = [("callback load in this process (fraction of the block time)", [("model", model)])]
        tables[0][1].extend(callback_load(preset, args.block, seconds=10.0))
        realtime = "realtime" if _realtime_allowed() else "no realtime"
        title = f"JACK dummy, {args.block} frames at {RATE} Hz, {args.rounds} rounds of {args.seconds:g} s ({realtime})"
        tables.append((title, jack_rows(preset, args)))
    for title, rows in tables:
        width = max(len(name) for name, _ in rows)
        print(f"\n{title}\n{'client'.ljust(width)}  result")
        for name, value in rows:
            print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
