"""`neuralfx batch` refuses folder layouts that could overwrite inputs, and bad arguments, with
exit code 2; a dry run writes nothing; two inputs that would share an output both fail."""

import json
from pathlib import Path

import pytest
import soundfile as sf
from conftest import TINY_PRESET, guitarish

from neuralfx.cli import main


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = tmp_path / "DI"
    folder.mkdir()
    for name in ("gtr.wav", "bass.flac"):
        sf.write(folder / name, guitarish(0.2).T, 48000)
    return folder


def batch(*args: str) -> int:
    return main(["batch", *args, "--preset", str(TINY_PRESET)])


@pytest.mark.parametrize(
    ("in_dir", "out_dir", "message"),
    [
        ("DI", "DI", "is IN_DIR"),
        ("DI", "DI/./", "is IN_DIR"),
        ("DI", ".", "inside OUT_DIR"),
        ("missing", "out", "no such folder"),
        ("DI", "DI/gtr.wav", "not a folder"),
    ],
)
def test_folder_layouts_that_risk_the_inputs_are_refused(
    session: Path, tmp_path: Path, capsys, in_dir: str, out_dir: str, message: str
) -> None:
    before = sorted(p.name for p in session.iterdir())
    assert batch(str(tmp_path / in_dir), str(tmp_path / out_dir)) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in session.iterdir()) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--preset", "no-such-preset"], "no preset by that name"),
        (["--chain", "missing.json"], "cannot read the chain file"),
        (["--preset", str(TINY_PRESET), "--format", "flac", "--subtype", "FLOAT"], "cannot hold subtype FLOAT"),
        (["--preset", str(TINY_PRESET), "--subtype", "PCM_13"], "unknown subtype"),
        (["--preset", str(TINY_PRESET), "--report", "no/such/dir/report.json"], "no such folder"),
    ],
)
def test_bad_options_exit_2(session: Path, tmp_path: Path, capsys, options: list[str], message: str) -> None:
    assert main(["batch", str(session), str(tmp_path / "out"), *options]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("options", [["--jobs", "0"], ["--tail", "-1"], ["--format", "mp4"], []])
def test_argument_errors_exit_2(session: Path, tmp_path: Path, options: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(session), str(tmp_path / "out"), *options])  # [] lacks --preset/--chain
    assert exit_.value.code == 2


def test_an_out_dir_inside_in_dir_is_left_out_of_the_scan(session: Path) -> None:
    assert batch(str(session), str(session / "reamped")) == 0
    assert sorted(p.name for p in (session / "reamped").iterdir() if not p.name.startswith(".")) == [
        "bass.flac",
        "gtr.wav",
    ]
    assert batch(str(session), str(session / "reamped")) == 0  # nothing new to scan in there
    assert not (session / "reamped" / "reamped").exists()


def test_dry_run_writes_nothing(session: Path, tmp_path: Path, capsys) -> None:
    assert batch(str(session), str(tmp_path / "out"), "--dry-run") == 0
    table = capsys.readouterr().out
    assert "would render  bass.flac" in table and "would render  gtr.wav" in table
    assert not (tmp_path / "out").exists()


def test_inputs_that_would_share_an_output_both_fail(session: Path, tmp_path: Path) -> None:
    sf.write(session / "gtr.mp3", guitarish(0.2).T, 48000)  # mp3 becomes wav: gtr.wav again
    report = tmp_path / "report.json"
    assert batch(str(session), str(tmp_path / "out"), "--report", str(report)) == 1
    rows = {row["input"]: row for row in json.loads(report.read_text())["files"]}
    assert rows["gtr.mp3"]["error"] == "gtr.wav would write the same output; rename one"
    assert rows["gtr.wav"]["error"] == "gtr.mp3 would write the same output; rename one"
    assert rows["bass.flac"]["status"] == "done"
    assert not (tmp_path / "out" / "gtr.wav").exists()


def test_a_symlink_in_out_dir_leading_to_the_inputs_is_not_written_through(session: Path, tmp_path: Path) -> None:
    (session / "sub").mkdir()
    sf.write(session / "sub" / "take.wav", guitarish(0.2).T, 48000)
    original = (session / "sub" / "take.wav").read_bytes()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sub").symlink_to(session / "sub")
    report = tmp_path / "report.json"
    assert batch(str(session), str(tmp_path / "out"), "--report", str(report)) == 1
    rows = {row["input"]: row for row in json.loads(report.read_text())["files"]}
    assert rows["sub/take.wav"]["error"].endswith("leads outside OUT_DIR through a symlink: not writing")
    assert (session / "sub" / "take.wav").read_bytes() == original
    assert rows["gtr.wav"]["status"] == "done"
