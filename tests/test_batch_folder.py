"""`neuralfx batch` over a mixed folder: every output has the right format and length and equals
the effect's whole-file render; bad files are reported and the rest go on; a rerun skips."""

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import guitarish, make_preset

from neuralfx import NeuralPedal
from neuralfx.cli import main

# name: (sample rate, channels, subtype, seconds); the preset runs at 48 kHz.
GOOD = {
    "a.wav": (48000, 1, "PCM_16", 0.5),
    "b.wav": (44100, 2, "PCM_24", 0.4),
    "nested/c.wav": (96000, 1, "FLOAT", 0.3),
    "nested/deeper/d.flac": (44100, 1, "PCM_16", 0.3),
    "nested/e.aiff": (48000, 2, "FLOAT", 0.2),
}
LSB = {"PCM_16": 2.0**-15, "PCM_24": 2.0**-23, "FLOAT": 1e-6}


def expected_output(preset: Path, audio: np.ndarray, sample_rate: int, subtype: str) -> np.ndarray:
    """The pedal's whole-file output, latency removed, as the subtype stores it: (n, channels)."""
    pedal = NeuralPedal(preset)
    padded = np.concatenate([audio, np.zeros((audio.shape[0], 4096), np.float32)], axis=1)
    wet = pedal(padded, sample_rate)
    latency = pedal.latency_samples
    wet = wet[:, latency : latency + audio.shape[1]]
    if subtype != "FLOAT":
        wet = np.clip(wet, -1, 1)
    buffer = io.BytesIO()
    sf.write(buffer, wet.T, sample_rate, subtype=subtype, format="WAV")
    buffer.seek(0)
    return sf.read(buffer, dtype="float32", always_2d=True)[0]


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    """A small model whose output swings over about ±0.8: content checks mean something."""
    return make_preset(seed=6).save(tmp_path / "pedal.nfx")


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = tmp_path / "DI"
    for i, (name, (rate, channels, subtype, seconds)) in enumerate(GOOD.items()):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, guitarish(seconds, rate, channels, seed=i).T, rate, subtype=subtype)
    (folder / "nested" / "empty.wav").write_bytes(b"")
    (folder / "notes.wav").write_text("take 3 was the keeper\n")
    corrupt = io.BytesIO()
    sf.write(corrupt, guitarish(0.3, 48000).T, 48000, format="FLAC")
    data = bytearray(corrupt.getvalue())
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)  # the header survives, the frames do not
    (folder / "corrupt.flac").write_bytes(bytes(data))
    (folder / "readme.txt").write_text("not audio, not scanned")
    return folder


def pedal_latency(preset: Path, sample_rate: int) -> int:
    pedal = NeuralPedal(preset)
    pedal(np.zeros(16, np.float32), sample_rate)
    return pedal.latency_samples


def fingerprints(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def test_batch_renders_a_mixed_folder_and_resumes(preset: Path, session: Path, tmp_path: Path, capsys) -> None:
    out, report_path = tmp_path / "reamped", tmp_path / "report.json"
    before = fingerprints(session)
    args = ["batch", str(session), str(out), "--preset", str(preset), "--jobs", "2"]

    assert main([*args, "--report", str(report_path)]) == 1  # three bad files

    assert fingerprints(session) == before
    report = json.loads(report_path.read_text())
    rows = {row["input"]: row for row in report["files"]}
    assert set(rows) == {*GOOD, "nested/empty.wav", "notes.wav", "corrupt.flac"}
    assert rows["nested/empty.wav"]["error"] == "empty file (0 bytes)"
    assert rows["notes.wav"]["error"].startswith("not audio: a text file")
    assert rows["corrupt.flac"]["status"] == "failed"
    assert rows["corrupt.flac"]["error"].startswith("cannot decode")
    assert not (out / "corrupt.flac").exists()
    assert report["exit_code"] == 1
    assert report["totals"] | {"elapsed_s": 0, "realtime_factor": 0} == {
        "done": 5,
        "skipped": 0,
        "failed": 3,
        "not_done": 0,
        "audio_seconds": pytest.approx(sum(s for *_, s in GOOD.values())),
        "elapsed_s": 0,
        "realtime_factor": 0,
        "clipped_samples": sum(rows[name]["clipped_samples"] for name in GOOD),
        "non_finite_samples": 0,
    }

    for name, (rate, channels, subtype, _) in GOOD.items():
        assert rows[name]["status"] == "done"
        info = sf.info(out / name)
        assert (info.samplerate, info.channels, info.subtype) == (rate, channels, subtype)
        audio = sf.read(session / name, dtype="float32", always_2d=True)[0].T
        assert info.frames == audio.shape[1] == rows[name]["frames"]
        got = sf.read(out / name, dtype="float32", always_2d=True)[0]
        want = expected_output(preset, audio, rate, subtype)
        assert np.abs(got - want).max() <= LSB[subtype], name
        assert rows[name]["latency_samples"] == pedal_latency(preset, rate)
        assert (rows[name]["latency_samples"] > 0) == (rate != 48000)
    assert not [p for p in out.rglob(".*.tmp-*")]

    # A rerun skips every complete output and touches nothing.
    written = {name: (out / name).stat().st_mtime_ns for name in GOOD}
    capsys.readouterr()
    assert main([*args, "--report", str(report_path)]) == 1
    rows = {row["input"]: row for row in json.loads(report_path.read_text())["files"]}
    assert all(rows[name]["status"] == "skipped" for name in GOOD)
    assert written == {name: (out / name).stat().st_mtime_ns for name in GOOD}
    assert "0 done, 5 skipped, 3 failed" in capsys.readouterr().out

    # Other settings make the outputs stale; --force redoes even complete ones.
    assert main([*args, "--tail", "0.1"]) == 1
    assert sf.info(out / "a.wav").frames == 24000 + 4800
    assert main([*args, "--tail", "0.1", "--force", "--report", str(report_path)]) == 1
    rows = {row["input"]: row for row in json.loads(report_path.read_text())["files"]}
    assert all(rows[name]["status"] == "done" for name in GOOD)
    assert fingerprints(session) == before
