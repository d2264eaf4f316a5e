"""Batch reamping, end to end: throughput of `neuralfx batch` and its peak memory.

Prints one table:
- engine only: PedalNetStream alone over 65,536-sample blocks, one BLAS thread, in one process,
  then in two processes at once (their speeds summed): the ceilings for one and two workers;
- batch, 1 and 2 workers: `neuralfx batch` over a folder of mono 48 kHz PCM_24 DI files, timed
  from start to exit (worker start-up, reading, writing included), × real time, median of repeats;
- peak RSS: the largest process of `neuralfx batch` over a long 48 kHz stereo PCM_16 file;
- one long file (1 h, mono 48 kHz PCM_24) on 1 and 2 workers: the second splits it into segments
  (and checks that the output has the same bytes), with its largest process's peak RSS;
- the folder on a local Dask cluster of 2 single-threaded workers (a scheduler and two `dask worker`
  processes, started beforehand, as on a cluster) against the built-in pool;
- with --light-preset, the folder on 2 workers through that preset.

The model is presets/ts9.nfx when it exists, else the 24×16 PedalNet with random weights. The
long-file RSS run uses tests/data/tiny.nfx by default, so it takes about a minute instead of
twelve: memory does not depend on the model beyond a few MB of engine buffers, and the
"rss, 24×16 model" row (a shorter file) shows it.

    flock /tmp/neuralfx-cpu.lock python benchmarks/batch.py [--files 8] [--seconds 30] [--repeats 3]
        [--rss-hours 1] [--rss-full-model] [--long-hours 1] [--light-preset PATH]
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # the engine-only row: one thread, like one worker
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import hashlib
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from dask_helpers import local_cluster  # noqa: E402
from live_helpers import random_pedalnet_preset  # noqa: E402

from neuralfx.loudness import reference_signal  # noqa: E402
from neuralfx.preset import load_preset  # noqa: E402

TS9 = REPO / "presets" / "ts9.nfx"
TINY = REPO / "tests" / "data" / "tiny.nfx"
RATE = 48000
CHUNK = 65536


def model_preset(folder: Path) -> tuple[Path, str]:
    if TS9.exists():
        return TS9, "presets/ts9.nfx"
    return random_pedalnet_preset(folder / "pedalnet-24x16.nfx"), "24×16 PedalNet, random weights"


def di_signal(seconds: float, channels: int, seed: int) -> np.ndarray:
    """A guitar-like (frames, channels) signal: the loudness reference's plucks plus a little noise."""
    plucks = reference_signal(RATE, 8.0)
    rng = np.random.default_rng(seed)
    frames = round(seconds * RATE)
    tiled = np.resize(plucks, (channels, frames)) + rng.normal(0, 0.003, (channels, frames))
    return tiled.T.astype(np.float32)


def write_long(path: Path, seconds: float, channels: int, subtype: str) -> None:
    """Write in one-minute pieces: the benchmark itself stays in bounded memory."""
    with sf.SoundFile(path, "w", RATE, channels, subtype) as out:
        minute = di_signal(60.0, channels, seed=1)
        for start in range(0, round(seconds), 60):
            out.write(minute[: round(min(60, seconds - start) * RATE)])


def run_batch(in_dir: Path, out_dir: Path, preset: Path, jobs: int, *options: str) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes of its largest process) of one `neuralfx batch --force`."""
    command = [sys.executable, "-m", "neuralfx.cli", "batch", str(in_dir), str(out_dir), "--preset", str(preset)]
    command += ["--jobs", str(jobs), "--force", *options]
    with tempfile.TemporaryFile() as stderr:  # a file, not a pipe: a pipe nobody reads can fill up and block
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = 0
        while True:
            peak = max(peak, *(peak_rss(pid) for pid in process_tree(process.pid)))
            try:
                process.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            stderr.seek(0)
            raise SystemExit(f"neuralfx batch failed:\n{stderr.read().decode()}")
    return elapsed, peak


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux's /proc)."""
    try:
        children = [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:  # gone
        return []
    return [pid, *(d for child in children for d in process_tree(child))]


def peak_rss(pid: int) -> int:
    """A process's peak resident memory in bytes (VmHWM: its own since exec; rusage's ru_maxrss would
    count the RSS this benchmark had when it started the batch), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def engine_speed(preset: Path, seconds: float) -> float:
    loaded = load_preset(preset)
    engine = loaded.model.stream()
    audio = di_signal(seconds, 1, seed=2)[:, 0].copy()
    started = time.perf_counter()
    for start in range(0, audio.size, CHUNK):
        engine.process(audio[start : start + CHUNK])
    return seconds / (time.perf_counter() - started)


def _engine_worker(preset: Path, seconds: float, barrier, results) -> None:
    barrier.wait()  # start together: the point is to measure both cores busy at once
    results.put(engine_speed(preset, seconds))


def engine_speed_parallel(preset: Path, seconds: float, processes: int) -> float:
    """Summed speed of `processes` engines running at once: what the hardware gives the workers."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.SimpleQueue()
    workers = [
        context.Process(target=_engine_worker, args=(preset, seconds, barrier, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(results.get() for _ in workers)


def sha256(path: Path) -> str:
    """Read in pieces: on Linux a child's peak RSS includes its parent's, so this process stays small."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while piece := file.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def long_file_rows(tmp: Path, preset: Path, hours: float, hardware: float) -> list[tuple[str, str, str]]:
    """One long mono file on 1 worker (one stream) and on 2 (split into segments): speed, the
    largest process's peak RSS, and whether the two outputs have the same bytes."""
    folder = tmp / "one-long"
    folder.mkdir()
    write_long(folder / "take.wav", hours * 3600, 1, "PCM_24")
    rows, speeds, digests = [], {}, {}
    for jobs in (1, 2):
        elapsed, rss = run_batch(folder, tmp / f"one-long-{jobs}", preset, jobs)
        speeds[jobs] = hours * 3600 / elapsed
        output = tmp / f"one-long-{jobs}" / "take.wav"
        digests[jobs] = sha256(output)
        output.unlink()
        how = "one stream" if jobs == 1 else "split into 120 s segments"
        label = f"one {hours:g} h file, {jobs} worker{'s' if jobs > 1 else ''} ({how})"
        rows.append((label, f"{speeds[jobs]:.1f}× real time", f"peak RSS {rss / 2**20:.0f} MB, {elapsed:.0f} s"))
    same = "the same bytes" if digests[1] == digests[2] else "OUTPUTS DIFFER"
    note = f"{same}; engine alone, 2 processes / 1: {hardware:.2f}×"
    rows.append(("2 workers / 1 worker, one long file", f"{speeds[2] / speeds[1]:.2f}×", note))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8, help="DI files in the throughput folder")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each DI file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rss-hours", type=float, default=1.0, help="length of the stereo file for peak RSS")
    parser.add_argument("--rss-full-model", action="store_true", help="use the 24×16 model for the long file too")
    parser.add_argument("--long-hours", type=float, default=1.0, help="length of the file split across workers")
    parser.add_argument("--light-preset", type=Path, help="a light preset (a small TS9) for one more folder row")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="neuralfx-bench-") as tmp:
        tmp = Path(tmp)
        preset, model = model_preset(tmp)
        folder = tmp / "DI"
        folder.mkdir()
        for i in range(args.files):
            sf.write(folder / f"track{i:02d}.wav", di_signal(args.seconds, 1, seed=i), RATE, subtype="PCM_24")
        audio_s = args.files * args.seconds
        rows = []

        engine = statistics.median(engine_speed(preset, 10.0) for _ in range(args.repeats))
        rows.append(("engine only, 1 process", f"{engine:.1f}× real time", "ceiling for 1 worker"))
        both = statistics.median(engine_speed_parallel(preset, 10.0, 2) for _ in range(args.repeats))
        rows.append(("engine only, 2 processes at once (summed)", f"{both:.1f}× real time", "ceiling for 2 workers"))
        speeds = {}
        for jobs in (1, 2):
            times = [run_batch(folder, tmp / f"out{jobs}", preset, jobs)[0] for _ in range(args.repeats)]
            speeds[jobs] = audio_s / statistics.median(times)
            label = f"batch, {jobs} worker{'s' if jobs > 1 else ''}, {args.files} × {args.seconds:g} s mono"
            rows.append((label, f"{speeds[jobs]:.1f}× real time", f"median of {args.repeats}"))
        rows.append(("2 workers / 1 worker", f"{speeds[2] / speeds[1]:.2f}×", ""))

        with local_cluster(tmp, workers=2) as (address, _):  # started beforehand, as on a cluster
            times = {"dask": [], "pool": []}
            for _ in range(args.repeats):  # interleaved: the machine's load drifts over minutes
                times["pool"].append(run_batch(folder, tmp / "out-pool", preset, 2)[0])
                times["dask"].append(run_batch(folder, tmp / "out-dask", preset, 2, "--scheduler", address)[0])
        pool, dask = (audio_s / statistics.median(times[name]) for name in ("pool", "dask"))
        label = f"batch on a local Dask cluster, 2 workers, {args.files} × {args.seconds:g} s mono"
        note = f"median of {args.repeats}, interleaved with the built-in pool's ({pool:.1f}×)"
        rows.append((label, f"{dask:.1f}× real time", note))
        rows.append(("Dask cluster / built-in pool, 2 workers", f"{dask / pool:.2f}×", ""))
        if args.light_preset:
            times = [run_batch(folder, tmp / "out-light", args.light_preset, 2)[0] for _ in range(args.repeats)]
            label = f"batch, 2 workers, {args.files} × {args.seconds:g} s mono, {args.light_preset.name}"
            rows.append((label, f"{audio_s / statistics.median(times):.1f}× real time", f"median of {args.repeats}"))

        rows += long_file_rows(tmp, preset, args.long_hours, both / engine)

        long_file = tmp / "long" / "session.wav"
        long_file.parent.mkdir()
        write_long(long_file, args.rss_hours * 3600, 2, "PCM_16")
        rss_preset, rss_model = (preset, model) if args.rss_full_model else (TINY, "tiny test model")
        elapsed, rss = run_batch(long_file.parent, tmp / "long-out", rss_preset, 1)
        (tmp / "long-out" / "session.wav").unlink()
        label = f"peak RSS, {args.rss_hours:g} h 48 kHz stereo PCM_16"
        rows.append((label, f"{rss / 2**20:.0f} MB", f"{rss_model}, {elapsed:.0f} s"))
        if not args.rss_full_model:
            write_long(long_file, 120, 2, "PCM_16")
            elapsed, rss = run_batch(long_file.parent, tmp / "long-out", preset, 1)
            rows.append(("peak RSS, 2 min 48 kHz stereo PCM_16", f"{rss / 2**20:.0f} MB", f"{model}, {elapsed:.0f} s"))

    print(f"model: {model}; {os.cpu_count()} CPUs; chunk {CHUNK} samples")
    width = max(len(row[0]) for row in rows)
    print(f"| {'measure'.ljust(width)} | result | note |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for label, value, note in rows:
        print(f"| {label.ljust(width)} | {value} | {note} |")


if __name__ == "__main__":
    main()
