"""NeuralPedal: a preset as an effect with Spotify pedalboard's calling contract."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .audio import as_channels_first, blend_into, db_to_gain, restore_layout, silence_non_finite
from .glide import Glide
from .preset import Preset, load_preset
from .resampling import RateAdapter, SampleFifo

PARAMETER_GLIDE_MS = 20.0
"""Gain and mix changes glide over this long, so turning a knob never clicks."""

_MAX_BUFFERS = 64

PARAMETERS = ("input_gain_db", "output_gain_db", "mix", "bypass")
"""The parameters a host may set while playing (crossfade_ms is a setup choice)."""

MAX_GAIN_DB = 120.0
"""The largest input or output gain, up or down: beyond it a gain is a mistake (or an overflow)."""


def check_parameter(name: str, value: Any) -> float | bool:
    """Validate a NeuralPedal parameter value; returns it as float (bool for bypass).

    Raises ValueError saying what is wrong.
    """
    if name not in PARAMETERS:
        raise ValueError(f"a neural pedal has no parameter {name!r} (it has {', '.join(PARAMETERS)})")
    if name == "bypass":
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name == "mix" and not 0.0 <= value <= 1.0:
        raise ValueError(f"mix must be between 0 (dry) and 1 (wet), got {value}")
    if name.endswith("_gain_db") and not -MAX_GAIN_DB <= value <= MAX_GAIN_DB:
        raise ValueError(f"{name} must be between -{MAX_GAIN_DB:g} and +{MAX_GAIN_DB:g} dB, got {value:g}")
    return float(value)


class NeuralPedal:
    """A neural pedal model as an audio effect.

    Called like a pedalboard plugin: `pedal(audio, sample_rate)` or
    `pedal.process(audio, sample_rate, buffer_size=8192, reset=True)`. Audio is
    (channels, samples) or (samples,), float32 or float64; the output is float32 in the same
    layout. Each channel has its own model state. With `reset=False` a call continues the
    stream, and a stream cut into any blocks equals one whole-signal call.

    Signal flow: wet = output_gain · model(input_gain · x); out = (1 − mix)·x + mix·wet, and
    `bypass` crossfades to x over `crossfade_ms`. Gain and mix changes glide over 20 ms. NaN
    and Inf never leave: non-finite input is replaced by silence before the model, and output
    that had to be silenced is counted in `non_finite_samples` (and the blocks that held it in
    `non_finite_blocks`).

    If the host rate differs from the preset's, audio is resampled in and out, and the output
    (wet and dry alike) lags by `latency_samples`; at the preset's own rate the latency is 0.

    Args:
        preset: a loaded Preset, a preset name, or a path to a preset file.
        input_gain_db, output_gain_db: gains in dB before and after the model.
        mix: wet/dry balance, 0 (dry) to 1 (wet).
        bypass: whether the effect is bypassed.
        crossfade_ms: bypass crossfade time in milliseconds.
    """

    def __init__(
        self,
        preset: Preset | str | Path,
        *,
        input_gain_db: float = 0.0,
        output_gain_db: float = 0.0,
        mix: float = 1.0,
        bypass: bool = False,
        crossfade_ms: float = 20.0,
    ) -> None:
        self.preset = preset if isinstance(preset, Preset) else load_preset(preset)
        self._input_gain = Glide(1.0)
        self._output_gain = Glide(1.0)
        self._mix = Glide(1.0)
        self._engaged = Glide(1.0)
        self._stream: _Stream | None = None
        self._at_rest = False  # whether the stream is exactly in its reset state
        self.non_finite_blocks = 0
        self.non_finite_samples = 0
        self.input_gain_db = input_gain_db
        self.output_gain_db = output_gain_db
        self.mix = mix
        self.crossfade_ms = crossfade_ms
        self.bypass = bypass

    @classmethod
    def from_preset(cls, name_or_path: str | Path, **parameters: float) -> NeuralPedal:
        """Load a preset by name (see `neuralfx.preset.preset_dirs`) or path."""
        return cls(load_preset(name_or_path), **parameters)

    def parameters(self) -> dict[str, float | bool]:
        """The constructor's keyword arguments for the current settings (what a chain file saves)."""
        return {
            "input_gain_db": self.input_gain_db,
            "output_gain_db": self.output_gain_db,
            "mix": self.mix,
            "bypass": self.bypass,
            "crossfade_ms": self.crossfade_ms,
        }

    def clone(self) -> NeuralPedal:
        """A new pedal with the same preset (shared, read-only) and parameters, and no stream."""
        return NeuralPedal(self.preset, **self.parameters())

    @property
    def sample_rate(self) -> int:
        """The preset's (the model's) sample rate in Hz."""
        return self.preset.sample_rate

    @property
    def input_gain_db(self) -> float:
        return self._input_gain_db

    @input_gain_db.setter
    def input_gain_db(self, value: float) -> None:
        self._input_gain_db = check_parameter("input_gain_db", value)
        self._input_gain.set_target(db_to_gain(self._input_gain_db))

    @property
    def output_gain_db(self) -> float:
        return self._output_gain_db

    @output_gain_db.setter
    def output_gain_db(self, value: float) -> None:
        self._output_gain_db = check_parameter("output_gain_db", value)
        self._output_gain.set_target(db_to_gain(self._output_gain_db))

    @property
    def mix(self) -> float:
        return self._mix.target

    @mix.setter
    def mix(self, value: float) -> None:
        self._mix.set_target(check_parameter("mix", value))

    @property
    def bypass(self) -> bool:
        return self._engaged.target == 0.0

    @bypass.setter
    def bypass(self, value: bool) -> None:
        self._engaged.set_target(0.0 if value else 1.0)

    @property
    def crossfade_ms(self) -> float:
        return self._crossfade_ms

    @crossfade_ms.setter
    def crossfade_ms(self, value: float) -> None:
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"crossfade_ms must be a finite number ≥ 0, got {value}")
        self._crossfade_ms = value
        self._set_glide_times()

    @property
    def latency_samples(self) -> int:
        """How many samples the output lags the input at the current host rate."""
        return self._stream.latency_samples if self._stream else 0

    @property
    def memory_samples(self) -> int:
        """Host samples after which the output no longer depends on anything heard before them:
        the receptive field at the host rate, plus the latency (0 before a stream starts)."""
        return self._stream.memory_samples if self._stream else 0

    def reset(self) -> None:
        """Clear all state: models hear silence, parameter glides finish at once."""
        if self._stream and not self._at_rest:
            self._stream.reset()
        self._finish_glides()
        self._at_rest = self._stream is not None

    def prepare(self, sample_rate: float, channels: int = 1, settle: bool = True) -> None:
        """Start a new stream at `sample_rate` with `channels`, as `process(..., reset=True)` does.

        With settle=False the models only get their buffers (about 2 ms for the 24×16 model)
        and the pedal is not yet at rest: run `settle_steps` before processing audio. A
        real-time host (neuralfx.engine) spreads that work over its callbacks' spare time.
        """
        self._stream = _Stream(self.preset, sample_rate, channels, settle)
        self._set_glide_times()
        self._finish_glides()
        self._at_rest = settle

    def settle_steps(self, block: int) -> Iterator[None]:
        """Bring a stream begun with `prepare(settle=False)` to rest, one `block` of silence per
        step: the models settle into silence, and every buffer plan that a stream of `block`-sample
        blocks visits gets made, so that playing allocates nothing in the models. Afterwards the
        pedal is exactly as after `reset()`, which then costs nothing."""
        stream = self._stream
        silence = np.zeros((stream.channels, block), np.float32)
        for _ in range(math.ceil(stream.warmup_samples / block) + 2):
            stream.run(silence)
            yield
        stream.reset(settle=False)  # the models are settled; this restarts the resamplers' phase
        self._finish_glides()
        self._at_rest = True

    def _finish_glides(self) -> None:
        for glide in (self._input_gain, self._output_gain, self._mix, self._engaged):
            glide.jump(glide.target)

    def process(
        self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192, reset: bool = True
    ) -> np.ndarray:
        """Process audio; see the class docstring. `buffer_size` never changes the result
        (the model streams exactly at any block size); it is accepted for pedalboard's contract."""
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be positive, got {buffer_size}")
        if not (math.isfinite(sample_rate) and sample_rate > 0):
            raise ValueError(f"sample_rate must be a positive number of Hz, got {sample_rate}")
        audio, was_1d = as_channels_first(input_array)
        return restore_layout(self.stream_block(audio, sample_rate, reset).copy(), was_1d)

    __call__ = process

    def stream_block(self, audio: np.ndarray, sample_rate: float, reset: bool = False) -> np.ndarray:
        """`process` for a host that owns its buffers (a Chain, the live engine): `audio` is float32
        (channels, n) and may be changed; the result is the pedal's own buffer, valid until the next
        call. A steady stream at the preset's rate allocates nothing."""
        channels = audio.shape[0]
        if self._stream is None or (reset and not self._stream.matches(sample_rate, channels)):
            self.prepare(sample_rate, channels)
        elif reset:
            self.reset()
        elif not self._stream.matches(sample_rate, channels):
            raise ValueError(
                f"the stream runs at {self._stream.sample_rate} Hz with {self._stream.channels} channel(s), "
                f"this block is {sample_rate} Hz with {channels}: pass reset=True to start a new stream"
            )
        self._at_rest = False
        return self._process_block(audio)

    def _process_block(self, dry: np.ndarray) -> np.ndarray:
        n = dry.shape[1]
        silence_non_finite(dry)
        driven = self._stream.buffer("driven", n)
        np.multiply(dry, self._input_gain.next(n), out=driven)
        wet = self._stream.run(driven)
        wet *= self._output_gain.next(n)
        dry = self._stream.delay_dry(dry)
        blend_into(wet, dry, self._mix.next(n))
        blend_into(wet, dry, self._engaged.next(n))
        silenced = silence_non_finite(wet)
        if silenced:
            self.non_finite_blocks += 1
            self.non_finite_samples += silenced
        return wet

    def _set_glide_times(self) -> None:
        rate = self._stream.sample_rate if self._stream else self.sample_rate
        for glide in (self._input_gain, self._output_gain, self._mix):
            glide.glide_samples = round(PARAMETER_GLIDE_MS * 1e-3 * rate)
        self._engaged.glide_samples = round(self._crossfade_ms * 1e-3 * rate)

    def __repr__(self) -> str:
        return (
            f"<neuralfx.NeuralPedal {self.preset.name!r} input_gain_db={self.input_gain_db} "
            f"output_gain_db={self.output_gain_db} mix={self.mix} bypass={self.bypass}>"
        )


class _Stream:
    """Per-stream state: one engine per channel, and the rate adapter when rates differ."""

    def __init__(self, preset: Preset, sample_rate: float, channels: int, settle: bool = True) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self._engines = [preset.model.stream(settle=settle) for _ in range(channels)]
        self._adapter = None
        if sample_rate != preset.sample_rate:
            self._adapter = RateAdapter(sample_rate, preset.sample_rate, channels, self._run_models)
        self.latency_samples = self._adapter.latency_samples if self._adapter else 0
        ratio = sample_rate / preset.sample_rate
        engine = self._engines[0]
        self.memory_samples = math.ceil(preset.model.settle_samples * ratio) + self.latency_samples
        # Silence that settles unsettled models, visiting each buffer position twice.
        self.warmup_samples = self.memory_samples + math.ceil(2 * engine.cycle_samples * ratio)
        self._dry = SampleFifo(channels, self.latency_samples)
        self._buffers: dict[tuple[str, int], np.ndarray] = {}

    def matches(self, sample_rate: float, channels: int) -> bool:
        return sample_rate == self.sample_rate and channels == self.channels

    def reset(self, settle: bool = True) -> None:
        """Back to silence; settle=False keeps the models' state (already settled by silence)."""
        if settle:
            for engine in self._engines:
                engine.reset()
        if self._adapter:
            self._adapter.reset()
        self._dry = SampleFifo(self.channels, self.latency_samples)

    def run(self, audio: np.ndarray) -> np.ndarray:
        return self._adapter.process(audio) if self._adapter else self._run_models(audio)

    def delay_dry(self, audio: np.ndarray) -> np.ndarray:
        """The dry signal, delayed to line up with the wet one."""
        if not self.latency_samples:
            return audio
        self._dry.push(audio)
        return self._dry.pop(audio.shape[1])

    def buffer(self, use: str, n: int) -> np.ndarray:
        """A (channels, n) float32 work array for `use`, made once per block size."""
        key = (use, n)
        array = self._buffers.get(key)
        if array is None:
            if len(self._buffers) >= _MAX_BUFFERS:  # many block sizes: start afresh
                self._buffers.clear()
            array = self._buffers[key] = np.empty((self.channels, n), np.float32)
        return array

    def _run_models(self, audio: np.ndarray) -> np.ndarray:
        out = self.buffer("wet", audio.shape[1])
        for engine, x, y in zip(self._engines, audio, out, strict=True):
            engine.process(x, y)
        return out
