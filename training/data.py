"""Training data: load an input/target pair, check it, align it, remove DC, split it, cut windows.

Every sample index here is on the input's time axis; the target is moved onto it by alignment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from neuralfx.audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from neuralfx.fileio import check_regular_file
from neuralfx.models.pedalnet import Knob

from . import checks
from .align import Alignment, blip_delay, cross_correlation_delay, shift_target
from .capture import capture_layout, is_capture_signal
from .captures import CaptureSet
from .checks import DataError, Finding
from .loss import pre_emphasis

MAX_RECORDING_S = 3600
"""The longest recording trained on (the capture signal is a few minutes)."""
MAX_RECORDING_BYTES = 8 << 30
HIGHPASS_HZ = 20.0
VALIDATION_FRACTION = 0.1  # of a pair that is not our capture signal, held out from its end
MIN_VALIDATION_S = 2.0


@dataclass
class TrainingData:
    """An aligned, checked pair ready to train on.

    `input` and `target` are float32 on the same time axis. `training` and `validation` are
    (start, stop) ranges of *output* samples; the validation range is never trained on.
    """

    input: np.ndarray
    target: np.ndarray
    sample_rate: int
    training: tuple[int, int]
    validation: tuple[int, int]
    alignment: Alignment
    findings: list[Finding]
    capture_signal: bool
    self_esr: float | None = None
    files: dict[str, str] = field(default_factory=dict)
    knobs: dict[str, float] = field(default_factory=dict)  # the pedal's knob positions at capture

    @property
    def validation_description(self) -> str:
        """What the validation ESR is measured on, in words (for the report and the preset)."""
        seconds = (self.validation[1] - self.validation[0]) / self.sample_rate
        if self.capture_signal:
            audio = "the capture signal's second validation segment"
        else:
            audio = f"the last {seconds:.1f} s of the training pair"
        return f"plain ESR over one whole-signal pass of {audio}, held out from training"

    @property
    def setting(self) -> str:
        """The knob positions in words ("drive 3, tone 7"; "" without knobs)."""
        return ", ".join(f"{name} {value:g}" for name, value in self.knobs.items())

    def summary(self) -> dict:
        """The data in a JSON-ready dict; seconds rounded to 10 ms (the ranges are exact)."""
        return {
            **({"knobs": self.knobs} if self.knobs else {}),
            "files": self.files,
            "sample_rate": self.sample_rate,
            "capture_signal": self.capture_signal,
            "training_s": round((self.training[1] - self.training[0]) / self.sample_rate, 2),
            "training_range": list(self.training),
            "validation_s": round((self.validation[1] - self.validation[0]) / self.sample_rate, 2),
            "validation_range": list(self.validation),
            "alignment": self.alignment.to_dict(),
            "self_esr": self.self_esr,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class TrainingSet:
    """What a run trains on: one or more pairs, each recorded at its knob positions.

    `pairs` are trained on (their validation ranges held out: unseen audio); `unseen` are whole
    settings never trained on, only validated. Without knobs it is one pair.
    """

    pairs: list[TrainingData]
    unseen: list[TrainingData] = field(default_factory=list)
    knobs: tuple[Knob, ...] = ()

    def __post_init__(self) -> None:
        rates = {pair.sample_rate for pair in self.validated}
        if len(rates) > 1:
            raise DataError(f"the captures have different sample rates ({sorted(rates)} Hz): record them all at one")

    @classmethod
    def of(cls, data: TrainingData | TrainingSet) -> TrainingSet:
        return data if isinstance(data, TrainingSet) else cls([data])

    @property
    def validated(self) -> list[TrainingData]:
        """Every pair validation covers: the trained settings' held-out audio, then the unseen settings."""
        return [*self.pairs, *self.unseen]

    @property
    def sample_rate(self) -> int:
        return self.pairs[0].sample_rate

    def knob_vector(self, pair: TrainingData) -> np.ndarray:
        """The pair's knob positions as the network sees them (scaled 0..1), float32 (K,)."""
        return np.array([knob.scaled(pair.knobs[knob.name]) for knob in self.knobs], np.float32)

    @property
    def validation_description(self) -> str:
        if not self.knobs:
            return self.pairs[0].validation_description
        return (
            f"the mean of the plain ESRs of {len(self.pairs)} captured settings over their held-out ends"
            + (f" and of {len(self.unseen)} settings never trained on" if self.unseen else "")
            + ", one whole-signal pass each"
        )

    def summary(self) -> dict:
        if not self.knobs:
            return self.pairs[0].summary()
        return {
            "knobs": [knob.name for knob in self.knobs],
            "sample_rate": self.sample_rate,
            "training_s": round(sum(p.training[1] - p.training[0] for p in self.pairs) / self.sample_rate, 2),
            "validation_s": round(sum(p.validation[1] - p.validation[0] for p in self.validated) / self.sample_rate, 2),
            "captures": [p.summary() for p in self.pairs],
            "unseen_settings": [p.summary() for p in self.unseen],
        }


def prepare_captures(
    captures: CaptureSet,
    latency_samples: int | None = None,
    validation_s: float | None = None,
    ignore_checks: bool = False,
) -> TrainingSet:
    """Prepare every capture of a manifest as `prepare_pair` does, with its knob positions."""
    prepared = []
    for capture in captures.captures:
        try:
            pair = prepare_pair(capture.input, capture.target, latency_samples, validation_s, ignore_checks)
        except DataError as exc:
            raise DataError(f"the capture at {capture.label}: {exc}") from None
        pair.knobs = dict(capture.knobs)
        prepared.append((capture.held_out, pair))
    return TrainingSet(
        [pair for held_out, pair in prepared if not held_out],
        [pair for held_out, pair in prepared if held_out],
        captures.knobs,
    )


def load_audio(path: Path) -> tuple[np.ndarray, int, int]:
    """Read any format soundfile knows. Returns (first channel as float32, sample rate, channel count).
    Raises DataError for a missing or non-regular file, or one too long to train on."""
    try:
        check_regular_file(path, MAX_RECORDING_BYTES, "a recording")
        info = soundfile.info(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: {exc}") from None
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise DataError(f"{path}: cannot read it as audio ({exc})") from None
    if not MIN_SAMPLE_RATE <= info.samplerate <= MAX_SAMPLE_RATE or info.frames > MAX_RECORDING_S * info.samplerate:
        raise DataError(
            f"{path}: {info.frames} frames at {info.samplerate} Hz: train on recordings of at most "
            f"{MAX_RECORDING_S / 60:g} minutes at {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz"
        )
    try:
        audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
        raise DataError(f"{path}: cannot read it as audio ({exc})") from None
    return np.ascontiguousarray(audio[:, 0]), int(rate), audio.shape[1]


def highpass_zero_phase(x: np.ndarray, sample_rate: int, cutoff_hz: float = HIGHPASS_HZ) -> np.ndarray:
    """Zero-phase high-pass: a 2nd-order Butterworth run forwards and backwards, applied as the
    power response 1 / (1 + (fc/f)⁴) in the frequency domain. Reflected padding of a few cutoff
    periods keeps the ends clean. Returns float32."""
    if len(x) < 2:
        return np.zeros_like(x, dtype=np.float32)
    pad = min(len(x) - 1, round(4 * sample_rate / cutoff_hz))
    padded = np.pad(x.astype(np.float64), pad, mode="reflect")
    spectrum = np.fft.rfft(padded)
    freqs = np.fft.rfftfreq(len(padded), 1 / sample_rate)
    gain = np.zeros_like(freqs)
    gain[1:] = 1 / (1 + (cutoff_hz / freqs[1:]) ** 4)
    return np.fft.irfft(spectrum * gain, len(padded))[pad : pad + len(x)].astype(np.float32)


def prepare_pair(
    input_path: Path,
    target_path: Path,
    latency_samples: int | None = None,
    validation_s: float | None = None,
    ignore_checks: bool = False,
) -> TrainingData:
    """Load, check, align, remove DC and split a pair of recordings.

    Args:
        latency_samples: the target's delay behind the input; None detects it.
        validation_s: seconds held out from the end for validation (pairs that are not our capture
            signal; the capture signal validates on its second validation segment). None: 10 %.
        ignore_checks: train despite failed checks (they are still reported).
    Raises DataError at the first problem nothing can be trained from (mismatched sample rates, NaN or
    Inf samples, a silent file) even with ignore_checks; otherwise, unless ignore_checks, with the
    message of every check that failed.
    """
    input_path, target_path = Path(input_path), Path(target_path)
    x, rate, input_channels = load_audio(input_path)
    y, target_rate, target_channels = load_audio(target_path)
    findings: list[Finding] = []
    for path, channels in ((input_path, input_channels), (target_path, target_channels)):
        if channels > 1:
            findings.append(
                Finding(
                    "channels",
                    "warning",
                    f"{path.name} has {channels} channels: training on the first (left) only. Record the pedal "
                    "in mono, or export the channel you want",
                )
            )
    # Nothing can be trained from these, so they stop even with ignore_checks.
    for fatal in (
        checks.sample_rate(input_path, rate, target_path, target_rate),
        checks.non_finite(input_path, x),
        checks.non_finite(target_path, y),
        checks.silence(input_path, x, "input"),
        checks.silence(target_path, y, "target"),
    ):
        if fatal:
            raise DataError(fatal.message)
    findings += _present(
        checks.clipping(input_path, x, "input"),
        checks.clipping(target_path, y, "target"),
        checks.length_mismatch(input_path, len(x), target_path, len(y), rate),
    )

    capture = is_capture_signal(x, rate)
    alignment = _align(x, y, rate, capture, latency_samples)
    findings += [Finding("latency", "warning", w) for w in alignment.warnings]
    target, (valid_start, valid_stop) = shift_target(y, alignment.delay_samples, len(x))

    # DC: the input only needs its converter offset removed; the target's offset drifts with the
    # playing (guitarix's TS9 does this), and only a high-pass removes a drifting offset.
    x = (x - x.mean(dtype=np.float64)).astype(np.float32)
    target[valid_start:valid_stop] = highpass_zero_phase(target[valid_start:valid_stop], rate)

    self_esr = None
    if capture:
        layout = capture_layout(rate)
        first, second = (_clip(r, valid_start, valid_stop) for r in layout.validation)
        training = _clip((layout.sweeps[0], layout.training[1]), valid_start, valid_stop)
        validation = second
        if first[1] - first[0] == second[1] - second[0] > 0:
            self_esr, finding = checks.self_esr(target[slice(*first)], target[slice(*second)], target_path)
            findings += _present(finding)
    else:
        span = valid_stop - valid_start
        held_out = (
            round(validation_s * rate)
            if validation_s
            else max(round(MIN_VALIDATION_S * rate), round(VALIDATION_FRACTION * span))
        )
        held_out = min(held_out, span)
        validation = (valid_stop - held_out, valid_stop)
        training = (valid_start, valid_stop - held_out)
    findings += _present(checks.too_short(training[1] - training[0], rate))

    errors = [f for f in findings if f.severity == "error"]
    if errors and not ignore_checks:
        raise DataError(
            "the data failed its checks:\n"
            + "\n".join(f"  - {f.message}" for f in errors)
            + "\nFix them, or pass --ignore-checks to train anyway."
        )
    if validation[1] - validation[0] < MIN_VALIDATION_S * rate / 2:
        raise DataError(
            f"only {(validation[1] - validation[0]) / rate:.2f} s of validation audio (at least "
            f"{MIN_VALIDATION_S / 2:.0f} s needed): record the whole input, or hold out more with --validation-s"
        )
    files = {"input": str(input_path), "target": str(target_path)}
    return TrainingData(x, target, rate, training, validation, alignment, findings, capture, self_esr, files)


def _align(x: np.ndarray, y: np.ndarray, rate: int, capture: bool, latency_samples: int | None) -> Alignment:
    if latency_samples is not None:
        return Alignment(int(latency_samples), "manual")
    if capture:
        layout = capture_layout(rate)
        found = blip_delay(y, layout.blips, layout.blip_window, layout.silence)
        if found.detected:
            return found
        fallback = cross_correlation_delay(x, y, rate)
        fallback.warnings = [*found.warnings, "fell back to cross-correlation", *fallback.warnings]
        return fallback
    return cross_correlation_delay(x, y, rate)


def _clip(span: tuple[int, int], start: int, stop: int) -> tuple[int, int]:
    a, b = max(span[0], start), min(span[1], stop)
    return (a, max(a, b))


def _present(*findings: Finding | None) -> list[Finding]:
    return [f for f in findings if f is not None]


class TrainingWindows:
    """Random-phase tiling of every pair's training range into windows that carry their history.

    Each window predicts `window` output samples from `window + receptive_field − 1` input
    samples, so every prediction sees the full receptive field of real audio: no zero-padded
    segment starts. An epoch covers the training ranges once, in shuffled order, each pair starting
    at a random phase; epoch `e` with seed `s` is always the same.
    """

    def __init__(
        self,
        data: TrainingData | TrainingSet,
        receptive_field: int,
        window: int = 8192,
        batch_size: int = 4,
        seed: int = 0,
    ) -> None:
        self.data = TrainingSet.of(data)
        self.history = receptive_field - 1
        self.window = window
        self.batch_size = batch_size
        self.seed = seed
        self._ranges = [(max(pair.training[0], self.history), pair.training[1]) for pair in self.data.pairs]
        self._counts = [(stop - first) // window for first, stop in self._ranges]
        self.count = sum(self._counts)
        if min(self._counts) < 1:
            usable = min(max(0, stop - first) for first, stop in self._ranges)
            raise DataError(
                f"a training range holds {usable} usable samples, fewer than one {window}-sample window: use a "
                "shorter --window or more audio"
            )
        energies = [
            float(np.mean(np.square(pre_emphasis(pair.target[first:stop]), dtype=np.float64)))
            for pair, (first, stop) in zip(self.data.pairs, self._ranges, strict=True)
        ]
        self.mean_energy = float(np.average(energies, weights=self._counts))
        # Each window's loss counts relative to its own setting's loudness: quiet settings weigh
        # as much as loud ones. One pair needs no weights (every window would get 1).
        self._weights = None
        if len(energies) > 1:
            self._weights = np.array([self.mean_energy / e for e in energies], np.float32)
        self._knobs = np.stack([self.data.knob_vector(pair) for pair in self.data.pairs])

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.count // self.batch_size)

    @property
    def samples_per_epoch(self) -> int:
        return self.count * self.window

    def batches(self, epoch: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
        """Yields (inputs (B, window + RF − 1), targets (B, window), knobs (B, K), weights (B,) or
        None) float32 arrays."""
        rng = np.random.default_rng([self.seed, epoch])
        windows = []  # (pair, start) of every window of the epoch
        for pair, ((first, stop), count) in enumerate(zip(self._ranges, self._counts, strict=True)):
            phase = first + int(rng.integers(0, stop - first - count * self.window + 1))
            windows += [(pair, phase + self.window * i) for i in range(count)]
        order = rng.permutation(self.count)
        for i in range(0, self.count, self.batch_size):
            chosen = [windows[j] for j in order[i : i + self.batch_size]]
            pairs = self.data.pairs
            inputs = np.stack([pairs[p].input[s - self.history : s + self.window] for p, s in chosen])
            targets = np.stack([pairs[p].target[s : s + self.window] for p, s in chosen])
            indices = [p for p, _ in chosen]
            weights = None if self._weights is None else self._weights[indices]
            yield inputs, targets, self._knobs[indices], weights
