"""The built-in executor: worker processes that run a batch's tasks (tasks.py), one at a time each.
A worker that dies fails exactly its task, and a new one takes over."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections.abc import Hashable, Iterator
from typing import Any

from .options import EffectSource
from .render import RenderSettings
from .tasks import Task, run_task

WORKER_DIED = "its worker process died while rendering it (a crash, or killed)"


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


class WorkerPool:
    """Up to `jobs` worker processes, started as tasks wait for them; each loads the effect once and
    holds one task at a time, the highest priority (the longest) first. Use it in a `with` block,
    which stops the workers."""

    def __init__(self, source: EffectSource, settings: RenderSettings, jobs: int) -> None:
        self.jobs = jobs
        self._source, self._settings = source, settings
        self._context = multiprocessing.get_context("spawn")  # fresh processes: BLAS reads its thread count at import
        self._waiting: list[tuple[float, int, Hashable, Task]] = []  # a heap: the highest priority first
        self._order = itertools.count()
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self._workers:
            worker.stop()

    def submit(self, key: Hashable, task: Task) -> None:
        heapq.heappush(self._waiting, (-task.priority, next(self._order), key, task))

    def events(self) -> Iterator[tuple[Hashable, str, Any, float | None]]:
        while True:
            self._hand_out()
            busy = [worker for worker in self._workers if worker.key is not None]
            if not busy:
                return
            multiprocessing.connection.wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                key = worker.key
                for event in worker.collect():
                    yield (key, *event)
                if not worker.process.is_alive():  # it died: a new one takes over when needed
                    self._workers.remove(worker)

    def _hand_out(self) -> None:
        idle = [worker for worker in self._workers if worker.key is None]
        while self._waiting and (idle or len(self._workers) < self.jobs):
            if not idle:
                with _single_threaded_blas():
                    idle.append(_Worker(self._context, self._source, self._settings))
                self._workers.append(idle[-1])
            _, _, key, task = heapq.heappop(self._waiting)
            idle.pop().take(key, task)


class _Worker:
    """A worker process, the pipe to it, and the key of the task it is running (or None)."""

    def __init__(self, context: Any, source: EffectSource, settings: RenderSettings) -> None:
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(source, settings, theirs), daemon=True)
        self.process.start()
        theirs.close()
        self.key: Hashable | None = None

    def take(self, key: Hashable, task: Task) -> None:
        self.key = key
        self.connection.send(task)

    def collect(self) -> list[tuple[str, Any, float | None]]:
        """What the worker said since the last call: progress, and, once its task is over, the
        (status, result or reason, seconds) that ends it; a worker that died fails its task."""
        events = []
        try:
            while self.connection.poll():
                events.append(self.connection.recv())
                if events[-1][0] != "progress":
                    self.key = None
                    return events
        except (EOFError, OSError):
            pass
        if not self.process.is_alive():
            self.key = None
            events.append(("failed", WORKER_DIED, None))
        return events

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=5 if self.key is None else 0)
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

    def progress(seconds: float) -> None:
        connection.send(("progress", seconds, None))

    while (task := connection.recv()) is not None:
        connection.send(run_task(task, effect, settings, progress))


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
