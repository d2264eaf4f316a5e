"""Worker processes that render a batch's files, one file at a time each: a worker that dies fails
exactly its file, and a new one takes over."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .options import EffectSource, explain
from .outcome import Outcome
from .progress import Progress
from .render import RenderSettings, render_file


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


def render_all(todo: list[Outcome], source: EffectSource, settings: RenderSettings, jobs: int) -> None:
    """Render `todo` in `jobs` worker processes, filling in each Outcome as it finishes.

    Each worker has its own pipe and holds one file at a time, so a worker that dies (a crash,
    the OOM killer) fails exactly its file, and a new worker takes over.
    """
    if not todo:
        return
    progress = Progress(todo, sys.stderr)
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

    def collect(self, outcome: Outcome, progress: Progress) -> bool:
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
            connection.send(("failed", explain(Path(input_path), exc), time.perf_counter() - started))
        else:
            connection.send(("done", result, time.perf_counter() - started))


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
