"""`neuralfx process` (one file) and `neuralfx batch` (a folder tree): reamping through a preset
or a chain, in parallel worker processes, resumable, never touching the inputs.

    neuralfx process di.wav -o reamped.wav --preset ts9 --tail 2
    neuralfx batch session/DI session-reamped --chain rig.json --jobs 2 --report report.json

Exit codes: 0 all done (or skipped as already complete), 1 some files failed, 2 usage error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import soundfile as sf

from .chain import Chain
from .cli import print_table
from .fileio import atomic_write_text, is_temporary, same_file
from .pedal import NeuralPedal
from .preset import PresetError, load_preset, preset_path
from .render import FORMAT_SUFFIXES, RenderResult, RenderSettings, output_spec, output_suffix, render_file

AUDIO_SUFFIXES = {".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga", ".opus", ".mp3"}
FORMATS = {name.lower(): name for name in FORMAT_SUFFIXES}  # --format wav → "WAV"
_SUFFIX_FORMATS = {".wav": "WAV", ".wave": "WAV", ".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF", ".ogg": "OGG"}
_LOCK_NAME = ".neuralfx-batch.lock"
_MARKER_PREFIX = "neuralfx render "


class UsageError(Exception):
    """Bad arguments: exit code 2."""


# --- the effect ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectSource:
    """Where the effect comes from; workers load it from here once each."""

    kind: str  # "preset" or "chain"
    path: Path

    def load(self) -> Any:
        return NeuralPedal(load_preset(self.path)) if self.kind == "preset" else Chain.load(self.path)


def _effect_from_args(args: argparse.Namespace) -> tuple[EffectSource, Any, str]:
    """(source, the loaded effect, a fingerprint of every file it is made of)."""
    try:
        if args.preset:
            source = EffectSource("preset", preset_path(args.preset).resolve())
        else:
            source = EffectSource("chain", Path(args.chain).resolve())
        effect = source.load()
    except (PresetError, ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    digest = hashlib.sha256(source.kind.encode())
    digest.update(source.path.read_bytes())
    for pedal in effect if isinstance(effect, Chain) else []:
        if isinstance(pedal, NeuralPedal):
            digest.update(pedal.preset.path.read_bytes())
    return source, effect, digest.hexdigest()


# --- the command line ---------------------------------------------------------------------------
def register(commands: argparse._SubParsersAction) -> None:
    process = commands.add_parser("process", help="render one audio file through a preset or a chain")
    process.add_argument("input", type=Path, help="the audio file to process (wav, flac, aiff, ogg, mp3)")
    process.add_argument(
        "-o", "--output", type=Path, required=True, help="the file to write; its suffix picks the format"
    )
    process.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    _add_common_options(process)
    process.set_defaults(handler=_process)

    batch = commands.add_parser(
        "batch", help="render every audio file under a folder, mirroring the tree, in parallel, resumably"
    )
    batch.add_argument("in_dir", type=Path, metavar="IN_DIR", help="folder of inputs (searched recursively)")
    batch.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder for the outputs (created if needed)")
    batch.add_argument(
        "--jobs", type=_positive_int, default=_cpu_count(), help="worker processes (default: the core count)"
    )
    batch.add_argument("--force", action="store_true", help="redo outputs that are already complete")
    batch.add_argument("--dry-run", action="store_true", help="show what would be done; write nothing")
    batch.add_argument("--report", type=Path, help="also write the summary as JSON to this file")
    _add_common_options(batch)
    batch.set_defaults(handler=_batch)


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    effect = parser.add_mutually_exclusive_group(required=True)
    effect.add_argument("--preset", metavar="NAME|PATH", help="a preset name or .nfx file")
    effect.add_argument("--chain", metavar="CHAIN.json", help="a chain file (see neuralfx.Chain.save)")
    parser.add_argument(
        "--tail", type=_non_negative_float, default=0.0, metavar="SECONDS", help="ring-out appended after the input"
    )
    parser.add_argument(
        "--normalize-db",
        type=float,
        metavar="LUFS",
        help="scale each output to this integrated loudness (ITU-R BS.1770-4, LUFS), e.g. -18",
    )
    parser.add_argument("--format", choices=sorted(FORMATS), help="output format (default: the input's; mp3 → wav)")
    parser.add_argument(
        "--subtype", type=str.upper, help="output subtype, e.g. PCM_16, PCM_24, FLOAT (default: input's)"
    )
    parser.add_argument(
        "--sample-rate", type=_positive_int, metavar="HZ", help="output sample rate (default: the input's)"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number ≥ 0, got {text}")
    return value


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _settings(args: argparse.Namespace, output_format: str | None = None) -> RenderSettings:
    fmt = output_format or (FORMATS[args.format] if args.format else None)
    if args.subtype and args.subtype not in sf.available_subtypes():
        raise UsageError(f"unknown subtype {args.subtype!r} (try PCM_16, PCM_24, PCM_32, FLOAT, DOUBLE)")
    if fmt and args.subtype and not sf.check_format(fmt, args.subtype):
        raise UsageError(f"{fmt} files cannot hold subtype {args.subtype}")
    if args.normalize_db is not None and not math.isfinite(args.normalize_db):
        raise UsageError(f"--normalize-db must be a finite loudness in LUFS, got {args.normalize_db}")
    return RenderSettings(args.tail, args.normalize_db, fmt, args.subtype, args.sample_rate)


def _usage_errors(command: str):
    """Decorator: a UsageError becomes a message and exit code 2."""

    def wrap(handler):
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except UsageError as exc:
                print(f"neuralfx {command}: error: {exc}", file=sys.stderr)
                return 2

        return run

    return wrap


# --- one file's fate ----------------------------------------------------------------------------
@dataclass
class Outcome:
    """One file: planned, then filled in from its render. Also a row of the summary and report."""

    input: str  # as shown: relative to IN_DIR for batch
    output: str | None
    status: str  # "todo", "done", "skipped", "failed"
    error: str | None = None
    seconds: float = 0.0  # the input's duration
    sample_rate: int | None = None  # this and the rest: the output's
    channels: int | None = None
    format: str | None = None
    subtype: str | None = None
    frames: int | None = None
    latency_samples: int | None = None
    clipped_samples: int = 0
    loudness_lufs: float | None = None
    gain_db: float | None = None
    elapsed_s: float | None = None
    source: str = field(default="", repr=False)  # the input's full path
    marker: str = field(default="", repr=False)

    def record(self, result: RenderResult, elapsed_s: float) -> None:
        self.status = "done"
        self.seconds = result.input_frames / result.input_sample_rate
        self.sample_rate = result.output.sample_rate
        self.channels = result.output.channels
        self.format = result.output.format
        self.subtype = result.output.subtype
        self.frames = result.output_frames
        self.latency_samples = result.latency_samples
        self.clipped_samples = result.clipped_samples
        self.loudness_lufs = result.loudness_lufs
        self.gain_db = result.gain_db
        self.elapsed_s = elapsed_s

    def describe(self) -> str:
        if self.error:
            return self.error
        if self.status != "done":
            return str(self.output)
        text = f"{self.sample_rate} Hz, {self.channels} ch, {self.format} {self.subtype}"
        if self.clipped_samples:
            text += f", {self.clipped_samples} samples clipped"
        if self.gain_db is not None:
            text += f", {self.loudness_lufs:.1f} LUFS, gain {self.gain_db:+.1f} dB"
        return text

    def report_row(self) -> dict:
        row = asdict(self)
        del row["source"], row["marker"]
        for key in ("loudness_lufs", "gain_db"):  # JSON has no -inf (a silent output)
            if row[key] is not None and not math.isfinite(row[key]):
                row[key] = None
        return row


def _explain(path: Path, exc: BaseException) -> str:
    """A specific message for a file that failed."""
    if isinstance(exc, ValueError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or path})"
    if not isinstance(exc, RuntimeError):  # soundfile's errors are RuntimeErrors; anything else is the effect's
        return f"{type(exc).__name__}: {exc}"
    message = str(exc).replace(f"Error opening {str(path)!r}: ", "")
    try:
        with path.open("rb") as file:
            head = file.read(48)
    except OSError as err:
        return f"cannot read the file ({err.strerror})"
    if not head:
        return "empty file (0 bytes)"
    if "not recognised" in message:  # libsndfile: "Format not recognised."
        text = head.decode("utf-8", "replace").rstrip("\ufffd")  # the cut may split a character
        if "\ufffd" not in text and all(c.isprintable() or c.isspace() for c in text):
            return f"not audio: a text file (starts {text[:24]!r})"
        return f"not a recognised audio file ({message})"
    return f"cannot decode: {message}"


# --- process: one file --------------------------------------------------------------------------
@_usage_errors("process")
def _process(args: argparse.Namespace) -> int:
    input_path, output = args.input, args.output
    if not input_path.is_file():
        raise UsageError(f"{input_path}: no such file")
    if same_file(output, input_path):
        raise UsageError(f"{output} is the input file: refusing to write over it (choose another output)")
    if output.exists() and not args.force:
        raise UsageError(f"{output} exists: pass --force to overwrite it")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such folder")
    output_format = _SUFFIX_FORMATS.get(output.suffix.lower())
    if args.format and output_format not in (None, FORMATS[args.format]):
        raise UsageError(f"{output.name!r} names a {output_format} file but --format is {args.format}: make them agree")
    if not args.format and output_format is None:
        raise UsageError(f"cannot tell the format from {output.name!r}: name it .wav, .flac, .aiff or .ogg")
    settings = _settings(args, output_format)
    _, effect, fingerprint = _effect_from_args(args)
    started = time.perf_counter()
    try:
        result = render_file(effect, input_path, output, settings, marker=_marker(fingerprint, settings))
    except Exception as exc:
        print(f"neuralfx process: {input_path}: {_explain(input_path, exc)}", file=sys.stderr)
        return 1
    outcome = Outcome(str(input_path), str(output), "todo")
    outcome.record(result, time.perf_counter() - started)
    print(f"{output}: {outcome.describe()}; {outcome.seconds:.1f} s of audio in {outcome.elapsed_s:.1f} s")
    return 0


# --- batch: planning ----------------------------------------------------------------------------
def _check_folders(in_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    if not in_dir.is_dir():
        raise UsageError(f"{in_dir}: no such folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder")
    in_root, out_root = in_dir.resolve(), out_dir.resolve()
    if out_root == in_root:
        raise UsageError(f"OUT_DIR {out_dir} is IN_DIR: outputs would overwrite the inputs; choose another folder")
    if in_root.is_relative_to(out_root):
        raise UsageError(
            f"IN_DIR {in_dir} is inside OUT_DIR {out_dir}: outputs could overwrite inputs; choose an OUT_DIR "
            "outside IN_DIR (a subfolder of IN_DIR works too: it is left out of the scan)"
        )
    return in_root, out_root


def _scan(in_root: Path, out_root: Path) -> Iterator[Path]:
    """Audio files under in_root, sorted; hidden names, and out_root when inside in_root, left out."""
    for folder, dirs, files in os.walk(in_root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(folder, d) != out_root)
        for name in sorted(files):
            path = Path(folder, name)
            if not name.startswith(".") and path.suffix.lower() in AUDIO_SUFFIXES and path.is_file():
                yield path


def _plan(in_root: Path, out_root: Path, settings: RenderSettings, fingerprint: str, force: bool) -> list[Outcome]:
    plan = []
    for path in _scan(in_root, out_root):
        rel = path.relative_to(in_root)
        try:
            info = sf.info(str(path))
            spec = output_spec(info, settings)
        except (RuntimeError, ValueError) as exc:
            plan.append(Outcome(rel.as_posix(), None, "failed", _explain(path, exc), source=str(path)))
            continue
        output = out_root / rel.with_suffix(output_suffix(rel, info.format, spec.format))
        stat = path.stat()
        outcome = Outcome(
            rel.as_posix(),
            str(output),
            "todo",
            seconds=info.frames / info.samplerate,
            source=str(path),
            marker=_marker(fingerprint, settings, stat.st_size, stat.st_mtime_ns, spec.format, spec.subtype),
        )
        if not output.resolve().is_relative_to(out_root):
            outcome.status, outcome.error = "failed", f"{output} leads outside OUT_DIR through a symlink: not writing"
        elif not force and _is_complete(output, outcome.marker):
            outcome.status = "skipped"
        plan.append(outcome)
    by_output = defaultdict(list)
    for outcome in plan:
        if outcome.output:
            by_output[outcome.output].append(outcome)
    for same in (same for same in by_output.values() if len(same) > 1):
        for outcome in same:
            others = ", ".join(o.input for o in same if o is not outcome)
            outcome.status, outcome.error = "failed", f"{others} would write the same output; rename one"
    return plan


def _marker(fingerprint: str, settings: RenderSettings, *input_identity: object) -> str:
    """The comment stored in each output, naming the effect, settings and input it was made from.
    Outputs are renamed into place only when complete, so a matching marker means complete."""
    text = json.dumps([fingerprint, asdict(settings), *input_identity])
    return _MARKER_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def _is_complete(output: Path, marker: str) -> bool:
    try:
        with sf.SoundFile(output) as existing:
            return existing.comment == marker
    except (RuntimeError, OSError):
        return False


# --- batch: running -----------------------------------------------------------------------------
@_usage_errors("batch")
def _batch(args: argparse.Namespace) -> int:
    in_root, out_root = _check_folders(args.in_dir, args.out_dir)
    if args.report and not args.report.parent.is_dir():
        raise UsageError(f"--report: {args.report.parent}: no such folder")
    settings = _settings(args)
    source, _, fingerprint = _effect_from_args(args)
    started = time.perf_counter()
    plan = _plan(in_root, out_root, settings, fingerprint, args.force)
    if args.dry_run:
        _print_summary(plan, None)
        return 1 if any(o.status == "failed" for o in plan) else 0
    out_root.mkdir(parents=True, exist_ok=True)
    interrupted = False
    with _exclusive(out_root):
        removed = _remove_temporaries(out_root)
        if removed:
            print(f"removed {removed} temporary file(s) left by an interrupted run", file=sys.stderr)
        todo = [o for o in plan if o.status == "todo"]
        try:
            _run(todo, source, settings, min(args.jobs, len(todo)))
        except KeyboardInterrupt:
            interrupted = True
    elapsed = time.perf_counter() - started
    code = 130 if interrupted else 1 if any(o.status == "failed" for o in plan) else 0
    _print_summary(plan, elapsed)
    if args.report:
        report = {
            "command": "batch",
            "in_dir": str(in_root),
            "out_dir": str(out_root),
            "effect": {"kind": source.kind, "path": str(source.path), "sha256": fingerprint},
            "settings": asdict(settings),
            "jobs": args.jobs,
            "files": [o.report_row() for o in plan],
            "totals": _totals(plan, elapsed),
            "exit_code": code,
        }
        atomic_write_text(args.report, json.dumps(report, indent=2) + "\n")
    if interrupted:
        print("neuralfx batch: interrupted; run it again to finish", file=sys.stderr)
    return code


@contextlib.contextmanager
def _exclusive(out_root: Path) -> Iterator[None]:
    """Hold a lock on OUT_DIR, so two batches never write (or clean up) the same folder at once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with (out_root / _LOCK_NAME).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"another neuralfx batch is writing into {out_root}") from None
        yield


def _remove_temporaries(out_root: Path) -> int:
    removed = 0
    for folder, _, files in os.walk(out_root):
        for name in files:
            if is_temporary(name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(folder, name))
                    removed += 1
    return removed


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Processes started inside get one BLAS thread each: the parallelism is the processes."""
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run(todo: list[Outcome], source: EffectSource, settings: RenderSettings, jobs: int) -> None:
    """Render `todo` in `jobs` worker processes, filling in each Outcome as it finishes.

    Each worker has its own pipe and holds one file at a time, so a worker that dies (a crash,
    the OOM killer) fails exactly its file, and a new worker takes over.
    """
    if not todo:
        return
    progress = _Progress(todo, sys.stderr)
    waiting = sorted(range(len(todo)), key=lambda i: todo[i].seconds)  # pop() takes the longest: balances the load
    context = multiprocessing.get_context("spawn")  # fresh processes: BLAS reads its thread count at import
    workers: list[_Worker] = []
    try:
        with _single_threaded_blas():
            workers = [_Worker(context, source, settings) for _ in range(jobs)]
            for worker in workers:
                worker.take(waiting, todo)
            while any(worker.index is not None for worker in workers):
                busy = [worker for worker in workers if worker.index is not None]
                multiprocessing.connection.wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
                for worker in busy:
                    index = worker.index
                    if worker.collect(todo[index], progress):
                        progress.finish(index)
                        if not worker.process.is_alive():  # it died: a new one takes over
                            position = workers.index(worker)
                            worker = workers[position] = _Worker(context, source, settings)
                        worker.take(waiting, todo)
    finally:
        progress.close()
        for worker in workers:
            worker.stop()


class _Worker:
    """A worker process, the pipe to it, and the index of the file it is rendering (or None)."""

    def __init__(self, context: Any, source: EffectSource, settings: RenderSettings) -> None:
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(source, settings, theirs), daemon=True)
        self.process.start()
        theirs.close()
        self.index: int | None = None

    def take(self, waiting: list[int], todo: list[Outcome]) -> None:
        self.index = waiting.pop() if waiting else None
        if self.index is not None:
            outcome = todo[self.index]
            self.connection.send((outcome.source, outcome.output, outcome.marker))

    def collect(self, outcome: Outcome, progress: _Progress) -> bool:
        """Read what the worker said; True once its file is finished (rendered, failed, or it died)."""
        try:
            while self.connection.poll():
                message = self.connection.recv()
                if message[0] == "progress":
                    progress.advance(self.index, message[1])
                    continue
                status, payload, elapsed = message
                if status == "done":
                    outcome.record(payload, elapsed)
                else:
                    outcome.status, outcome.error = "failed", payload
                return True
        except (EOFError, OSError):
            pass
        if self.process.is_alive():
            return False
        outcome.status, outcome.error = "failed", "its worker process died while rendering it (a crash, or killed)"
        return True

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=5 if self.index is None else 0)
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: the worker unwinds, deleting its temporary file
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _worker_main(source: EffectSource, settings: RenderSettings, connection: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _exit_on_signal)  # unwinds, so atomic_path deletes its temporary file
    effect = source.load()
    while (job := connection.recv()) is not None:
        input_path, output, marker = job
        started = time.perf_counter()
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            result = render_file(
                effect,
                input_path,
                output,
                settings,
                marker=marker,
                progress=lambda seconds: connection.send(("progress", seconds)),
            )
        except Exception as exc:  # one bad file must not stop the batch
            connection.send(("failed", _explain(Path(input_path), exc), time.perf_counter() - started))
        else:
            connection.send(("done", result, time.perf_counter() - started))


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


# --- batch: progress, summary ---------------------------------------------------------------------
class _Progress:
    """Files and audio seconds done, with an ETA, on `stream`: redrawn in place on a terminal,
    otherwise one line per finished file."""

    def __init__(self, todo: list[Outcome], stream: TextIO) -> None:
        self._todo = todo
        self._stream = stream
        self._tty = stream.isatty()
        self._total_s = sum(o.seconds for o in todo)
        self._done_s: dict[int, float] = {}
        self._files = 0
        self._started = self._drawn = time.perf_counter()

    def advance(self, index: int, seconds: float) -> None:
        self._done_s[index] = seconds
        if self._tty and time.perf_counter() - self._drawn > 0.2:
            self._draw()

    def finish(self, index: int) -> None:
        self._files += 1
        outcome = self._todo[index]
        self._done_s[index] = outcome.seconds
        if self._tty:
            self._draw()
        else:
            print(f"{self._line()}  {outcome.status}: {outcome.input}", file=self._stream, flush=True)

    def close(self) -> None:
        if self._tty:
            print(file=self._stream)

    def _line(self) -> str:
        elapsed = time.perf_counter() - self._started
        done = sum(self._done_s.values())
        speed = done / elapsed if elapsed > 0 else 0.0
        left = (self._total_s - done) / speed if speed > 0 else None
        eta = "?" if left is None else f"{int(left // 60)}:{int(left % 60):02d}"
        share = 100 * done / self._total_s if self._total_s else 100.0
        return (
            f"[{self._files}/{len(self._todo)} files] {done:.0f}/{self._total_s:.0f} s of audio ({share:.0f} %), "
            f"{speed:.1f}× real time, ETA {eta}"
        )

    def _draw(self) -> None:
        self._drawn = time.perf_counter()
        self._stream.write("\r" + self._line() + "\x1b[K")
        self._stream.flush()


def _totals(plan: list[Outcome], elapsed_s: float) -> dict:
    done = [o for o in plan if o.status == "done"]
    audio_s = sum(o.seconds for o in done)
    return {
        "done": len(done),
        "skipped": sum(o.status == "skipped" for o in plan),
        "failed": sum(o.status == "failed" for o in plan),
        "not_done": sum(o.status == "todo" for o in plan),
        "audio_seconds": audio_s,
        "elapsed_s": elapsed_s,
        "realtime_factor": audio_s / elapsed_s if elapsed_s > 0 else None,
        "clipped_samples": sum(o.clipped_samples for o in done),
    }


def _print_summary(plan: list[Outcome], elapsed_s: float | None) -> None:
    """The table of every file on stdout; `elapsed_s` None means a dry run."""
    names = {"todo": "would render" if elapsed_s is None else "not done"}
    rows = [("STATUS", "FILE", "AUDIO", "OUTPUT")]
    rows += [(names.get(o.status, o.status), o.input, f"{o.seconds:.1f} s", o.describe()) for o in plan]
    print_table(rows)
    if elapsed_s is None:
        return
    totals = _totals(plan, elapsed_s)
    line = f"{totals['done']} done, {totals['skipped']} skipped, {totals['failed']} failed"
    if totals["not_done"]:
        line += f", {totals['not_done']} not done"
    line += f"; {totals['audio_seconds']:.1f} s of audio in {elapsed_s:.1f} s"
    if totals["realtime_factor"]:
        line += f" ({totals['realtime_factor']:.1f}× real time)"
    if totals["clipped_samples"]:
        line += f"; {totals['clipped_samples']} samples clipped to ±1.0 (integer subtypes)"
    print(line)
