"""`neuralfx batch`: render every audio file under a folder into a mirror of its tree, in parallel
worker processes, resumably, never touching the inputs.

    neuralfx batch session/DI session-reamped --chain rig.json --jobs 2 --report report.json

Exit codes: 0 all done (or skipped as already complete), 1 some files failed, 2 usage error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import soundfile as sf

from ..fileio import atomic_write_text, check_replaceable, is_temporary
from .options import (
    EffectSource,
    UsageError,
    add_common_options,
    cpu_count,
    effect_from_args,
    explain,
    marker,
    positive_float,
    positive_int,
    render_settings,
    usage_errors,
)
from .outcome import Outcome, print_summary, totals
from .pool import WorkerPool
from .render import RenderSettings, output_spec, output_suffix
from .segments import DEFAULT_SEGMENT_S, Split, Splitter
from .tasks import Executor, FileJob, render_all

AUDIO_SUFFIXES = {".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga", ".opus", ".mp3"}
_LOCK_NAME = ".neuralfx-batch.lock"


def register(commands: argparse._SubParsersAction) -> None:
    batch = commands.add_parser(
        "batch", help="render every audio file under a folder, mirroring the tree, in parallel, resumably"
    )
    batch.add_argument("in_dir", type=Path, metavar="IN_DIR", help="folder of inputs (searched recursively)")
    batch.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder for the outputs (created if needed)")
    batch.add_argument(
        "--jobs", type=positive_int, default=cpu_count(), help="worker processes (default: the core count)"
    )
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this Dask cluster, e.g. tcp://HOST:8786, instead of local worker processes (docs/batch.md)",
    )
    batch.add_argument(
        "--segment-seconds",
        type=positive_float,
        default=DEFAULT_SEGMENT_S,
        metavar="SECONDS",
        help=f"split files of 1.5 times this or longer into segments of about this long, rendered on several "
        f"workers and joined exactly (default {DEFAULT_SEGMENT_S:g})",
    )
    batch.add_argument(
        "--tolerance",
        type=positive_float,
        metavar="AMPLITUDE",
        help="split effects whose memory never ends too (recurrent models, reverbs, delays, dynamics), joined "
        "within this difference from one stream (full scale 1.0), e.g. 1e-4",
    )
    batch.add_argument("--force", action="store_true", help="redo outputs that are already complete")
    batch.add_argument("--dry-run", action="store_true", help="show what would be done; write nothing")
    batch.add_argument("--report", type=Path, help="also write the summary as JSON to this file")
    add_common_options(batch)
    batch.set_defaults(handler=_batch)


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
    """Audio files under in_root, sorted. Left out: hidden names, out_root when inside in_root, and
    the OUT_DIRs of earlier batches (folders holding a batch lock file): outputs are never inputs."""
    for folder, dirs, files in os.walk(in_root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and Path(folder, d) != out_root and not Path(folder, d, _LOCK_NAME).exists()
        )
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
            plan.append(Outcome(rel.as_posix(), None, "failed", explain(path, exc), source=str(path)))
            continue
        output = out_root / rel.with_suffix(output_suffix(rel, info.format, spec.format))
        stat = path.stat()
        outcome = Outcome(
            rel.as_posix(),
            str(output),
            "todo",
            seconds=info.frames / info.samplerate,
            source=str(path),
            marker=marker(fingerprint, settings, stat.st_size, stat.st_mtime_ns, spec.format, spec.subtype),
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


def _is_complete(output: Path, marker: str) -> bool:
    try:
        with sf.SoundFile(output) as existing:
            return existing.comment == marker
    except (RuntimeError, OSError):
        return False


@usage_errors("batch")
def _batch(args: argparse.Namespace) -> int:
    in_root, out_root = _check_folders(args.in_dir, args.out_dir)
    if args.report:
        _check_report(args.report)
    settings = render_settings(args)
    source, _, fingerprint = effect_from_args(args, load=not args.dry_run)  # a dry run runs no plugin code
    started = time.perf_counter()
    # Joined within a tolerance, an output is not the exact render: it carries its own id.
    identity = fingerprint if args.tolerance is None else f"{fingerprint} tolerance {args.tolerance!r}"
    plan = _plan(in_root, out_root, settings, identity, args.force)
    splitter = Splitter(source, settings, args.segment_seconds, args.tolerance)
    split = args.scheduler is not None or args.jobs > 1  # one worker gains nothing from segments
    jobs = [FileJob(o, splitter.split(o.source) if split else Split()) for o in plan if o.status == "todo"]
    if args.dry_run:
        print_summary(plan, None)
        return 1 if any(o.status == "failed" for o in plan) else 0
    executor = _executor(args, source, fingerprint, settings)
    out_root.mkdir(parents=True, exist_ok=True)
    interrupted = False
    with _exclusive(out_root):
        removed = _remove_temporaries(out_root)
        if removed:
            print(f"removed {removed} temporary file(s) left by an interrupted run", file=sys.stderr)
        try:
            with executor:
                render_all(jobs, executor)
        except KeyboardInterrupt:
            interrupted = True
        _remove_temporaries(out_root)  # left by workers killed mid-task
    elapsed = time.perf_counter() - started
    code = 130 if interrupted else 1 if any(o.status == "failed" for o in plan) else 0
    if args.report:  # before the summary: a closed stdout (`| head`) must not lose it
        report = {
            "command": "batch",
            "in_dir": str(in_root),
            "out_dir": str(out_root),
            "effect": {"kind": source.kind, "path": str(source.path), "sha256": fingerprint},
            "settings": asdict(settings),
            "jobs": args.jobs,
            "scheduler": args.scheduler,
            "segment_s": args.segment_seconds,
            "tolerance": args.tolerance,
            "files": [o.report_row() for o in plan],
            "totals": totals(plan, elapsed),
            "exit_code": code,
        }
        atomic_write_text(args.report, json.dumps(report, indent=2) + "\n")
    print_summary(plan, elapsed)
    if interrupted:
        print("neuralfx batch: interrupted; run it again to finish", file=sys.stderr)
    return code


def _executor(args: argparse.Namespace, source: EffectSource, fingerprint: str, settings: RenderSettings) -> Executor:
    if args.scheduler is None:
        return WorkerPool(source, settings, args.jobs)
    try:
        from .dask_runner import DaskCluster  # Dask is imported only when it is used
    except ImportError as exc:
        raise UsageError(f"--scheduler needs Dask: pip install 'neuralfx[cluster]' ({exc})") from None
    return DaskCluster(args.scheduler, source, fingerprint, settings)


def _check_report(report: Path) -> None:
    if not report.parent.is_dir():
        raise UsageError(f"--report: {report.parent}: no such folder")
    try:
        check_replaceable(report)
    except ValueError as exc:
        raise UsageError(f"--report: {exc}") from None


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
