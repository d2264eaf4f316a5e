"""What the audio thread plays: a chain whose neural pedals can be prepared in slices.

Building a neural pedal takes a few milliseconds (folding weights, then settling the network into
silence over its receptive field), longer than a 128-frame callback may hold the GIL. A
`LivePedal` splits that work into steps of a fraction of a millisecond, which the engine runs in
the spare time of its audio callbacks: nothing ever competes with the callback for the GIL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..audio import db_to_gain, silence_non_finite
from ..chain import Chain
from ..models.streaming import WaveNetStream
from ..pedal import PARAMETER_RAMP_MS, NeuralPedal
from ..preset import Preset, load_preset
from ..ramp import LinearRamp
from ..resampling import RateAdapter, SampleFifo

_CHUNK_SIZE = 256
_ROOM_CHUNKS = 2
"""Less spare history than WaveNetStream's default (8): the same cost per block (measured with
24 layers at 128 frames), a third of the plans to make, so a new program is ready sooner."""

NEURAL_PARAMETERS = ("input_gain_db", "output_gain_db", "mix", "bypass")


def check_neural_parameter(name: str, value: Any) -> float | bool:
    """Validate a LivePedal parameter value; raises ValueError saying what is wrong."""
    if name not in NEURAL_PARAMETERS:
        raise ValueError(f"a neural pedal has no parameter {name!r} (it has {', '.join(NEURAL_PARAMETERS)})")
    if name == "bypass":
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name == "mix" and not 0.0 <= value <= 1.0:
        raise ValueError(f"mix must be between 0 (dry) and 1 (wet), got {value}")
    return float(value)


class LivePedal:
    """NeuralPedal's signal flow and parameters, prepared for the audio thread.

    wet = output_gain · model(input_gain · x); out = (1 − mix)·x + mix·wet; `bypass` crossfades
    to x. The same arithmetic as NeuralPedal, so a chain sounds the same live and offline. It
    differs in three ways:
    - `build_steps(sample_rate, block)` prepares it in small steps (see the module docstring);
    - blocks run in preallocated buffers;
    - model outputs that hold NaN or Inf are silenced and counted in `non_finite_blocks`, so
      the engine can raise its flag (NeuralPedal silences them without telling).
    A Chain accepts it like any effect with pedalboard's process contract.
    """

    def __init__(
        self,
        preset: Preset,
        *,
        input_gain_db: float = 0.0,
        output_gain_db: float = 0.0,
        mix: float = 1.0,
        bypass: bool = False,
        crossfade_ms: float = 20.0,
    ) -> None:
        self.preset = preset
        self.crossfade_ms = float(crossfade_ms)
        self.parameters: dict[str, float | bool] = {}
        self._ramps = {name: LinearRamp(1.0) for name in NEURAL_PARAMETERS}
        for name, value in zip(NEURAL_PARAMETERS, (input_gain_db, output_gain_db, mix, bypass), strict=True):
            self.set(name, value)
        self._model: WaveNetStream | None = None
        self._adapter: RateAdapter | None = None
        self._dry_delay: SampleFifo | None = None
        self.latency_samples = 0
        self.non_finite_blocks = 0
        self._settled = False

    @classmethod
    def from_pedal(cls, pedal: NeuralPedal) -> LivePedal:
        return cls(
            pedal.preset,
            input_gain_db=pedal.input_gain_db,
            output_gain_db=pedal.output_gain_db,
            mix=pedal.mix,
            bypass=pedal.bypass,
            crossfade_ms=pedal.crossfade_ms,
        )

    def set(self, name: str, value: Any) -> None:
        """Set a parameter (see NEURAL_PARAMETERS); gains and mix glide, bypass crossfades."""
        value = check_neural_parameter(name, value)
        self.parameters[name] = value
        if name == "bypass":
            target = 0.0 if value else 1.0
        elif name == "mix":
            target = value
        else:
            target = db_to_gain(value)
        self._ramps[name].set_target(target)

    @property
    def warmup_samples(self) -> int:
        """Host samples of live input the model must hear before its output no longer depends on
        when it started: its receptive field (at the host rate) plus the resampling latency."""
        if self._model is None:
            raise RuntimeError("LivePedal: run build_steps() first")
        field_samples = (self.preset.config.receptive_field - 1) * self._sample_rate / self.preset.sample_rate
        return math.ceil(field_samples) + self.latency_samples

    def construct(self, sample_rate: float) -> None:
        """Make the model for a stream at `sample_rate`: the one step that cannot be sliced
        (about 2 ms for a 24-layer model). The engine runs it on its main thread right after a
        callback, when the longest stretch until the next callback lies ahead."""
        self._sample_rate = sample_rate
        self._model = WaveNetStream(
            self.preset.config, self.preset.weights, chunk_size=_CHUNK_SIZE, room_chunks=_ROOM_CHUNKS, settle=False
        )
        self._adapter = self._dry_delay = None
        self.latency_samples = 0
        if sample_rate != self.preset.sample_rate:
            self._adapter = RateAdapter(sample_rate, self.preset.sample_rate, 1, self._run_model)
            self.latency_samples = self._adapter.latency_samples
            self._dry_delay = SampleFifo(1, self.latency_samples)

    def build_steps(self, sample_rate: float, block: int) -> Iterator[None]:
        """Prepare for streaming `block`-frame blocks at `sample_rate`, one small step per yield
        (`construct` first, if it has not run).

        The model settles into silence and every buffer and per-position plan a `block`-frame
        stream needs is made, by running silence through it: afterwards the pedal behaves
        exactly as if it had heard silence forever, and processing allocates (almost) nothing.
        """
        if self._model is None or self._sample_rate != sample_rate:
            self.construct(sample_rate)
            yield
        config = self.preset.config
        ratio = sample_rate / self.preset.sample_rate
        self._buffers(block)
        # Settling takes receptive_field - 1 samples; the history buffer's positions repeat
        # with a period of at most lookback + room; two periods make every plan.
        lookback = (config.kernel_size - 1) * max(config.dilations)
        samples = (config.receptive_field - 1 + 2 * (lookback + _ROOM_CHUNKS * _CHUNK_SIZE)) * ratio
        silence = np.zeros((1, block), np.float32)
        for _ in range(math.ceil(samples / block) + 2):
            self._wet_block(silence)
            yield
        if self._adapter is not None:  # fresh resamplers: their phase is where a new stream starts
            self._adapter.reset()
            self._dry_delay = SampleFifo(1, self.latency_samples)
        for name, ramp in self._ramps.items():
            ramp_ms = self.crossfade_ms if name == "bypass" else PARAMETER_RAMP_MS
            ramp.ramp_samples = round(ramp_ms * 1e-3 * sample_rate)
            ramp.jump(ramp.target)
        self._settled = True

    def reset(self) -> None:
        """Return to silence. Cheap right after `build_steps` (already silent), otherwise it
        settles the model in one call: not for the audio thread."""
        if self._settled:
            return
        self._model.reset()
        if self._adapter is not None:
            self._adapter.reset()
            self._dry_delay = SampleFifo(1, self.latency_samples)
        for ramp in self._ramps.values():
            ramp.jump(ramp.target)
        self._settled = True

    def process(
        self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192, reset: bool = True
    ) -> np.ndarray:
        """One block, float32 (1, n) in and out (the output is a view of an internal buffer)."""
        if self._model is None:
            raise RuntimeError("LivePedal: run build_steps() before processing")
        if sample_rate != self._sample_rate or input_array.ndim != 2 or input_array.shape[0] != 1:
            raise ValueError(f"LivePedal streams mono (1, n) blocks at {self._sample_rate} Hz")
        if reset:
            self.reset()
        self._settled = False
        n = input_array.shape[1]
        if n > self._out.shape[1]:
            self._buffers(n)
        dry = input_array
        scaled = self._scaled[:, :n]
        np.multiply(dry, self._ramps["input_gain_db"].next(n), out=scaled)
        wet = self._wet_block(scaled)
        if self._dry_delay is not None:
            self._dry_delay.push(dry)
            dry = self._dry_delay.pop(n)
        wet *= self._ramps["output_gain_db"].next(n)
        out = self._out[:, :n]
        mix, engaged = self._ramps["mix"].next(n), self._ramps["bypass"].next(n)
        if np.all(mix == 1.0):
            out[:] = wet
        else:  # out = dry + mix · (wet − dry)
            np.subtract(wet, dry, out=out)
            out *= mix
            out += dry
        if not np.all(engaged == 1.0):
            out -= dry
            out *= engaged
            out += dry
        return out

    def _buffers(self, block: int) -> None:
        self._scaled, self._wet, self._out = (np.zeros((1, block), np.float32) for _ in range(3))

    def _wet_block(self, scaled: np.ndarray) -> np.ndarray:
        n = scaled.shape[1]
        if self._adapter is None:
            wet = self._model.process(scaled[0], self._wet[0, :n])[None]
        else:
            wet = self._adapter.process(scaled)
        if not np.isfinite(wet).all():
            silence_non_finite(wet)
            self.non_finite_blocks += 1
        return wet

    def _run_model(self, audio: np.ndarray) -> np.ndarray:
        return self._model.process(audio[0])[None]

    def __repr__(self) -> str:
        return f"<neuralfx.engine.LivePedal {self.preset.name!r} {self.parameters}>"


def chain_name(chain: Chain) -> str:
    """A display name for a chain: its effects' names, in order."""
    names = [e.preset.name if isinstance(e, NeuralPedal | LivePedal) else type(e).__name__ for e in chain]
    return " → ".join(names) or "dry"


def preset_description(name_or_path: str) -> tuple[str, dict]:
    """(display name, chain description) of a program playing one preset."""
    preset = load_preset(name_or_path)
    return preset.name, Chain([NeuralPedal(preset)]).to_dict()


class LiveProgram:
    """A chain prepared for the audio thread: neural pedals become LivePedals, other effects
    (pedalboard plugins) stay as they are, and the core Chain runs them in order.

    Args:
        chain: the effects (None or empty: dry).
        name: display name.
        description: the chain as `Chain.to_dict()`, kept for the controller's state.
    """

    def __init__(self, chain: Chain | None = None, name: str = "dry", description: dict | None = None) -> None:
        effects = [LivePedal.from_pedal(e) if isinstance(e, NeuralPedal) else e for e in (chain or ())]
        self.chain = Chain(effects)
        self.name = name
        self.description = description
        self.pedals = [e for e in effects if isinstance(e, LivePedal)]
        self._sample_rate: float | None = None

    def construct(self, sample_rate: float, before_each: Callable[[], None] = lambda: None) -> None:
        """Make every neural pedal's model (see LivePedal.construct), calling `before_each` first."""
        for pedal in self.pedals:
            before_each()
            pedal.construct(sample_rate)

    def build_steps(self, sample_rate: float, block: int) -> Iterator[None]:
        """Prepare every effect for `block`-frame blocks, one small step per yield."""
        for pedal in self.pedals:
            yield from pedal.build_steps(sample_rate, block)
        # Starts the chain's stream: native runs are primed (see Chain), pedals stay silent.
        self.chain.process(np.zeros((1, block), np.float32), sample_rate, buffer_size=block, reset=True)
        self._sample_rate, self._block = sample_rate, block
        yield

    def build(self, sample_rate: float, block: int) -> LiveProgram:
        """All of `build_steps` at once (off the audio thread)."""
        for _ in self.build_steps(sample_rate, block):
            pass
        return self

    @property
    def ready(self) -> bool:
        return self._sample_rate is not None

    @property
    def warmup_samples(self) -> int:
        """Live input the program must hear before it can be faded in without a transient."""
        return max((pedal.warmup_samples for pedal in self.pedals), default=0)

    @property
    def latency_samples(self) -> int:
        return self.chain.latency_samples

    @property
    def non_finite_blocks(self) -> int:
        return sum(pedal.non_finite_blocks for pedal in self.pedals)

    def process(self, x: np.ndarray, out: np.ndarray) -> None:
        """Process one mono block x (n,) into out (n,)."""
        out[:] = self.chain.process(x[None], self._sample_rate, buffer_size=self._block, reset=False)[0]

    def neural_index(self) -> int:
        """The index of the first neural pedal: the target of parameters given without an effect."""
        for i, effect in enumerate(self.chain):
            if isinstance(effect, LivePedal):
                return i
        raise ValueError(f"the program {self.name!r} has no neural pedal; name the effect by its index")

    def check_parameter(self, effect: int | None, name: str, value: Any) -> tuple[int, Any]:
        """Validate a parameter change; returns (effect index, value). Raises ValueError."""
        index = self.neural_index() if effect is None else effect
        if not (isinstance(index, int) and 0 <= index < len(self.chain)):
            raise ValueError(f"the program {self.name!r} has no effect {effect!r} (it has {len(self.chain)})")
        target = self.chain[index]
        if isinstance(target, LivePedal):
            return index, check_neural_parameter(name, value)
        if name in getattr(target, "parameters", {}):  # a VST3/AU plugin: raw values 0..1, as in chain files
            return index, float(value)
        attribute = getattr(type(target), name, None)
        if not isinstance(attribute, property) or attribute.fset is None or name.startswith("_"):
            raise ValueError(f"effect {index} ({type(target).__name__}) has no settable parameter {name!r}")
        return index, value

    def set_parameter(self, index: int, name: str, value: Any) -> None:
        """Apply a change validated by `check_parameter` (on the audio thread: cheap)."""
        target = self.chain[index]
        if isinstance(target, LivePedal):
            target.set(name, value)
        elif name in getattr(target, "parameters", {}):
            target.parameters[name].raw_value = value
        else:
            setattr(target, name, value)
