"""A real Dask cluster on this machine, for tests/test_batch_dask.py and benchmarks/batch.py."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def dask(command: str, *args: str) -> subprocess.Popen:
    """`dask scheduler` or `dask worker`, on the loopback address, quietly."""
    return subprocess.Popen(
        [sys.executable, "-m", f"distributed.cli.dask_{command}", *args, "--host", "127.0.0.1", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def local_cluster(
    folder: Path, workers: int = 2, nanny: bool = True
) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    """A scheduler and `workers` single-threaded workers, each its own `dask worker` process named
    w0, w1...; yields (the scheduler's address, worker name → its process). Without a nanny, a killed
    worker stays dead; with one (as docs/batch.md starts them), each worker runs with one BLAS thread."""
    import distributed

    scheduler_file = str(folder / "scheduler.json")
    processes = [dask("scheduler", "--scheduler-file", scheduler_file, "--port", "0")]
    try:
        options = ["--nthreads", "1"] + ([] if nanny else ["--no-nanny"])
        named = {
            f"w{i}": dask("worker", "--scheduler-file", scheduler_file, "--name", f"w{i}", *options)
            for i in range(workers)
        }
        processes += named.values()
        with distributed.Client(scheduler_file=scheduler_file, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
            address = client.scheduler.address
        yield address, named
    finally:
        for process in reversed(processes):
            process.kill()
            process.wait()
