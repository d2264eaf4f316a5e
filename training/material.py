"""Dry electric-guitar DI material, made offline: generated playing, rendered by a soundfont or our string model.

Sources (`make_di(..., source=...)`):
- "timgm6mb": the TimGM6mb soundfont (GPL-2): for training material only, never shipped.
- "fluidr3": the FluidR3_GM soundfont (MIT): for held-out test material and anything shipped.
- "ks": our own plucked-string model (`neuralfx_training.pluck`): needs no external tools.

The seed picks the playing (styles, keys, tempi, notes, levels); the source picks only the sound.
Regenerate the bundled example clip: `python -m neuralfx_training.material --example examples/di_clip.wav`.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuralfx.audio import db_to_gain

from .pluck import Tone, pickup_resonance, pluck

PROGRAM_JAZZ, PROGRAM_CLEAN, PROGRAM_MUTED = 26, 27, 28  # General MIDI electric guitars, 0-based

# Soundfont file names and the Debian package providing each.
SOUNDFONTS = {
    "timgm6mb": (("TimGM6mb.sf2",), "timgm6mb-soundfont"),
    "fluidr3": (("FluidR3_GM.sf2", "FluidR3_GM.sf3"), "fluid-soundfont-gm"),
}
SOURCES = (*SOUNDFONTS, "ks")
SOUNDFONT_DIRS = (Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3"), Path("/usr/share/soundfonts"))

PEAK_RANGE_DB = (-18.0, -3.0)
STYLES = ("strum", "arpeggio", "power_chords", "palm_mute", "riff", "lead")


@dataclass(frozen=True)
class Note:
    start_s: float
    stop_s: float  # when the string is damped
    pitch: int  # MIDI note number
    velocity: int  # 1..127
    bend: tuple[tuple[float, float], ...] = ()  # (seconds after start_s, semitones) breakpoints


@dataclass(frozen=True)
class Section:
    """A stretch of playing at one level; every note ends before `stop_s` and the last moments are silent."""

    start_s: float
    stop_s: float
    style: str
    program: int  # General MIDI program, 0-based
    peak_db: float  # the rendered section's peak, dBFS
    notes: tuple[Note, ...]


# ---- the guitar ---------------------------------------------------------------------------------------------------

TUNING = (40, 45, 50, 55, 59, 64)  # E2 A2 D3 G3 B3 E4, low string first
LINE = -1  # the "string" of a single-note line: each note ends the one before

SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "blues": (0, 3, 5, 6, 7, 10),
}
LINE_SCALES = {
    "major": ("major_pentatonic", "major"),
    "minor": ("minor_pentatonic", "minor", "blues"),
    "blues": ("blues",),
}
# (semitones above the key, chord quality) per bar.
PROGRESSIONS = {
    "major": (
        ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
        ((0, "maj"), (5, "maj"), (7, "maj"), (5, "maj")),
        ((9, "min"), (5, "maj"), (0, "maj"), (7, "maj")),
        ((2, "min7"), (7, "7"), (0, "maj7"), (9, "min7")),
    ),
    "minor": (
        ((0, "min"), (8, "maj"), (10, "maj"), (0, "min")),
        ((0, "min"), (5, "min"), (7, "min"), (0, "min")),
        ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj")),
        ((0, "min7"), (3, "maj"), (10, "maj"), (5, "min7")),
    ),
    "blues": (((0, "7"), (5, "7"), (0, "7"), (7, "7")),),
}
# Barre shapes as fret offsets per string, low E first (None: not played): rooted on the E and A strings.
SHAPES = {
    "maj": ((0, 2, 2, 1, 0, 0), (None, 0, 2, 2, 2, 0)),
    "min": ((0, 2, 2, 0, 0, 0), (None, 0, 2, 2, 1, 0)),
    "7": ((0, 2, 0, 1, 0, 0), (None, 0, 2, 0, 2, 0)),
    "maj7": ((0, 2, 1, 1, 0, 0), (None, 0, 2, 1, 2, 0)),
    "min7": ((0, 2, 0, 0, 0, 0), (None, 0, 2, 0, 1, 0)),
    "5": ((0, 2, 2, None, None, None), (None, 0, 2, 2, None, None)),
}
STRUM_PATTERNS = ("D.DU.UDU", "D.D.D.DU", "D.DUDUDU", "D..UD.DU", "DUDUDUDU", "D...D...", "D.....D.")  # eighths
ARPEGGIO_ORDERS = (
    (0, 1, 2, 3, 4, 3, 2, 1),
    (0, 2, 1, 2, 3, 2, 1, 2),
    (0, 3, 2, 3, 1, 3, 2, 3),
    (0, 1, 2, 3, 4, 5, 4, 3),
)
# Eighths: X a chord that rings, - it keeps ringing, . it is muted, x a palm-muted root.
POWER_PATTERNS = ("X-X-X-XX", "X--X--X-", "XXXXXXXX", "X---X-X-", "X-.XX-.X", "Xxx.Xxx.")
CHUG_PATTERNS = ("Xxxxxxxx", "XxxXxxXx", "xxXxxxXx", "XxxxXxxx")


def _pick(rng: np.random.Generator, options: tuple):
    return options[int(rng.integers(len(options)))]


def chord(root: int, quality: str, rng: np.random.Generator) -> tuple[tuple[int, int], ...]:
    """A barre-chord voicing of pitch class `root` as (string, MIDI pitch), low string first."""
    shape, base = (SHAPES[quality][0], 40) if rng.uniform() < 0.5 else (SHAPES[quality][1], 45)
    fret = (root - base) % 12
    return tuple((s, TUNING[s] + fret + f) for s, f in enumerate(shape) if f is not None)


def _bar_chord(
    progression: tuple, bar: int, key: int, rng: np.random.Generator, power: bool = False
) -> tuple[tuple[int, int], ...]:
    """The voicing of the progression's chord for `bar` in `key`; a power chord on its root if `power`."""
    root, quality = progression[bar % len(progression)]
    return chord((key + root) % 12, "5" if power else quality, rng)


class _Take:
    """Notes as a guitarist plays them: one sounding note per string, all ending by `end_s`."""

    def __init__(self, end_s: float, rng: np.random.Generator):
        self.end_s = end_s
        self.rng = rng
        self.played: list[tuple[int, Note]] = []

    def play(self, string: int, start_s: float, stop_s: float, pitch: int, velocity: float, bend: tuple = ()) -> None:
        start_s += self.rng.normal(0.0, 0.004)  # a human is never on the grid
        if start_s < self.end_s - 0.05:
            velocity = int(np.clip(round(velocity + self.rng.normal(0.0, 5.0)), 20, 127))
            self.played.append((string, Note(start_s, stop_s, pitch, velocity, tuple(bend))))

    def notes(self, start_s: float) -> tuple[Note, ...]:
        played = sorted(self.played, key=lambda item: item[1].start_s)
        notes = []
        for i, (string, note) in enumerate(played):
            later = (n.start_s for s, n in played[i + 1 :] if s == string)
            stop = min(note.stop_s, next(later, math.inf), self.end_s)
            notes.append(Note(max(note.start_s, start_s), stop, note.pitch, note.velocity, note.bend))
        return tuple(n for n in notes if n.stop_s - n.start_s > 0.02)


def _strum(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    rng = take.rng
    progression = _pick(rng, PROGRESSIONS[mode])
    pattern = _pick(rng, STRUM_PATTERNS)
    loudness = rng.uniform(60, 100)
    for bar in range(bars):
        voicing = _bar_chord(progression, bar, key, rng)
        for step, stroke in enumerate(pattern):
            if stroke == ".":
                continue
            t = start_s + (bar * 8 + step) * beat_s / 2
            strings = voicing if stroke == "D" else voicing[::-1][: int(rng.integers(3, 5))]
            spread_s = rng.uniform(0.012, 0.035) if stroke == "D" else rng.uniform(0.008, 0.02)
            accent = 15 if step % 2 == 0 and stroke == "D" else 0
            for i, (string, pitch) in enumerate(strings):
                take.play(string, t + i * spread_s / len(strings), t + 8 * beat_s, pitch, loudness + accent - 2 * i)


def _arpeggio(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    rng = take.rng
    progression = _pick(rng, PROGRESSIONS[mode])
    order = _pick(rng, ARPEGGIO_ORDERS)
    step_s = beat_s / 2 if beat_s < 0.6 else beat_s / 4 * int(rng.integers(1, 3))
    loudness = rng.uniform(55, 90)
    for bar in range(bars):
        voicing = _bar_chord(progression, bar, key, rng)
        bar_s = start_s + bar * 4 * beat_s
        for i in range(round(4 * beat_s / step_s)):
            string, pitch = voicing[order[i % len(order)] % len(voicing)]
            take.play(string, bar_s + i * step_s, bar_s + 5 * beat_s, pitch, loudness + (10 if i == 0 else 0))


def _power_chords(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    rng = take.rng
    progression = _pick(rng, PROGRESSIONS[mode])
    pattern = _pick(rng, POWER_PATTERNS)
    loudness = rng.uniform(85, 115)
    for bar in range(bars):
        voicing = _bar_chord(progression, bar, key, rng, power=True)
        for step, hit in enumerate(pattern):
            t = start_s + (bar * 8 + step) * beat_s / 2
            if hit == "X":
                for i, (string, pitch) in enumerate(voicing):
                    take.play(string, t + i * 0.004, t + 8 * beat_s, pitch, loudness - 3 * i)
            elif hit == "x":
                string, pitch = voicing[0]
                take.play(string, t, t + 0.35 * beat_s, pitch, loudness - 25)
            elif hit == ".":
                for string, pitch in voicing:  # the fretting hand lifts: a short muted tick ends the chord
                    take.play(string, t, t + 0.03, pitch, 30)


def _palm_mute(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    rng = take.rng
    progression = _pick(rng, PROGRESSIONS[mode])
    pattern = _pick(rng, CHUG_PATTERNS)
    sixteenths = beat_s > 0.5 and rng.uniform() < 0.5
    step_s = beat_s / 4 if sixteenths else beat_s / 2
    loudness = rng.uniform(80, 115)
    for bar in range(bars):
        voicing = _bar_chord(progression, bar, key, rng, power=True)
        for i in range(round(4 * beat_s / step_s)):
            t = start_s + bar * 4 * beat_s + i * step_s
            accent = pattern[i % len(pattern)] == "X"
            for string, pitch in voicing if accent else voicing[:1]:
                take.play(string, t, t + step_s * rng.uniform(0.5, 0.9), pitch, loudness if accent else loudness - 15)


def _line_pitches(key: int, mode: str, low: int, high: int, rng: np.random.Generator) -> list[int]:
    scale = SCALES[_pick(rng, LINE_SCALES[mode])]
    return [p for p in range(low, high + 1) if (p - key) % 12 in scale]


def _riff(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    """A one-bar single-note motif on the low strings, repeated, its last bar varied."""
    rng = take.rng
    pitches = _line_pitches(key, mode, 40, 60, rng)
    loudness = rng.uniform(80, 115)
    legato = rng.uniform(0.5, 0.95)

    def motif() -> list[tuple[int, int, int]]:  # (sixteenth, length in sixteenths, pitch)
        notes, position, index = [], 0, int(rng.integers(0, 3))
        while position < 16:
            length = int(rng.choice((1, 2, 2, 2, 3, 4)))
            index = int(np.clip(index + rng.choice((-2, -1, 0, 1, 1, 2)), 0, len(pitches) - 1))
            notes.append((position, min(length, 16 - position), pitches[index]))
            position += length
        return notes

    phrase = motif()
    for bar in range(bars):
        if bar == bars - 1 and bars > 1:
            phrase = [n for n in phrase if n[0] < 8] + [(8 + p // 2, max(1, n // 2), q) for p, n, q in motif()]
        for position, length, pitch in phrase:
            t = start_s + bar * 4 * beat_s + position * beat_s / 4
            take.play(LINE, t, t + length * legato * beat_s / 4, pitch, loudness + (10 if position % 4 == 0 else 0))


def _lead(take: _Take, start_s: float, bars: int, beat_s: float, key: int, mode: str) -> None:
    """Single-note phrases up the neck with bends and vibrato on the long notes."""
    rng = take.rng
    pitches = _line_pitches(key, mode, 55, 84, rng)
    loudness = rng.uniform(70, 110)
    position, index = 0, int(rng.integers(len(pitches) // 3, 2 * len(pitches) // 3))
    while position < bars * 16:
        length = int(rng.choice((1, 1, 2, 2, 2, 2, 3, 4, 4, 6, 8)))
        if rng.uniform() < 0.1:  # a breath between phrases
            position += 4
            continue
        index = int(np.clip(index + rng.choice((-3, -2, -1, -1, 1, 1, 2, 3)), 0, len(pitches) - 1))
        pitch = pitches[index]
        duration_s = length * beat_s / 4
        bend: tuple[tuple[float, float], ...] = ()
        if length >= 4 and index > 0 and rng.uniform() < 0.5:  # bend up into the scale note from the one below
            pitch = pitches[index - 1]
            amount, rise_s = float(pitches[index] - pitch), rng.uniform(0.06, 0.15)
            if amount <= 2:
                bend = ((0.0, 0.0), (0.03, 0.0), (0.03 + rise_s, amount))
            else:
                pitch = pitches[index]
        if length >= 4 and not bend:  # vibrato: a guitarist bends the string slightly up and back, ~5.5 Hz
            depth, rate = rng.uniform(0.15, 0.4), rng.uniform(4.5, 6.5)
            at_s, bend = 0.15, ((0.0, 0.0), (0.15, 0.0))
            while at_s < duration_s:
                at_s += 0.5 / rate
                bend += ((at_s, depth if len(bend) % 2 == 0 else 0.0),)
        t = start_s + position * beat_s / 4
        take.play(LINE, t, t + duration_s * 0.95, pitch, loudness + rng.uniform(-10, 10), bend)
        position += length


GENERATORS = {
    "strum": (_strum, (PROGRAM_CLEAN, PROGRAM_CLEAN, PROGRAM_JAZZ)),
    "arpeggio": (_arpeggio, (PROGRAM_CLEAN, PROGRAM_JAZZ)),
    "power_chords": (_power_chords, (PROGRAM_CLEAN,)),
    "palm_mute": (_palm_mute, (PROGRAM_MUTED,)),
    "riff": (_riff, (PROGRAM_CLEAN,)),
    "lead": (_lead, (PROGRAM_CLEAN, PROGRAM_CLEAN, PROGRAM_JAZZ)),
}


def compose(
    seconds: float,
    seed: int = 0,
    peak_range_db: tuple[float, float] = PEAK_RANGE_DB,
    styles: tuple[str, ...] = STYLES,
) -> tuple[Section, ...]:
    """The playing for `seconds` of DI: sections of 2-3 bars in varied `styles`, keys, tempi and levels.

    Sections tile [0, seconds) exactly. Each has a peak level drawn uniformly in `peak_range_db` (dBFS).
    """
    if unknown := set(styles) - set(STYLES):
        raise ValueError(f"unknown styles {sorted(unknown)}; choose from {', '.join(STYLES)}")
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if not -120 < peak_range_db[0] <= peak_range_db[1] <= 20 * math.log10(0.9):
        raise ValueError(f"peak_range_db {peak_range_db} must be rising and peak at most -0.9 dBFS")
    rng = np.random.default_rng(seed)
    sections: list[Section] = []
    start_s, style = 0.0, ""
    while start_s < seconds:
        style = str(rng.choice([s for s in styles if s != style] or styles))
        generate, programs = GENERATORS[style]
        beat_s = 60.0 / rng.uniform(75, 150)
        rest_s = rng.uniform(0.2, 0.5)
        stop_s = start_s + int(rng.integers(2, 4)) * 4 * beat_s + rest_s
        if stop_s > seconds - 2.0:  # no sliver of a section at the end: the last one fills the clip
            stop_s = seconds
        end_s = stop_s - min(rest_s, 0.2 * (stop_s - start_s))  # the strings are damped by then
        take = _Take(end_s, rng)
        key, mode = int(rng.integers(12)), str(rng.choice(("major", "minor", "minor", "blues")))
        generate(take, start_s, math.ceil((end_s - start_s) / (4 * beat_s)), beat_s, key, mode)
        program = int(rng.choice(programs))
        peak_db = float(rng.uniform(*peak_range_db))
        sections.append(Section(start_s, stop_s, style, program, peak_db, take.notes(start_s)))
        start_s = stop_s
    return tuple(sections)


# ---- rendering ----------------------------------------------------------------------------------------------------


def render(
    sections: tuple[Section, ...], seconds: float, sample_rate: int = 48000, source: str = "timgm6mb", seed: int = 0
) -> np.ndarray:
    """Render `sections` as float32 mono, `round(seconds * sample_rate)` samples, each at its peak level.

    `seed` drives the "ks" string model's pick noise; soundfont renders do not use it.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown DI source {source!r}; choose one of {', '.join(SOURCES)}")
    n = round(seconds * sample_rate)
    if source == "ks":
        raw = _render_ks(sections, n, sample_rate, seed)
    else:
        raw = _render_soundfont(sections, n, sample_rate, source)
    out = np.zeros(n, dtype=np.float32)
    for section in sections:
        a, b = round(section.start_s * sample_rate), round(section.stop_s * sample_rate)
        peak = np.abs(raw[a:b]).max(initial=0.0)
        if peak > 0:
            out[a:b] = raw[a:b] * (db_to_gain(section.peak_db) / peak)
    return out


def make_di(seconds: float, sample_rate: int = 48000, source: str = "timgm6mb", seed: int = 0) -> np.ndarray:
    """`seconds` of dry guitar DI, float32 mono; section peaks between -18 and -3 dBFS. Same arguments, same samples."""
    return render(compose(seconds, seed), seconds, sample_rate, source, seed)


# Per-program guitar for the string model: a bright clean guitar, a dark neck-pickup jazz box, palm-muted strings.
KS_TONES = {
    PROGRAM_CLEAN: Tone(0.15, 6.0, 0.13, 0.12, 3300.0, 2.2),
    PROGRAM_JAZZ: Tone(0.30, 5.0, 0.20, 0.26, 2300.0, 1.3),
    PROGRAM_MUTED: Tone(0.45, 0.25, 0.12, 0.10, 3000.0, 2.0),
}


def _render_ks(sections: tuple[Section, ...], n: int, sample_rate: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros(n)
    for section in sections:
        a, b = round(section.start_s * sample_rate), min(n, round(section.stop_s * sample_rate))
        base = KS_TONES[section.program]
        # Each section is a different guitar setting: pickup selector and tone knob.
        tone = Tone(
            base.brightness,
            base.sustain_s,
            base.pick_position * rng.uniform(0.8, 1.25),
            base.pickup_position * rng.uniform(0.7, 1.3),
            base.resonance_hz * rng.uniform(0.85, 1.2),
            base.resonance_q,
        )
        strings = np.zeros(b - a)
        for note in section.notes:
            wave = pluck(note.pitch, note.stop_s - note.start_s, note.velocity, sample_rate, tone, rng, note.bend)
            at = round(note.start_s * sample_rate) - a
            wave = wave[: len(strings) - at]
            strings[at : at + len(wave)] += wave
        out[a:b] = pickup_resonance(strings, sample_rate, tone)
    return out


def find_soundfont(source: str) -> Path:
    names, package = SOUNDFONTS[source]
    for folder in SOUNDFONT_DIRS:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    raise FileNotFoundError(
        f"the {source} soundfont ({' or '.join(names)}) is not in {', '.join(str(d) for d in SOUNDFONT_DIRS)}; "
        f"install it with `apt install {package}`, or use source='ks' which needs no soundfont"
    )


def midi_file(sections: tuple[Section, ...], seconds: float):
    """The sections as a type-0 mido.MidiFile at 1 ms per tick. Bent notes play on channel 1, all else on 0."""
    import mido

    events: list[tuple[float, int, mido.Message]] = []  # (seconds, order at equal times, message)
    for channel in (0, 1):  # pitch-bend range ±2 semitones (RPN 0), the General MIDI default, made explicit
        for control, value in ((101, 0), (100, 0), (6, 2), (38, 0)):
            events.append((0.0, 0, mido.Message("control_change", channel=channel, control=control, value=value)))
    for section in sections:
        for channel in (0, 1):
            events.append(
                (section.start_s, 1, mido.Message("program_change", channel=channel, program=section.program))
            )
            # All Sound Off: nothing rings into the next section, whose level differs.
            events.append((section.stop_s - 0.002, 0, mido.Message("control_change", channel=channel, control=120)))
        for note in section.notes:
            channel = 1 if note.bend else 0
            if note.bend:
                times = np.arange(note.start_s, note.stop_s, 0.005)
                semitones = np.interp(times - note.start_s, *np.transpose(note.bend))
                for t, bend in zip(times, semitones, strict=True):
                    value = int(np.clip(round(bend / 2 * 8192), -8192, 8191))
                    events.append((float(t), 1, mido.Message("pitchwheel", channel=channel, pitch=value)))
            events.append(
                (note.start_s, 2, mido.Message("note_on", channel=channel, note=note.pitch, velocity=note.velocity))
            )
            events.append((note.stop_s, 0, mido.Message("note_off", channel=channel, note=note.pitch)))
    events.sort(key=lambda e: (round(e[0] * 1000), e[1]))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=480_000)])  # 480 ticks per beat: 1 tick = 1 ms
    tick = 0
    for seconds_at, _, message in events:
        at = max(0, round(seconds_at * 1000))
        track.append(message.copy(time=at - tick))
        tick = at
    track.append(mido.MetaMessage("end_of_track", time=max(0, round(seconds * 1000) - tick)))
    return mido.MidiFile(type=0, ticks_per_beat=480, tracks=[track])


def _render_soundfont(sections: tuple[Section, ...], n: int, sample_rate: int, source: str) -> np.ndarray:
    import soundfile

    soundfont = find_soundfont(source)
    fluidsynth = shutil.which("fluidsynth")
    if fluidsynth is None:
        raise FileNotFoundError(
            "the fluidsynth program is not installed: install it with `apt install fluidsynth`, "
            "or use source='ks' which needs no external tools"
        )
    with tempfile.TemporaryDirectory(prefix="neuralfx-di-") as folder:
        midi_path, wav_path = Path(folder) / "di.mid", Path(folder) / "di.wav"
        midi_file(sections, n / sample_rate).save(midi_path)
        command = [fluidsynth, "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(sample_rate),
                   "-O", "float", "-T", "wav", "-F", str(wav_path), str(soundfont), str(midi_path)]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not wav_path.is_file():
            raise RuntimeError(f"fluidsynth failed rendering {source} DI (exit {result.returncode}): {result.stderr}")
        stereo, rate = soundfile.read(wav_path, dtype="float64", always_2d=True)
    if rate != sample_rate:
        raise RuntimeError(f"fluidsynth rendered at {rate} Hz instead of {sample_rate} Hz")
    mono = stereo.mean(axis=1)
    out = np.zeros(n)
    out[: min(n, len(mono))] = mono[:n]
    return out


# ---- the bundled example clip -------------------------------------------------------------------------------------

EXAMPLE_SECONDS = 16.0


def example_sections() -> tuple[Section, ...]:
    """A 16 s E-minor demo at 120 bpm for trying a pedal: a riff, power chords, open-chord strums, a lick, a chord."""
    beat = 0.5
    take = _Take(EXAMPLE_SECONDS - 0.1, np.random.default_rng(7))

    def line(bar: int, notes: list[tuple[float, float, int, int]], bend_at: dict | None = None) -> None:
        for position, length, pitch, velocity in notes:
            t = (bar * 4 + position) * beat
            take.play(LINE, t, t + length * beat * 0.9, pitch, velocity, (bend_at or {}).get(position, ()))

    riff = [(0, 0.5, 40, 105), (0.5, 0.5, 40, 80), (1, 0.5, 43, 100), (1.5, 0.25, 40, 85), (1.75, 0.25, 45, 95),
            (2, 0.5, 47, 105), (2.5, 0.5, 45, 90), (3, 0.5, 43, 95), (3.5, 0.5, 45, 85)]  # fmt: skip
    line(0, riff)
    line(1, [*riff[:5], (2, 1.0, 50, 105), (3, 1.0, 52, 100)], {2: ((0, 0), (0.05, 0), (0.15, 2.0))})

    open_chords = {
        "E5": ((0, 40), (1, 47), (2, 52)),
        "G5": ((0, 43), (1, 50), (2, 55)),
        "A5": ((1, 45), (2, 52), (3, 57)),
        "C5": ((1, 48), (2, 55), (3, 60)),
        "D5": ((1, 50), (2, 57), (3, 62)),
        "Em": ((0, 40), (1, 47), (2, 52), (3, 55), (4, 59), (5, 64)),
        "C": ((1, 48), (2, 52), (3, 55), (4, 60), (5, 64)),
        "G": ((0, 43), (1, 47), (2, 50), (3, 55), (4, 59), (5, 67)),
        "D": ((2, 50), (3, 57), (4, 62), (5, 66)),
    }

    def strike(name: str, position_beats: float, ring_beats: float, velocity: int, up: bool = False) -> None:
        strings = open_chords[name][::-1][:4] if up else open_chords[name]
        t = position_beats * beat
        for i, (string, pitch) in enumerate(strings):
            take.play(string, t + i * 0.006, t + ring_beats * beat, pitch, velocity - 2 * i)

    for bar, (first, second) in ((2, ("G5", "A5")), (3, ("C5", "D5"))):
        strike("E5", bar * 4, 1, 110)
        for chug in (1, 1.5):
            take.play(0, (bar * 4 + chug) * beat, (bar * 4 + chug + 0.3) * beat, 40, 80)
        strike(first, bar * 4 + 2, 0.5, 105)
        strike(second, bar * 4 + 2.5, 1.5, 110)

    for bar, names in ((4, ("Em", "C")), (5, ("G", "D"))):
        for half, name in enumerate(names):
            for step, stroke in enumerate("D.DU"):  # eighths, two beats per chord
                if stroke != ".":
                    position = bar * 4 + half * 2 + step * 0.5
                    strike(name, position, 2 - step * 0.5, 95 if stroke == "D" else 75, up=stroke == "U")

    lick = [(0, 0.5, 67, 95), (0.5, 0.5, 69, 90), (1, 1.0, 69, 105), (2, 0.5, 67, 90), (2.5, 0.5, 64, 85),
            (3, 1.0, 62, 100)]  # fmt: skip
    line(6, lick, {1: ((0, 0), (0.04, 0), (0.14, 2.0), (0.5, 2.0))})
    strike("Em", 28, 3, 100)  # rings 1.5 s, its release done before the clip ends
    return (Section(0.0, EXAMPLE_SECONDS, "example", PROGRAM_CLEAN, -6.0, take.notes(0.0)),)


def write_example(path: Path, sample_rate: int = 48000) -> None:
    """Render the example clip with FluidR3_GM (MIT) as 16-bit PCM WAV, written atomically."""
    import soundfile

    from neuralfx.fileio import atomic_path

    audio = render(example_sections(), EXAMPLE_SECONDS, sample_rate, source="fluidr3")
    with atomic_path(Path(path)) as tmp:
        soundfile.write(tmp, audio, sample_rate, subtype="PCM_16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neuralfx_training.material", description=__doc__.split("\n")[0])
    parser.add_argument("--example", type=Path, required=True, metavar="WAV", help="write the bundled example DI clip")
    args = parser.parse_args(argv)
    write_example(args.example)
    print(f"wrote {args.example}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
