"""The GUI's only path to the engine: commands on a worker thread, events polled on a timer.

`LiveEngine` commands read and validate files in the calling process (a preset, a chain, the
preset slots) and `start`/`stop` wait for the engine process, so they run on one worker
thread, in the order they were given. The GUI thread only polls for events, and skips a tick
rather than wait while a command holds the engine. Meters and the scope come from shared
memory and are read directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal, pyqtSlot

from neuralfx.commands import Command
from neuralfx.engine import EngineEvent, LiveEngine, Meters

Job = Callable[[], Any]


class Worker(QObject):
    """Runs functions on its own thread pool and hands results back on the GUI thread.

    Args:
        threads: 1 runs the jobs one at a time, in submission order.
    """

    _finished = pyqtSignal(object, object)  # (callback, argument), delivered on the GUI thread

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._finished.connect(self._deliver)

    def run(
        self, job: Job, done: Callable[[Any], None] | None = None, failed: Callable[[str], None] | None = None
    ) -> None:
        """Run job() in the background; then done(result), or failed(message) if it raised."""

        def task() -> None:
            try:
                result = job()
            except Exception as exc:  # reported to the user, never raised into Qt
                if failed is not None:
                    self._finished.emit(failed, str(exc) or type(exc).__name__)
                return
            if done is not None:
                self._finished.emit(done, result)

        self._pool.start(QRunnable.create(task))

    @pyqtSlot(object, object)
    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        callback(value)  # a slot of this object: Qt queues it to the GUI thread

    def wait(self, timeout_ms: int = -1) -> bool:
        """Wait until every job has finished (True) or the timeout passed."""
        return self._pool.waitForDone(timeout_ms)


class EngineLink(QObject):
    """Owns the `LiveEngine` for the GUI.

    Signals:
        reported(EngineEvent): everything the engine reports, on the GUI thread.
        failed(str): a command raised in this process (a bad preset file, engine not running).
    """

    reported = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, engine: LiveEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._lock = threading.Lock()
        self._worker = Worker(1, self)

    def submit(
        self,
        job: Callable[[LiveEngine], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run job(engine) on the engine thread after the jobs already given; then done(result),
        or failed(message) if it raised (default: the `failed` signal), on the GUI thread."""

        def locked() -> Any:
            with self._lock:
                return job(self.engine)

        self._worker.run(locked, done, failed or self.failed.emit)

    def command(self, command: Command, *args: Any, **kwargs: Any) -> None:
        """Send a command on the engine thread, e.g. command(Command.SET_BYPASS, True)."""
        self.submit(lambda engine: getattr(engine, command.value)(*args, **kwargs))

    def poll(self) -> None:
        """Emit the engine's new events (call from the GUI timer; never waits)."""
        if not self._lock.acquire(blocking=False):
            return  # a command is using the engine: next tick
        try:
            events: list[EngineEvent] = self.engine.poll()
        finally:
            self._lock.release()
        for event in events:
            self.reported.emit(event)

    def meters(self) -> Meters:
        return self.engine.meters()

    def scope(self, samples: int):
        return self.engine.scope(samples)

    def input_scope(self, samples: int):
        return self.engine.input_scope(samples)

    def shutdown(self) -> None:
        """Finish the queued commands, then stop the engine (blocks: for closing the app)."""
        self._worker.wait()
        with self._lock:
            self.engine.stop()
