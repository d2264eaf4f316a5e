"""`neuralfx batch --scheduler` on a real Dask cluster on this machine (a scheduler and two worker
processes): a worker killed with SIGKILL mid-run has its tasks redone on the other, and every output
is complete and the same as the built-in pool's, with no temporary file left; bad files are
reported as the pool reports them; a rerun resumes."""

import contextlib
import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf
from conftest import guitarish, make_preset
from dask_helpers import local_cluster

from neuralfx.cli import main
from neuralfx.models import PedalNetConfig

distributed = pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[cluster]'")

SECONDS = {"long.wav": 10.0, "a.wav": 3.0, "b.wav": 3.0, "c.wav": 3.0}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    with local_cluster(tmp_path, workers=2, nanny=False) as (address, workers):
        yield address, workers


def make_session(tmp_path: Path) -> tuple[Path, Path]:
    """(the 24×16 model, slow enough to be caught mid-task; a DI folder with a long file, short
    ones and a file that is not audio)."""
    preset = make_preset(PedalNetConfig(), seed=1).save(tmp_path / "full-size.nfx")
    session = tmp_path / "DI"
    session.mkdir()
    for i, (name, seconds) in enumerate(SECONDS.items()):
        sf.write(session / name, guitarish(seconds, channels=2, seed=i).T, 48000, subtype="PCM_24")
    (session / "notes.wav").write_text("take 3 was the keeper\n")
    return preset, session


def contents(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def rows(report: Path) -> dict[str, dict]:
    return {row["input"]: row for row in json.loads(report.read_text())["files"]}


def test_a_worker_killed_mid_run_loses_nothing(cluster, tmp_path: Path) -> None:
    address, workers = cluster
    preset, session = make_session(tmp_path)
    inputs = contents(session)
    options = ["--preset", str(preset), "--segment-seconds", "2"]
    pool_report = tmp_path / "pool.json"
    assert main(["batch", str(session), str(tmp_path / "pool"), *options, "--report", str(pool_report)]) == 1
    out, report = tmp_path / "dask", tmp_path / "dask.json"

    command = ["batch", str(session), str(out), *options, "--scheduler", address, "--report", str(report)]
    run = subprocess.Popen(
        [sys.executable, "-m", "neuralfx.cli", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with distributed.Client(address, timeout=30) as client:
        victim = busy_worker(client, out)
        workers[victim].send_signal(signal.SIGKILL)  # no chance to clean up
        assert run.wait(timeout=300) == 1
        assert workers[victim].wait(timeout=10) == -signal.SIGKILL
        left = {info["name"] for info in client.scheduler_info()["workers"].values()}
        assert left == set(workers) - {victim}  # its tasks were redone there

    dask, pool = rows(report), rows(pool_report)
    assert {name: row["status"] for name, row in dask.items()} == {
        **dict.fromkeys(SECONDS, "done"),
        "notes.wav": "failed",
    }
    assert dask["long.wav"]["segments"] == 5
    for name, row in pool.items():  # the same report as the built-in pool's
        for key in ("status", "error", "frames", "latency_samples", "clipped_samples", "segments", "split"):
            assert dask[name][key] == row[key], (name, key)
    assert contents(out) == contents(tmp_path / "pool")  # every output whole, the same bytes
    assert sorted(p.name for p in out.iterdir()) == sorted([*SECONDS, ".neuralfx-batch.lock"])  # no temporary
    assert contents(session) == inputs

    assert main(command) == 1
    assert {name: row["status"] for name, row in rows(report).items()} == {
        **dict.fromkeys(SECONDS, "skipped"),
        "notes.wav": "failed",
    }


def busy_worker(client, out: Path) -> str:
    """The name of a worker running a task while a segment's scratch file is being written."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        writing = out.is_dir() and any(".tmp-" in p.name for p in out.iterdir())
        processing = client.processing()
        names = {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}
        busy = [names[address] for address, tasks in processing.items() if tasks and address in names]
        if writing and busy:
            return busy[0]
        time.sleep(0.01)
    raise AssertionError("the batch ended before a worker could be killed mid-task")


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:
    from neuralfx.reamp import dask_runner

    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 1)
    preset, session = make_session(tmp_path)
    with contextlib.closing(socket.socket()) as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    code = main(
        [
            "batch",
            str(session),
            str(tmp_path / "out"),
            "--preset",
            str(preset),
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
        ]
    )
    assert code == 2
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
