"""Offline rendering of audio files through an effect: streamed in chunks, sample-aligned.

The output of `render_file` lines up with its input sample for sample (zero offset) and has
the same length, plus an optional tail. Effects that lag (a NeuralPedal resampling to its
model's rate, a Chain with latent plugins) are fed silence after the input, and the lagging
start of their output is dropped. Memory stays bounded whatever the file's length.

No NaN or Inf reaches a file: the input's are replaced by silence and counted, and an effect that
produces any fails the file, which is then not written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ..audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, db_to_gain, silence_non_finite
from ..fileio import atomic_path, same_file, scratch_path
from ..loudness import LoudnessMeter
from ..resampling import ChannelResampler

CHUNK_FRAMES = 65536
"""Frames per effect call: large, so per-call overhead vanishes (engines split internally)."""

MAX_LATENCY_S = 60.0
"""An effect reporting more latency than this is broken; refusing it avoids an endless render."""

MAX_TAIL_S = 60.0
"""The longest ring-out rendered after the input: reverbs and delays die away well within it."""

FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})
FORMAT_SUFFIXES = {"WAV": ".wav", "FLAC": ".flac", "AIFF": ".aiff", "OGG": ".ogg"}
# When the input's subtype does not fit the output format: the first of these that does.
_FALLBACK_SUBTYPES = ("FLOAT", "PCM_24", "PCM_16")


@dataclass(frozen=True)
class RenderSettings:
    """How to render. None keeps the input's format, subtype and sample rate.

    Attributes:
        tail_s: seconds of ring-out appended after the input.
        normalize_lufs: target integrated loudness (BS.1770, LUFS) of the output, or None.
        format: soundfile major format of the output ("WAV", "FLAC", "AIFF", "OGG").
        subtype: soundfile subtype of the output ("PCM_16", "PCM_24", "FLOAT", ...).
        sample_rate: output sample rate in Hz; the input is resampled to it before the effect.
    """

    tail_s: float = 0.0
    normalize_lufs: float | None = None
    format: str | None = None
    subtype: str | None = None
    sample_rate: int | None = None


@dataclass(frozen=True)
class OutputSpec:
    """What an output file will be."""

    format: str
    subtype: str
    sample_rate: int
    channels: int


@dataclass
class RenderResult:
    """What `render_file` wrote. Frames are per channel."""

    input_frames: int
    input_sample_rate: int
    output: OutputSpec
    output_frames: int
    latency_samples: int  # the effect's lag that was compensated, at the output rate
    clipped_samples: int  # samples beyond ±1.0 clipped for an integer subtype
    loudness_lufs: float | None = None  # the output's loudness before normalisation
    gain_db: float | None = None  # the normalising gain applied
    non_finite_samples: int = 0  # NaN/Inf samples of the input replaced by silence


class NonFiniteOutput(ValueError):
    """The effect produced NaN or Inf samples: the output would be damaged, so it is not written."""


class WriteError(OSError):
    """The output could not be written (the disk is full, a file-size limit...)."""


def output_spec(info: Any, settings: RenderSettings) -> OutputSpec:
    """The output for an input described by `info` (a soundfile.SoundFile or sf.info()).

    The subtype is kept when the format is kept, or when it is PCM or float and the new format
    holds it; otherwise (mp3 → wav, float → flac...) it is the first of FLOAT, PCM_24, PCM_16
    that the format holds. Raises ValueError for a subtype the format cannot hold, or a sample rate
    outside the rates neuralfx renders.
    """
    for rate, what in ((info.samplerate, "the input's"), (settings.sample_rate, "the output's")):
        if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise ValueError(
                f"{what} sample rate {rate} Hz is outside the {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz that neuralfx "
                "renders" + (": resample it first, or pass --sample-rate" if what == "the input's" else "")
            )
    fmt = settings.format or ("WAV" if info.format == "MP3" else info.format)
    if settings.subtype:
        subtype = settings.subtype
        if not sf.check_format(fmt, subtype):
            raise ValueError(
                f"{fmt} files cannot hold subtype {subtype} (try one of {sorted(sf.available_subtypes(fmt))})"
            )
    elif sf.check_format(fmt, info.subtype) and (
        fmt == info.format or info.subtype.startswith("PCM_") or info.subtype in FLOAT_SUBTYPES
    ):
        subtype = info.subtype
    else:
        subtype = next((s for s in _FALLBACK_SUBTYPES if sf.check_format(fmt, s)), sf.default_subtype(fmt))
    return OutputSpec(fmt, subtype, int(settings.sample_rate or info.samplerate), int(info.channels))


def output_suffix(input_path: Path, input_format: str, output_format: str) -> str:
    """The input's own suffix when the format is kept, else the format's usual one."""
    if input_format == output_format:
        return input_path.suffix
    return FORMAT_SUFFIXES.get(output_format, "." + output_format.lower())


def read_blocks(source: sf.SoundFile, chunk_frames: int = CHUNK_FRAMES) -> Iterator[np.ndarray]:
    """Yield the file's audio as float32 (channels, n) blocks of at most `chunk_frames`."""
    while True:
        data = source.read(chunk_frames, dtype="float32", always_2d=True)
        if not len(data):
            return
        yield np.ascontiguousarray(data.T)


def resample_blocks(
    blocks: Iterable[np.ndarray], from_rate: float, to_rate: float, channels: int
) -> Iterator[np.ndarray]:
    """Yield `blocks` resampled to `to_rate`, aligned (zero offset), round(n · to/from) frames in all."""
    resampler = ChannelResampler(from_rate, to_rate, channels)
    fed = emitted = 0
    for block in blocks:
        fed += block.shape[1]
        out = resampler.process(block)
        emitted += out.shape[1]  # the resampler holds back its latency, so this stays ≤ the total
        yield out
    missing = round(fed * to_rate / from_rate) - emitted
    rest = resampler.flush()[:, : max(missing, 0)]
    yield np.pad(rest, ((0, 0), (0, max(missing - rest.shape[1], 0))))


def render_aligned(
    effect: Any, blocks: Iterable[np.ndarray], sample_rate: float, channels: int, tail_frames: int = 0
) -> Iterator[np.ndarray]:
    """Yield `effect`'s output for the stream `blocks`, aligned with it, n + `tail_frames` frames.

    The effect follows pedalboard's contract and returns as many frames as it is given (NeuralPedal,
    Chain). Its `latency_samples` is read after every call, because a Chain learns the latency
    of plugins that return short blocks only while streaming: the first `latency_samples` frames of
    its output are dropped, as they become known, and silence is fed after the input to make up
    the length. This is exact when the latency is settled by the end of the first call (true for
    NeuralPedal, and for block-buffering plugins whose frames are shorter than a chunk) or when the
    plugin that returned short is the chain's last effect.
    """
    dropped = 0
    first = True
    max_latency = MAX_LATENCY_S * sample_rate

    def run(block: np.ndarray) -> np.ndarray:
        nonlocal dropped, first
        out = effect.process(block, sample_rate, reset=first)
        first = False
        latency = int(getattr(effect, "latency_samples", 0))
        if latency > max_latency:
            raise RuntimeError(f"{effect!r} reports a latency of {latency} samples (over {MAX_LATENCY_S:g} s)")
        drop = min(max(latency - dropped, 0), out.shape[1])
        dropped += drop
        return out[:, drop:]

    fed = emitted = 0
    for block in blocks:
        if block.shape[1]:
            fed += block.shape[1]
            out = run(block)
            emitted += out.shape[1]
            yield out
    wanted = fed + tail_frames
    while emitted < wanted:
        owed = max(int(getattr(effect, "latency_samples", 0)) - dropped, 0)
        silence = np.zeros((channels, min(CHUNK_FRAMES, wanted - emitted + owed)), np.float32)
        out = run(silence)[:, : wanted - emitted]
        emitted += out.shape[1]
        yield out


def render_file(
    effect: Any,
    input_path: str | Path,
    output_path: str | Path,
    settings: RenderSettings = RenderSettings(),
    *,
    marker: str = "",
    progress: Callable[[float], None] | None = None,
) -> RenderResult:
    """Render one file through `effect`, streaming, and write the output atomically.

    Args:
        effect: a NeuralPedal, Chain or anything with their `process` contract.
        marker: stored as the output's comment (formats without text metadata skip it).
        progress: called after each chunk with the seconds of input read so far.
    Raises:
        ValueError: output and input are the same file, or the settings do not fit the input.
        NonFiniteOutput: the effect produced NaN or Inf (nothing is written).
        WriteError: the output cannot be written.
        soundfile.LibsndfileError: the input cannot be decoded.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if same_file(output_path, input_path):
        raise ValueError(f"{output_path} is the input file: refusing to write over it")
    with sf.SoundFile(input_path) as source:
        spec = output_spec(source, settings)
        reader = _Reader(source, progress)
        blocks: Iterable[np.ndarray] = reader
        if spec.sample_rate != source.samplerate:
            blocks = resample_blocks(blocks, source.samplerate, spec.sample_rate, spec.channels)
        tail_frames = round(settings.tail_s * spec.sample_rate)
        blocks = finite_output(render_aligned(effect, blocks, spec.sample_rate, spec.channels, tail_frames), effect)
        frames, clipped, loudness, gain_db = write_output(blocks, output_path, spec, marker, settings.normalize_lufs)
    return RenderResult(
        input_frames=reader.frames,
        input_sample_rate=source.samplerate,
        output=spec,
        output_frames=frames,
        latency_samples=int(getattr(effect, "latency_samples", 0)),
        clipped_samples=clipped,
        loudness_lufs=loudness,
        gain_db=gain_db,
        non_finite_samples=reader.non_finite_samples,
    )


class _Reader:
    """The input's blocks, NaN and Inf replaced by silence; counts the frames read and the samples
    silenced, and reports progress in seconds."""

    def __init__(self, source: sf.SoundFile, progress: Callable[[float], None] | None) -> None:
        self._source = source
        self._progress = progress
        self.frames = 0
        self.non_finite_samples = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        for block in read_blocks(self._source):
            self.frames += block.shape[1]
            self.non_finite_samples += silence_non_finite(block)
            yield block
            if self._progress:
                self._progress(self.frames / self._source.samplerate)


def write_output(
    blocks: Iterable[np.ndarray], output_path: Path, spec: OutputSpec, marker: str, normalize_lufs: float | None
) -> tuple[int, int, float | None, float | None]:
    """Write float (channels, n) blocks as the output, atomically, normalised to `normalize_lufs`
    when given. Returns (frames, clipped samples, loudness before normalising, gain in dB)."""
    if normalize_lufs is None:
        with atomic_path(output_path) as tmp:
            return *write_blocks(blocks, tmp, spec, marker), None, None
    return _write_normalized(blocks, output_path, spec, marker, normalize_lufs)


def finite_output(blocks: Iterable[np.ndarray], effect: Any) -> Iterator[np.ndarray]:
    """`blocks` (the effect's output), NaN and Inf replaced by silence. After the last block, raises
    NonFiniteOutput if there were any, or if the effect silenced any itself (a NeuralPedal, a
    Chain: `non_finite_samples`), so that the file being written is thrown away."""
    counted_before = getattr(effect, "non_finite_samples", 0)
    silenced = total = 0
    for block in blocks:
        silenced += silence_non_finite(block)
        total += block.size
        yield block
    silenced += getattr(effect, "non_finite_samples", 0) - counted_before
    if silenced:
        raise NonFiniteOutput(
            f"the effect produced {silenced} NaN/Inf samples (of {total}): it overflowed, and the output was not "
            "written. Lower the gain before or inside the effect, or use another preset or plugin"
        )


def _write_normalized(
    blocks: Iterable[np.ndarray], output_path: Path, spec: OutputSpec, marker: str, target_lufs: float
) -> tuple[int, int, float, float]:
    """Render to a float scratch file beside the output while metering it, then write the output
    with the gain that brings it to `target_lufs`. Returns (frames, clipped, loudness, gain_db)."""
    meter = LoudnessMeter(spec.sample_rate, spec.channels)

    def metered() -> Iterator[np.ndarray]:
        for block in blocks:
            meter.add(block)
            yield block

    with scratch_path(output_path, ".w64") as scratch:
        write_blocks(metered(), scratch, OutputSpec("W64", "FLOAT", spec.sample_rate, spec.channels), "")
        loudness = meter.integrated_lufs
        gain_db = target_lufs - loudness if math.isfinite(loudness) else 0.0  # silence stays silent
        gain = db_to_gain(gain_db)
        with sf.SoundFile(scratch) as source, atomic_path(output_path) as tmp:
            frames, clipped = write_blocks((block * gain for block in read_blocks(source)), tmp, spec, marker)
    return frames, clipped, loudness, gain_db


def write_blocks(blocks: Iterable[np.ndarray], path: Path, spec: OutputSpec, marker: str) -> tuple[int, int]:
    """Write (channels, n) float blocks; integer subtypes are clipped to ±1.0 first (libsndfile
    would wrap values beyond full scale around). The encoder gets them in CHUNK_FRAMES pieces
    whatever the blocks, because Vorbis encodes the same samples differently when they come in
    other pieces: a file's bytes depend on its samples alone, not on how its render was cut.
    Returns (frames, clipped samples)."""
    frames = clipped = 0
    clip = spec.subtype not in FLOAT_SUBTYPES
    with sf.SoundFile(path, "w", spec.sample_rate, spec.channels, spec.subtype, format=spec.format) as out:
        if marker:
            try:
                out.comment = marker
            except RuntimeError:  # this format holds no text (W64...)
                pass
        for block in _rechunked(blocks, CHUNK_FRAMES):
            if clip:
                clipped += int(np.count_nonzero(np.abs(block) > 1.0))
                np.clip(block, -1.0, 1.0, out=block)
            try:
                out.write(np.ascontiguousarray(block.T))
            except sf.LibsndfileError:
                raise WriteError(
                    f"cannot write the output ({_system_error(out)}): make room on its disk, or write it elsewhere"
                ) from None
            frames += block.shape[1]
    return frames, clipped


def _rechunked(blocks: Iterable[np.ndarray], frames: int) -> Iterator[np.ndarray]:
    """The stream of (channels, n) `blocks` in blocks of `frames`, the last one shorter."""
    held: list[np.ndarray] = []
    count = 0
    for block in blocks:
        while block.shape[1]:
            take = min(frames - count, block.shape[1])
            held.append(block[:, :take])
            count += take
            block = block[:, take:]
            if count == frames:
                yield held[0] if len(held) == 1 else np.concatenate(held, axis=1)
                held, count = [], 0
    if held:
        yield np.concatenate(held, axis=1)


def _system_error(out: sf.SoundFile) -> str:
    """Why writing failed, in the system's words ("No space left on device"). libsndfile keeps them
    in the file's error string; soundfile's exception only says "System error"."""
    try:
        detail = sf._ffi.string(sf._snd.sf_strerror(out._file)).decode(errors="replace")
    except (AttributeError, TypeError):  # a soundfile without these internals
        return "a system error (is the disk full?)"
    return detail.removeprefix("System error : ").rstrip(".")
