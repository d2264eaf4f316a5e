"""`neuralfx batch` splits long files across its workers: the joined output is the single stream's
(byte for byte at the model's rate; to float rounding through a resampler; within --tolerance for
effects whose memory never ends), normalised over the whole file, resumable, with no scratch file
left; the report says how each long file was rendered and why some were not split."""

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pedalboard
import pytest
import soundfile as sf
from conftest import guitarish, make_preset

from neuralfx import Chain, NeuralPedal
from neuralfx.cli import main

# name: (sample rate, channels, subtype, seconds); the preset runs at 48 kHz.
FILES = {
    "long.wav": (48000, 2, "PCM_24", 9.0),
    "nested/long441.wav": (44100, 1, "FLOAT", 7.0),
    "short.wav": (48000, 1, "PCM_16", 1.5),
}


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    return make_preset(seed=6).save(tmp_path / "pedal.nfx")


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = tmp_path / "DI"
    for i, (name, (rate, channels, subtype, seconds)) in enumerate(FILES.items()):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(folder / name, guitarish(seconds, rate, channels, seed=i).T, rate, subtype=subtype)
    return folder


def batch(session: Path, out: Path, effect: list[str], *options: str) -> dict:
    """Run `neuralfx batch`; returns its report, rows by input."""
    report = out.parent / f"{out.name}.json"
    code = main(["batch", str(session), str(out), *effect, "--report", str(report), *options])
    result = json.loads(report.read_text())
    assert code == result["exit_code"]
    return {"exit_code": code, **{row["input"]: row for row in result["files"]}}


def samples(path: Path) -> np.ndarray:
    return sf.read(path, dtype="float32", always_2d=True)[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.rglob(".*.tmp-*")]


def test_long_files_split_across_workers_join_into_the_single_stream(preset: Path, session: Path, tmp_path) -> None:
    effect = ["--preset", str(preset)]
    whole = batch(session, tmp_path / "whole", effect, "--jobs", "1", "--segment-seconds", "2")
    split = batch(session, tmp_path / "split", effect, "--jobs", "2", "--segment-seconds", "2")

    assert whole["exit_code"] == split["exit_code"] == 0
    assert [whole[name]["segments"] for name in FILES] == [None, None, None]  # one worker: nothing to gain
    assert [split[name]["segments"] for name in FILES] == [4, 4, None]
    assert split["long.wav"]["split"] == "4 segments, 1.37 s of pre-roll each, joined bit-identically"
    assert split["nested/long441.wav"]["split"] == (
        "4 segments, 0.01 s of pre-roll each, joined exactly to float rounding "
        "(resampled: segments start on a 147-frame period)"
    )
    assert split["short.wav"]["split"] is None
    for name in FILES:
        for key in ("status", "frames", "latency_samples", "clipped_samples", "sample_rate", "channels", "subtype"):
            assert split[name][key] == whole[name][key], (name, key)
    # At the model's rate the output is the same file, byte for byte; through the resampler the
    # engine's blocks are cut elsewhere, which moves float rounding (measured: under 1e-7).
    assert digest(tmp_path / "split" / "long.wav") == digest(tmp_path / "whole" / "long.wav")
    assert digest(tmp_path / "split" / "short.wav") == digest(tmp_path / "whole" / "short.wav")
    through_resampler = samples(tmp_path / "split" / "nested/long441.wav") - samples(
        tmp_path / "whole" / "nested/long441.wav"
    )
    assert np.abs(through_resampler).max() <= 1e-6
    assert leftovers(tmp_path / "split") == []

    rerun = batch(session, tmp_path / "split", effect, "--jobs", "2", "--segment-seconds", "2")
    assert [rerun[name]["status"] for name in FILES] == ["skipped"] * 3


def test_normalising_measures_the_joined_output(preset: Path, session: Path, tmp_path) -> None:
    effect = ["--preset", str(preset)]
    options = ["--segment-seconds", "2", "--normalize-db", "-20", "--tail", "0.5", "--format", "ogg"]
    whole = batch(session, tmp_path / "whole", effect, "--jobs", "1", *options)
    split = batch(session, tmp_path / "split", effect, "--jobs", "2", *options)

    assert split["long.wav"]["segments"] == 4
    assert split["long.wav"]["loudness_lufs"] == whole["long.wav"]["loudness_lufs"]
    assert split["long.wav"]["gain_db"] == whole["long.wav"]["gain_db"]
    got, want = samples(tmp_path / "split" / "long.ogg"), samples(tmp_path / "whole" / "long.ogg")
    assert got.shape == want.shape == (round(9.5 * 48000), 2)
    assert np.array_equal(got, want)  # Vorbis too: the encoder got the same samples in the same pieces
    assert leftovers(tmp_path / "split") == []


def test_effects_whose_memory_never_ends_split_only_within_a_tolerance(preset: Path, session: Path, tmp_path) -> None:
    rig = tmp_path / "rig.json"
    Chain(
        [
            pedalboard.Compressor(threshold_db=-24, ratio=4, release_ms=200),
            NeuralPedal(preset),
            pedalboard.Reverb(room_size=0.4, wet_level=0.3),
        ]
    ).save(rig)
    effect = ["--chain", str(rig), "--subtype", "FLOAT"]
    whole = batch(session, tmp_path / "out", effect, "--jobs", "2", "--segment-seconds", "2")
    assert whole["long.wav"]["segments"] is None
    assert whole["long.wav"]["split"] == ("the memory of Compressor, Reverb never ends exactly (--tolerance splits it)")
    reference = samples(tmp_path / "out" / "long.wav")

    split = batch(session, tmp_path / "out", effect, "--jobs", "2", "--segment-seconds", "2", "--tolerance", "1e-4")
    assert split["long.wav"]["status"] == "done"  # not skipped: within a tolerance is another render
    assert split["long.wav"]["segments"] >= 2
    assert split["long.wav"]["split"].startswith(f"{split['long.wav']['segments']} segments, ")
    assert "joined within 0.0001 (twice the " in split["long.wav"]["split"]
    assert np.abs(samples(tmp_path / "out" / "long.wav") - reference).max() <= 1e-4


def test_what_cannot_split_renders_whole_and_says_why(preset: Path, session: Path, tmp_path, capsys) -> None:
    rig = tmp_path / "rig.json"
    Chain([NeuralPedal(preset), pedalboard.Chorus()]).save(rig)
    rows = batch(session, tmp_path / "a", ["--chain", str(rig)], "--segment-seconds", "2", "--tolerance", "1e-3")
    assert rows["long.wav"]["segments"] is None
    assert rows["long.wav"]["split"] == "Chorus may change with time or hide its memory"
    assert "2 long files not split across workers: Chorus may change with time" in capsys.readouterr().out

    rows = batch(session, tmp_path / "b", ["--preset", str(preset)], "--segment-seconds", "2", "--sample-rate", "48000")
    assert rows["long.wav"]["segments"] == 4  # already at that rate
    assert rows["nested/long441.wav"]["segments"] is None
    assert rows["nested/long441.wav"]["split"] == "--sample-rate resamples it first"


def test_a_long_file_that_fails_halfway_fails_alone_and_leaves_no_scratch(preset: Path, session: Path, tmp_path):
    encoded = io.BytesIO()
    sf.write(encoded, guitarish(8.0).T, 48000, format="FLAC")
    data = bytearray(encoded.getvalue())
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)  # the header survives, the later frames do not
    (session / "broken.flac").write_bytes(bytes(data))
    out = tmp_path / "out"

    rows = batch(session, out, ["--preset", str(preset)], "--jobs", "2", "--segment-seconds", "2")
    assert rows["exit_code"] == 1
    assert rows["broken.flac"]["status"] == "failed"
    assert rows["broken.flac"]["segments"] == 4
    assert rows["broken.flac"]["error"].startswith("cannot decode")
    assert [rows[name]["status"] for name in FILES] == ["done"] * 3
    assert sorted(p.name for p in out.rglob("*")) == [
        ".neuralfx-batch.lock",
        "long.wav",
        "long441.wav",
        "nested",
        "short.wav",
    ]
