"""A batch's tasks on a Dask distributed cluster: `neuralfx batch IN OUT --scheduler tcp://HOST:8786`.

Files, and segments of long files, are Dask tasks. Every worker reaches the inputs, the outputs and
the effect's files at the same paths as this machine (a shared filesystem) and has neuralfx
installed (docs/batch.md). When a worker dies, the scheduler runs its tasks again on another one;
a task that has killed `distributed.scheduler.allowed-failures` workers fails its file. Imported
only when `--scheduler` is given: `import neuralfx` never loads Dask.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from typing import Any

import distributed

from .options import EffectSource, UsageError, fingerprint
from .render import RenderSettings
from .tasks import Task, run_task

CONNECT_TIMEOUT_S = 30
_MAX_PRIORITY = 2**31  # Dask's priorities are numbers; a join's math.inf becomes this


class DaskCluster:
    """Runs tasks on the Dask cluster whose scheduler is at `address` (an executor, see tasks.py).
    Use it in a `with` block, which cancels what is left and disconnects."""

    def __init__(self, address: str, source: EffectSource, effect_fingerprint: str, settings: RenderSettings) -> None:
        try:
            self._client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._job = (source, effect_fingerprint, settings)
        self._running = distributed.as_completed(loop=self._client.loop)
        self._keys: dict[distributed.Future, Hashable] = {}

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.cancel(list(self._keys))  # interrupted: tasks already running still run to their end
        self._client.close()

    def submit(self, key: Hashable, task: Task) -> None:
        priority = min(task.priority, _MAX_PRIORITY)
        future = self._client.submit(run_on_worker, *self._job, task, pure=False, priority=priority)
        self._keys[future] = key
        self._running.add(future)

    def events(self) -> Iterator[tuple[Hashable, str, Any, float | None]]:
        for future in self._running:
            key = self._keys.pop(future)
            try:
                status, payload, elapsed = future.result()
            except distributed.KilledWorker as exc:
                status, payload, elapsed = "failed", f"the workers running it died each time ({exc})", None
            except Exception as exc:  # the cluster's own failure (a worker without neuralfx...)
                status, payload, elapsed = "failed", f"the Dask cluster failed it: {type(exc).__name__}: {exc}", None
            future.release()
            yield key, status, payload, elapsed


_local = threading.local()  # a worker runs tasks in threads: each has its own instance of the effect


def run_on_worker(
    source: EffectSource, effect_fingerprint: str, settings: RenderSettings, task: Task
) -> tuple[str, Any, float]:
    """The Dask task: `task` run with this worker thread's instance of the effect, loaded once and
    refused when its files differ from the ones the batch was planned with."""
    effects = _local.__dict__.setdefault("effects", {})
    if (source, effect_fingerprint) not in effects:
        try:
            same = fingerprint(source) == effect_fingerprint  # checked before anything is loaded
            effect = source.load() if same else None  # with the consented plugins and the --set values
        except Exception as exc:
            return "failed", f"a Dask worker cannot load {source.path}: {type(exc).__name__}: {exc}", 0.0
        if not same:
            return "failed", f"a Dask worker's copy of {source.path} (or a preset it uses) differs from this one", 0.0
        effects[(source, effect_fingerprint)] = effect
    return run_task(task, effects[(source, effect_fingerprint)], settings)
