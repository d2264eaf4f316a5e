"""DI material: deterministic per seed, different playing per seed, sections at their levels, rates honoured."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from neuralfx_training import material
from neuralfx_training.material import Note, Section, compose, make_di, render
from neuralfx_training.recipes.ts9 import HELD_OUT_DI, TRAINING_DI

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "di_clip.wav"


def _soundfont_or_skip(source: str) -> None:
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed (apt install fluidsynth)")
    try:
        material.find_soundfont(source)
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


SOURCES = ["ks", "timgm6mb", "fluidr3"]


def _fundamental_hz(x: np.ndarray, sample_rate: int) -> float:
    """Pitch from the autocorrelation's first peak within 90 % of its highest, 60..1000 Hz."""
    x = x - x.mean()
    spectrum = np.fft.rfft(x, 2 * len(x))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(x)]
    low, high = sample_rate // 1000, sample_rate // 60
    window = correlation[low:high]
    peaks = [i for i in range(1, len(window) - 1) if window[i - 1] < window[i] >= window[i + 1]]
    best = max(window[i] for i in peaks)
    lag = low + next(i for i in peaks if window[i] >= 0.9 * best)
    return sample_rate / lag


@pytest.mark.parametrize("source", SOURCES)
def test_sections_peak_at_their_levels_without_clipping(source):
    if source != "ks":
        _soundfont_or_skip(source)
    seconds, sample_rate = 20.0, 48000
    x = make_di(seconds, sample_rate, source, seed=5)
    assert x.dtype == np.float32
    assert x.shape == (round(seconds * sample_rate),)
    sections = compose(seconds, seed=5)
    assert sections[0].start_s == 0.0 and sections[-1].stop_s == seconds
    for section in sections:
        assert -18.0 <= section.peak_db <= -3.0
        part = x[round(section.start_s * sample_rate) : round(section.stop_s * sample_rate)]
        assert 20 * np.log10(np.abs(part).max()) == pytest.approx(section.peak_db, abs=1e-4)
    assert np.abs(x).max() <= 0.9


@pytest.mark.parametrize("source", SOURCES)
def test_same_seed_same_samples_other_seed_other_samples(source):
    if source != "ks":
        _soundfont_or_skip(source)
    first = make_di(6.0, 48000, source, seed=11)
    np.testing.assert_array_equal(first, make_di(6.0, 48000, source, seed=11))
    other = make_di(6.0, 48000, source, seed=12)
    assert np.sum((first - other) ** 2) > 0.5 * np.sum(first**2)


@pytest.mark.parametrize("seconds, seed", [(seconds, seed) for _, seconds, seed in TRAINING_DI])
def test_seeds_choose_different_playing(seconds, seed):
    # The TS9 recipe's held-out DI must not be a re-take of the playing it trains on.
    _, held_out_s, held_out_seed = HELD_OUT_DI
    train, held_out = compose(seconds, seed=seed), compose(held_out_s, seed=held_out_seed)
    assert [s.style for s in train[:4]] != [s.style for s in held_out[:4]]
    pitches = [n.pitch for s in train for n in s.notes][:200]
    other = [n.pitch for s in held_out for n in s.notes][:200]
    same = sum(a == b for a, b in zip(pitches, other, strict=False))
    assert same < 0.3 * min(len(pitches), len(other))


def test_two_minutes_use_every_style_and_guitar():
    sections = compose(120.0, seed=0)
    assert {s.style for s in sections} == set(material.STYLES)
    assert {s.program for s in sections} == {material.PROGRAM_JAZZ, material.PROGRAM_CLEAN, material.PROGRAM_MUTED}
    assert any(n.bend for s in sections for n in s.notes)
    spans = [(n.start_s, n.stop_s, s.start_s, s.stop_s) for s in sections for n in s.notes]
    assert all(start <= a < b < stop for a, b, start, stop in spans)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_sample_rate_is_honoured_in_pitch(source, sample_rate):
    if source != "ks":
        _soundfont_or_skip(source)
    a3 = (Section(0.0, 1.5, "test", material.PROGRAM_CLEAN, -6.0, (Note(0.05, 1.2, 57, 100),)),)
    x = render(a3, 1.5, sample_rate, source)
    assert len(x) == round(1.5 * sample_rate)
    assert _fundamental_hz(x[round(0.3 * sample_rate) : round(1.0 * sample_rate)], sample_rate) == pytest.approx(
        220.0, rel=0.01
    )


@pytest.mark.parametrize("source", SOURCES)
def test_bend_raises_the_pitch(source):
    if source != "ks":
        _soundfont_or_skip(source)
    sample_rate = 48000
    bent = Note(0.0, 1.4, 57, 110, ((0.0, 0.0), (0.3, 0.0), (0.4, 2.0)))
    x = render((Section(0.0, 1.5, "test", material.PROGRAM_CLEAN, -6.0, (bent,)),), 1.5, sample_rate, source)
    before = _fundamental_hz(x[round(0.05 * sample_rate) : round(0.3 * sample_rate)], sample_rate)
    after = _fundamental_hz(x[round(0.5 * sample_rate) : round(1.0 * sample_rate)], sample_rate)
    assert before == pytest.approx(220.0, rel=0.01)
    assert after == pytest.approx(220.0 * 2 ** (2 / 12), rel=0.01)


def test_the_two_soundfonts_sound_different():
    # The TS9 recipe trains on TimGM6mb and tests on FluidR3: "another sound source" only if they differ.
    _soundfont_or_skip("timgm6mb")
    _soundfont_or_skip("fluidr3")
    _, seconds, seed = HELD_OUT_DI
    sections = compose(seconds, seed=seed)

    def centroid_hz(x: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(x)) ** 2
        return float(np.sum(power * np.fft.rfftfreq(len(x), 1 / 48000)) / np.sum(power))

    tim, fluid = (centroid_hz(render(sections, seconds, 48000, source)) for source in ("timgm6mb", "fluidr3"))
    assert abs(tim - fluid) > 0.1 * fluid


def test_missing_tools_name_what_to_install(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="ks"):
        make_di(1.0, source="nylon")
    monkeypatch.setattr(material, "SOUNDFONT_DIRS", (tmp_path,))
    with pytest.raises(FileNotFoundError, match="apt install fluid-soundfont-gm"):
        make_di(1.0, source="fluidr3")
    (tmp_path / "TimGM6mb.sf2").write_bytes(b"")
    monkeypatch.setattr(material.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="apt install fluidsynth"):
        make_di(1.0, source="timgm6mb")


def test_bundled_example_clip():
    audio, sample_rate = soundfile.read(EXAMPLE, dtype="float32")
    info = soundfile.info(EXAMPLE)
    assert (info.channels, info.samplerate, info.subtype) == (1, 48000, "PCM_16")
    assert 10.0 <= len(audio) / sample_rate <= 20.0
    assert 20 * np.log10(np.abs(audio).max()) == pytest.approx(-6.0, abs=0.01)
    assert np.abs(audio[-2400:]).max() < 1e-3  # the last chord has died away: no cut-off at the end


def test_example_clip_regenerates_as_examples_readme_says(tmp_path):
    _soundfont_or_skip("fluidr3")
    assert material.main(["--example", str(tmp_path / "clip.wav")]) == 0
    np.testing.assert_array_equal(soundfile.read(tmp_path / "clip.wav")[0], soundfile.read(EXAMPLE)[0])
