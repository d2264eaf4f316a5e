"""A batch killed with SIGKILL mid-run leaves no partial output, and a rerun completes it; a worker
killed mid-file fails just that file; Ctrl-C stops cleanly."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import soundfile as sf
from conftest import guitarish, make_preset

from neuralfx.cli import main
from neuralfx.models import PedalNetConfig

SECONDS = {"one.wav": 6.0, "two.wav": 5.0, "three.wav": 4.0, "four.wav": 3.0}


def make_session(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(the 24×16 model, slow enough to catch mid-file; the DI folder; the output folder)."""
    preset_path = make_preset(PedalNetConfig(), seed=1).save(tmp_path / "full-size.nfx")
    session = tmp_path / "DI"
    session.mkdir()
    for i, (name, seconds) in enumerate(SECONDS.items()):
        sf.write(session / name, guitarish(seconds, seed=i).T, 48000, subtype="PCM_24")
    return preset_path, session, tmp_path / "out"


def start_and_wait(command: list[str], out: Path, finished: int) -> subprocess.Popen:
    """Start the batch; return once `finished` outputs are complete and another is being written."""
    run = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        names = [p.name for p in out.glob("*")] if out.is_dir() else []
        if len([n for n in names if n in SECONDS]) >= finished and any(".tmp-" in n for n in names):
            return run
        time.sleep(0.005)
    raise AssertionError("the batch ended before it could be killed mid-run")


def children(parent: int) -> list[tuple[int, bytes]]:
    """(pid, command line) of each child process of `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent:
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (OSError, ValueError, IndexError):  # not a process, or gone
            continue
    return found


def test_sigkill_mid_run_leaves_no_partial_output_and_a_rerun_completes(tmp_path: Path) -> None:
    preset_path, session, out = make_session(tmp_path)
    command = [sys.executable, "-m", "neuralfx.cli", "batch", str(session), str(out), "--preset", str(preset_path)]

    run = start_and_wait([*command, "--jobs", "2"], out, finished=1)
    os.killpg(run.pid, signal.SIGKILL)  # the parent and its workers, with no chance to clean up
    run.wait()

    visible = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert visible and visible < set(SECONDS)
    for name in visible:  # whatever is visible is whole
        assert sf.info(out / name).frames == round(SECONDS[name] * 48000)
    assert any(".tmp-" in p.name for p in out.iterdir())

    report = tmp_path / "report.json"
    assert main(["batch", str(session), str(out), "--preset", str(preset_path), "--report", str(report)]) == 0
    rows = {row["input"]: row["status"] for row in json.loads(report.read_text())["files"]}
    assert rows == {name: "skipped" if name in visible else "done" for name in SECONDS}
    assert {p.name for p in out.iterdir()} == {*SECONDS, ".neuralfx-batch.lock"}
    for name, seconds in SECONDS.items():
        assert sf.info(out / name).frames == round(seconds * 48000)


def test_a_worker_killed_mid_file_fails_that_file_and_the_rest_go_on(tmp_path: Path) -> None:
    preset_path, session, out = make_session(tmp_path)
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "neuralfx.cli", "batch", str(session), str(out), "--preset", str(preset_path)]

    run = start_and_wait([*command, "--jobs", "1", "--report", str(report)], out, finished=0)
    workers = [pid for pid, command_line in children(run.pid) if b"spawn_main" in command_line]
    assert len(workers) == 1
    os.kill(workers[0], signal.SIGKILL)

    assert run.wait(timeout=120) == 1
    rows = {row["input"]: row for row in json.loads(report.read_text())["files"]}
    killed = [name for name, row in rows.items() if row["status"] == "failed"]
    assert killed == ["one.wav"]  # the longest goes first
    assert rows["one.wav"]["error"] == "its worker process died while rendering it (a crash, or killed)"
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == set(SECONDS) - {"one.wav"}


def test_ctrl_c_stops_cleanly_with_exit_code_130(tmp_path: Path) -> None:
    preset_path, session, out = make_session(tmp_path)
    command = [sys.executable, "-m", "neuralfx.cli", "batch", str(session), str(out), "--preset", str(preset_path)]

    run = start_and_wait([*command, "--jobs", "2"], out, finished=0)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does

    assert run.wait(timeout=60) == 130
    left = {p.name for p in out.iterdir()} - {".neuralfx-batch.lock"}
    assert left < set(SECONDS)  # no temporary files: the workers deleted theirs
    for name in left:
        assert sf.info(out / name).frames == round(SECONDS[name] * 48000)
