"""`neuralfx process`: one file through a preset or a chain, with tail, loudness normalisation,
format overrides and clipping; it never writes over its input; usage errors exit 2."""

from pathlib import Path

import numpy as np
import pedalboard as pb
import pytest
import soundfile as sf
from conftest import guitarish, make_preset
from pedalboard.io import StreamResampler

from neuralfx import Chain, NeuralPedal
from neuralfx.cli import main
from neuralfx.loudness import integrated_loudness
from neuralfx.reamp.render import RenderSettings, render_file


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    return make_preset(seed=6).save(tmp_path / "pedal.nfx")  # output swings over about ±0.8


def aligned(effect, audio: np.ndarray, sample_rate: int, extra: int = 0) -> np.ndarray:
    """The effect's whole-signal output, its latency removed, `extra` frames of tail: (channels, n)."""
    wet = effect(np.concatenate([audio, np.zeros((audio.shape[0], extra + 8192), np.float32)], axis=1), sample_rate)
    latency = effect.latency_samples
    return wet[:, latency : latency + audio.shape[1] + extra]


def read(path: Path) -> np.ndarray:
    return sf.read(path, dtype="float32", always_2d=True)[0].T


def test_a_chain_with_a_delay_rings_out_with_tail(preset: Path, tmp_path: Path) -> None:
    chain_path = tmp_path / "rig.json"
    Chain([NeuralPedal(preset), pb.Delay(delay_seconds=0.05, feedback=0.5, mix=0.5)]).save(chain_path)
    audio = guitarish(0.4, 44100, channels=2)  # 44.1 kHz: the pedal resamples, so the chain lags
    sf.write(tmp_path / "di.wav", audio.T, 44100, subtype="FLOAT")

    assert (
        main(
            [
                "process",
                str(tmp_path / "di.wav"),
                "-o",
                str(tmp_path / "out.wav"),
                "--chain",
                str(chain_path),
                "--tail",
                "0.3",
            ]
        )
        == 0
    )

    got = read(tmp_path / "out.wav")
    assert got.shape == (2, audio.shape[1] + round(0.3 * 44100))
    want = aligned(Chain.load(chain_path), audio, 44100, extra=round(0.3 * 44100))
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert np.abs(got[:, audio.shape[1] :]).max() > 0.05  # the echoes are in the tail


def test_normalize_brings_the_output_to_the_loudness_asked(preset: Path, tmp_path: Path, capsys) -> None:
    audio = guitarish(1.0, 48000)
    sf.write(tmp_path / "di.flac", audio.T, 48000, subtype="PCM_24")
    plain, loud = tmp_path / "plain.wav", tmp_path / "normalized.wav"
    common = ["--preset", str(preset), "--subtype", "FLOAT"]
    assert main(["process", str(tmp_path / "di.flac"), "-o", str(plain), *common]) == 0
    assert main(["process", str(tmp_path / "di.flac"), "-o", str(loud), *common, "--normalize-db", "-20"]) == 0

    assert integrated_loudness(read(loud), 48000) == pytest.approx(-20.0, abs=0.01)
    gain = read(loud)[0, 1000:] / read(plain)[0, 1000:]
    assert gain.std() < 1e-4  # one gain over the whole file
    assert 20 * np.log10(gain.mean()) == pytest.approx(-20.0 - integrated_loudness(read(plain), 48000), abs=0.01)
    assert "LUFS, gain" in capsys.readouterr().out


def test_format_subtype_and_rate_overrides(preset: Path, tmp_path: Path) -> None:
    audio = guitarish(0.5, 48000)
    sf.write(tmp_path / "di.wav", audio.T, 48000, subtype="FLOAT")
    out = tmp_path / "out.flac"
    assert (
        main(
            [
                "process",
                str(tmp_path / "di.wav"),
                "-o",
                str(out),
                "--preset",
                str(preset),
                "--subtype",
                "PCM_16",
                "--sample-rate",
                "44100",
            ]
        )
        == 0
    )
    info = sf.info(out)
    assert (info.format, info.subtype, info.samplerate, info.frames) == ("FLAC", "PCM_16", 44100, round(0.5 * 44100))
    resampler = StreamResampler(48000, 44100, 1)  # the input is resampled once, then rendered at 44.1 kHz
    at_44k = np.concatenate([resampler.process(audio), resampler.process(), np.zeros((1, 8), np.float32)], axis=1)
    at_44k = at_44k[:, : info.frames]  # the resampler's flush can fall a sample short of the rounded length
    want = aligned(NeuralPedal(preset), at_44k, 44100)
    assert np.abs(read(out) - want).max() <= 2.0**-15

    # mp3 input becomes float wav; an .aiff name makes AIFF.
    sf.write(tmp_path / "di.mp3", audio.T, 48000)
    assert main(["process", str(tmp_path / "di.mp3"), "-o", str(tmp_path / "a.wav"), "--preset", str(preset)]) == 0
    assert sf.info(tmp_path / "a.wav").subtype == "FLOAT"
    assert main(["process", str(tmp_path / "di.wav"), "-o", str(tmp_path / "b.aiff"), "--preset", str(preset)]) == 0
    assert (sf.info(tmp_path / "b.aiff").format, sf.info(tmp_path / "b.aiff").subtype) == ("AIFF", "FLOAT")


def test_integer_outputs_are_clipped_and_counted_float_outputs_keep_overs(preset: Path, tmp_path: Path) -> None:
    audio = guitarish(0.5, 48000)
    sf.write(tmp_path / "di.wav", audio.T, 48000, subtype="PCM_24")
    settings = RenderSettings(normalize_lufs=-3.0)  # loud enough to go over full scale
    hot = render_file(NeuralPedal(preset), tmp_path / "di.wav", tmp_path / "hot.wav", settings)
    floats = render_file(
        NeuralPedal(preset),
        tmp_path / "di.wav",
        tmp_path / "f.wav",
        RenderSettings(normalize_lufs=-3.0, subtype="FLOAT"),
    )

    over = np.abs(read(tmp_path / "f.wav")) > 1.0
    assert floats.clipped_samples == 0 and over.sum() > 100
    assert hot.clipped_samples == over.sum()
    clipped = read(tmp_path / "hot.wav")
    assert np.abs(clipped).max() <= 1.0
    np.testing.assert_array_equal(np.sign(clipped[over]), np.sign(read(tmp_path / "f.wav")[over]))  # no wrap-around


def test_process_refuses_to_write_over_its_input_or_an_existing_file(preset: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "di.wav"
    sf.write(source, guitarish(0.2).T, 48000)
    original = source.read_bytes()
    assert main(["process", str(source), "-o", str(source), "--preset", str(preset), "--force"]) == 2
    assert "refusing to write over it" in capsys.readouterr().err
    (tmp_path / "link.wav").hardlink_to(source)
    assert main(["process", str(source), "-o", str(tmp_path / "link.wav"), "--preset", str(preset), "--force"]) == 2
    assert source.read_bytes() == original

    (tmp_path / "taken.wav").write_bytes(b"someone's work")
    assert main(["process", str(source), "-o", str(tmp_path / "taken.wav"), "--preset", str(preset)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert (tmp_path / "taken.wav").read_bytes() == b"someone's work"
    assert main(["process", str(source), "-o", str(tmp_path / "taken.wav"), "--preset", str(preset), "--force"]) == 0
    assert sf.info(tmp_path / "taken.wav").frames == sf.info(source).frames


@pytest.mark.parametrize(
    ("input_name", "output_name", "code", "message"),
    [
        ("missing.wav", "out.wav", 2, "no such file"),
        ("di.wav", "out.mp4", 2, "cannot tell the format"),
        ("di.wav", "no/such/dir/out.wav", 2, "no such folder"),
        ("notes.wav", "out.wav", 1, "not audio: a text file"),
    ],
)
def test_process_errors(
    preset: Path, tmp_path: Path, capsys, input_name: str, output_name: str, code: int, message: str
) -> None:
    sf.write(tmp_path / "di.wav", guitarish(0.2).T, 48000)
    (tmp_path / "notes.wav").write_text("not audio\n")
    assert (
        main(["process", str(tmp_path / input_name), "-o", str(tmp_path / output_name), "--preset", str(preset)])
        == code
    )
    assert message in capsys.readouterr().err
    assert not (tmp_path / output_name).exists()
