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
from .models import ModelParameter
from .preset import Preset, load_preset
from .resampling import RateAdapter, SampleFifo

PARAMETER_GLIDE_MS = 20.0
"""Gain and mix changes glide over this long, so turning a knob never clicks."""

_MAX_BUFFERS = 64

OUTPUT_MODES = ("raw", "normalized", "calibrated")
"""How loud a model plays, as in NAM's plugin: as trained (raw), at one loudness for every model
(normalized: the gain that brings its stated loudness to NORMALIZED_LOUDNESS_DB), or at the analog
level it was captured at (calibrated: needs `input_calibration_dbu` and the model's levels)."""
NORMALIZED_LOUDNESS_DB = -18.0

SETUP_PARAMETERS = ("crossfade_ms", "output_mode", "input_calibration_dbu")
"""Parameters a chain file or `--set` may give besides PARAMETERS and a model's controls."""

PARAMETERS = ("input_gain_db", "output_gain_db", "mix", "bypass")
"""The parameters of every neural pedal a host may set while playing (crossfade_ms is a setup
choice); a model's own controls (its knobs, a size) come on top (`NeuralPedal.model_parameters`)."""

MAX_GAIN_DB = 120.0
"""The largest input or output gain, up or down: beyond it a gain is a mistake (or an overflow)."""


def check_parameter(name: str, value: Any, model_parameters: tuple[ModelParameter, ...] = ()) -> float | bool:
    """Validate a NeuralPedal parameter value; returns it as float (bool for bypass).

    Raises ValueError saying what is wrong.
    """
    controls = {p.name: p for p in model_parameters}
    if name not in PARAMETERS and name not in controls:
        known = ", ".join([*PARAMETERS, *controls])
        raise ValueError(f"a neural pedal has no parameter {name!r} (this one has {known})")
    if name == "bypass":
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name == "mix" and not 0.0 <= value <= 1.0:
        raise ValueError(f"mix must be between 0 (dry) and 1 (wet), got {value}")
    if name in controls and not controls[name].minimum <= value <= controls[name].maximum:
        control = controls[name]
        raise ValueError(f"{name} must be between {control.minimum:g} and {control.maximum:g}, got {value}")
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

    A model's own controls (`model_parameters`: the dials of a pedal trained with its knobs, the
    size of a NAM file holding several) are parameters too: `NeuralPedal("ts9-knobs", drive=7)`,
    `pedal.drive = 3`. They glide over 20 ms as well.

    Levels follow NAM's plugin: `output_mode` "normalized" (the default for NAM files, as in NAM's
    plugin) plays every model at one loudness from its stated `loudness_db`; "raw" (the default for
    neuralfx presets) plays it as trained; "calibrated" plays it at its captured analog level. With
    `input_calibration_dbu` (the dBu your interface reads at 0 dBFS) a model that states the level
    it was captured at (`input_level_dbu`) hears your guitar as the captured gear did. A mode the
    model states no levels for plays raw.

    Args:
        preset: a loaded Preset, a preset name, or a path to a preset file.
        input_gain_db, output_gain_db: gains in dB before and after the model.
        mix: wet/dry balance, 0 (dry) to 1 (wet).
        bypass: whether the effect is bypassed.
        crossfade_ms: bypass crossfade time in milliseconds.
        output_mode: one of OUTPUT_MODES; None: "normalized" for a NAM file, "raw" otherwise.
        input_calibration_dbu: the analog level in dBu that 0 dBFS stands for at the input; None: off.
        **model_parameters: the model's controls by name (default: the model's defaults).
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
        output_mode: str | None = None,
        input_calibration_dbu: float | None = None,
        **model_parameters: float,
    ) -> None:
        self.preset = preset if isinstance(preset, Preset) else load_preset(preset)
        # Model controls glide here, at the host's rate; each block tells the streams where they are.
        self._controls = {p.name: Glide(p.default) for p in self.preset.model.parameters}
        self._input_gain = Glide(1.0)
        self._output_gain = Glide(1.0)
        self._mix = Glide(1.0)
        self._engaged = Glide(1.0)
        self._stream: _Stream | None = None
        self._at_rest = False  # whether the stream is exactly in its reset state
        self.non_finite_blocks = 0
        self.non_finite_samples = 0
        self._input_gain_db = self._output_gain_db = 0.0
        self._input_calibration_dbu = None
        self._default_output_mode = "normalized" if self.preset.is_nam else "raw"
        self.output_mode = output_mode or self._default_output_mode
        self.input_calibration_dbu = input_calibration_dbu
        self.input_gain_db = input_gain_db
        self.output_gain_db = output_gain_db
        self.mix = mix
        self.crossfade_ms = crossfade_ms
        self.bypass = bypass
        for name, value in model_parameters.items():
            self.set_parameter(name, value)

    @classmethod
    def from_preset(cls, name_or_path: str | Path, **parameters: float) -> NeuralPedal:
        """Load a preset by name (see `neuralfx.preset.preset_dirs`) or path."""
        return cls(load_preset(name_or_path), **parameters)

    def parameters(self) -> dict[str, float | bool]:
        """The constructor's keyword arguments for the current settings (what a chain file saves;
        the output mode and input calibration only when they are not the defaults)."""
        return {
            "input_gain_db": self.input_gain_db,
            "output_gain_db": self.output_gain_db,
            "mix": self.mix,
            "bypass": self.bypass,
            "crossfade_ms": self.crossfade_ms,
            **({"output_mode": self.output_mode} if self.output_mode != self._default_output_mode else {}),
            **({"input_calibration_dbu": self.input_calibration_dbu} if self.input_calibration_dbu is not None else {}),
            **{name: glide.target for name, glide in self._controls.items()},
        }

    @property
    def model_parameters(self) -> tuple[ModelParameter, ...]:
        """The model's own controls, with their ranges and defaults (most models have none)."""
        return self.preset.model.parameters

    def has_parameter(self, name: str) -> bool:
        return name in PARAMETERS or name in SETUP_PARAMETERS or name in self._controls

    def check_parameter(self, name: str, value: Any) -> float | bool:
        """Validate a value for one of this pedal's parameters; raises ValueError saying what is wrong."""
        return check_parameter(name, value, self.model_parameters)

    def set_parameter(self, name: str, value: Any) -> None:
        """Set any parameter by name (`pedal.set_parameter("drive", 7)` is `pedal.drive = 7`)."""
        if name in SETUP_PARAMETERS:
            setattr(self, name, value)  # checked by its property
            return
        value = self.check_parameter(name, value)
        if name in self._controls:
            self._controls[name].set_target(value)
            self._at_rest = False  # a reset now must bring the models to the new value
            if self._stream is not None:  # a control that does not glide is there at once
                self._stream.set_controls(self._controls)
            self._set_gains()  # a NAM container's sizes each state their own loudness
        else:
            setattr(self, name, value)

    def __getattr__(self, name: str) -> float:
        controls = self.__dict__.get("_controls", {})
        if name in controls:
            return controls[name].target
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_controls", {}):
            self.set_parameter(name, value)
        else:
            super().__setattr__(name, value)

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
        self._set_gains()

    @property
    def output_gain_db(self) -> float:
        return self._output_gain_db

    @output_gain_db.setter
    def output_gain_db(self, value: float) -> None:
        self._output_gain_db = check_parameter("output_gain_db", value)
        self._set_gains()

    @property
    def output_mode(self) -> str:
        return self._output_mode

    @output_mode.setter
    def output_mode(self, value: str) -> None:
        if value not in OUTPUT_MODES:
            raise ValueError(f"output_mode must be one of {', '.join(OUTPUT_MODES)}, got {value!r}")
        self._output_mode = value
        self._set_gains()

    @property
    def input_calibration_dbu(self) -> float | None:
        return self._input_calibration_dbu

    @input_calibration_dbu.setter
    def input_calibration_dbu(self, value: float | None) -> None:
        if value is not None and not (isinstance(value, numbers.Real) and math.isfinite(value)):
            raise ValueError(f"input_calibration_dbu must be a level in dBu or None, got {value!r}")
        self._input_calibration_dbu = None if value is None else float(value)
        self._set_gains()

    @property
    def level_gains_db(self) -> tuple[float, float]:
        """The (input, output) gains in dB that input calibration and the output mode add to
        input_gain_db and output_gain_db, for what plays now."""
        size = self._controls.get("model_size")
        playing = self.preset.metadata if size is None else self.preset.metadata_for(size.target)
        reference = self._input_calibration_dbu
        into = 0.0
        if reference is not None and playing.input_level_dbu is not None:
            into = reference - playing.input_level_dbu
        out = 0.0
        if self._output_mode == "normalized" and playing.loudness_db is not None:
            out = NORMALIZED_LOUDNESS_DB - playing.loudness_db
        elif self._output_mode == "calibrated" and reference is not None and playing.output_level_dbu is not None:
            out = playing.output_level_dbu - reference
        return into, out

    def _set_gains(self) -> None:
        into, out = self.level_gains_db
        self._input_gain.set_target(db_to_gain(self._input_gain_db + into))
        self._output_gain.set_target(db_to_gain(self._output_gain_db + out))

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
        self._finish_glides()
        if self._stream and not self._at_rest:
            self._stream.reset()
        self._at_rest = self._stream is not None

    def prepare(self, sample_rate: float, channels: int = 1, settle: bool = True) -> None:
        """Start a new stream at `sample_rate` with `channels`, as `process(..., reset=True)` does.

        With settle=False the models only get their buffers (about 2 ms for the 24×16 model)
        and the pedal is not yet at rest: run `settle_steps` before processing audio. A
        real-time host (neuralfx.engine) spreads that work over its callbacks' spare time.
        """
        self._finish_glides()
        self._stream = _Stream(self.preset, sample_rate, channels, settle, self._controls)
        self._set_glide_times()
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
        for glide in (self._input_gain, self._output_gain, self._mix, self._engaged, *self._controls.values()):
            glide.jump(glide.target)
        if self._stream is not None:
            self._stream.set_controls(self._controls)

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
        for glide in self._controls.values():
            if glide.gliding:
                glide.advance(n)
                self._stream.set_controls(self._controls)
                break
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
        for control in self.model_parameters:
            self._controls[control.name].glide_samples = (
                round(PARAMETER_GLIDE_MS * 1e-3 * rate) if control.glides else 0
            )
        self._engaged.glide_samples = round(self._crossfade_ms * 1e-3 * rate)

    def __repr__(self) -> str:
        return (
            f"<neuralfx.NeuralPedal {self.preset.name!r} input_gain_db={self.input_gain_db} "
            f"output_gain_db={self.output_gain_db} mix={self.mix} bypass={self.bypass}>"
        )


class _Stream:
    """Per-stream state: one engine per channel, and the rate adapter when rates differ."""

    def __init__(
        self, preset: Preset, sample_rate: float, channels: int, settle: bool, controls: dict[str, Glide]
    ) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self._engines = [preset.model.stream(settle=False) for _ in range(channels)]
        self.set_controls(controls)
        for engine in self._engines:  # at rest where the controls stand
            engine.reset(settle)
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

    def set_controls(self, controls: dict[str, Glide]) -> None:
        """Tell every channel's model where its controls stand (the next block moves them there)."""
        for name, glide in controls.items():
            for engine in self._engines:
                engine.set_parameter(name, glide.value)

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
