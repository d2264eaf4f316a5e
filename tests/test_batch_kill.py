"""A batch killed with SIGKILL mid-run leaves no partial output, and a rerun completes it."""

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
from neuralfx.models import WaveNetConfig

SECONDS = {"one.wav": 6.0, "two.wav": 5.0, "three.wav": 4.0, "four.wav": 3.0}


def test_sigkill_mid_run_leaves_no_partial_output_and_a_rerun_completes(tmp_path: Path) -> None:
    preset = make_preset(WaveNetConfig(), seed=1)
    preset_path = preset.save(tmp_path / "full-size.nfx")  # the 24×16 model: slow enough to catch mid-file
    session, out = tmp_path / "DI", tmp_path / "out"
    session.mkdir()
    for i, (name, seconds) in enumerate(SECONDS.items()):
        sf.write(session / name, guitarish(seconds, seed=i).T, 48000, subtype="PCM_24")
    command = [sys.executable, "-m", "neuralfx.cli", "batch", str(session), str(out), "--preset", str(preset_path)]

    run = subprocess.Popen([*command, "--jobs", "2"], start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        names = [p.name for p in out.glob("*")] if out.is_dir() else []
        finished = [n for n in names if n in SECONDS]
        if finished and any(".tmp-" in n for n in names):
            break
        time.sleep(0.005)
    assert run.poll() is None, "the batch ended before it could be killed mid-run"
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
