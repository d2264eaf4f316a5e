"""What the audio thread plays: a chain whose neural pedals are prepared in slices.

Preparing a neural pedal takes a few milliseconds (making its buffers, then settling the network
into silence over its receptive field), longer than a 128-frame callback may hold the GIL. The
engine makes each pedal's buffers on its main thread right after a callback (`construct`), and
runs the settling as small steps in the spare time of its audio callbacks (`build_steps`, from
`NeuralPedal.settle_steps`): nothing long ever competes with the callback for the GIL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pedalboard

from ..chain import Chain, chain_plugins, settable_parameters
from ..pedal import NeuralPedal
from ..preset import Preset, load_preset


def chain_name(chain: Chain) -> str:
    """A display name for a chain: its effects' names, in order."""
    names = [e.preset.name if isinstance(e, NeuralPedal) else type(e).__name__ for e in chain]
    return " → ".join(names) or "dry"


@dataclass(frozen=True)
class ProgramSource:
    """A program on its way to the engine process: its chain as `Chain.to_dict()`, its display
    name, the presets its neural pedals play, read and checked in the sending process (by their
    "preset" references), so that the engine process reads no file, and the real paths of the
    native plugins it may load: those the sending process loaded, with consent (see `of`)."""

    name: str
    chain_dict: dict
    presets: dict[str, Preset]
    source: str = ""  # the preset name or path a slot was made from
    plugins: tuple[str, ...] = ()

    @classmethod
    def of(cls, chain: Chain, name: str | None = None) -> ProgramSource:
        """The program of a chain loaded in this process: its plugins, loaded already, were
        consented to here, so the engine process may load them again."""
        chain_dict = chain.to_dict()
        presets = {
            entry["preset"]: effect.preset
            for entry, effect in zip(chain_dict["effects"], chain, strict=True)
            if isinstance(effect, NeuralPedal)
        }
        plugins = tuple(map(str, chain_plugins(chain_dict)))
        return cls(name or chain_name(chain), chain_dict, presets, plugins=plugins)

    @classmethod
    def of_preset(cls, name_or_path: str | Path, **parameters: float) -> ProgramSource:
        """A program playing one preset (a name or a path), with its parameters (e.g. drive=7)."""
        preset = load_preset(name_or_path)
        chain = Chain([NeuralPedal(preset, **parameters)])
        return dataclasses.replace(cls.of(chain, preset.name), source=str(name_or_path))

    def chain(self) -> Chain:
        return Chain.from_dict(self.chain_dict, source=self.name, presets=self.presets, allow_plugins=self.plugins)


class LiveProgram:
    """A chain prepared for the audio thread: each neural pedal is cloned (a program never shares
    stream state with another, even one loaded from the same preset slot), other effects
    (pedalboard plugins) stay as they are, and the core Chain runs them in order.

    Args:
        chain: the effects (None or empty: dry).
        name: display name.
        chain_dict: the chain as `Chain.to_dict()`, kept for the controller's state.
    """

    def __init__(self, chain: Chain | None = None, name: str = "dry", chain_dict: dict | None = None) -> None:
        effects = [e.clone() if isinstance(e, NeuralPedal) else e for e in (chain or ())]
        self.chain = Chain(effects)
        self.name = name
        self.chain_dict = chain_dict
        self.pedals = [e for e in effects if isinstance(e, NeuralPedal)]
        self._constructed_rate: float | None = None
        self._sample_rate: float | None = None

    def construct(self, sample_rate: float, before_each: Callable[[], None] = lambda: None) -> None:
        """Make every neural pedal's buffers for a mono stream (the one step that cannot be
        sliced: about 2 ms for a 24-layer model), calling `before_each` first."""
        for pedal in self.pedals:
            before_each()
            pedal.prepare(sample_rate, channels=1, settle=False)
        self._constructed_rate = sample_rate

    def build_steps(self, sample_rate: float, block: int) -> Iterator[None]:
        """Prepare every effect for `block`-frame blocks, one small step per yield
        (`construct` first, as one step, if it has not run at this rate)."""
        if self._constructed_rate != sample_rate:
            self.construct(sample_rate)
            yield
        for pedal in self.pedals:
            yield from pedal.settle_steps(block)
        # Starts the chain's stream: native runs are primed (see Chain); the pedals are at
        # rest, so the reset this implies costs them nothing.
        self.chain.process(np.zeros((1, block), np.float32), sample_rate, buffer_size=block, reset=True)
        self._sample_rate, self._block = sample_rate, block
        yield

    def build(self, sample_rate: float, block: int) -> LiveProgram:
        """All of `build_steps` at once (off the audio thread)."""
        for _ in self.build_steps(sample_rate, block):
            pass
        return self

    @property
    def warmup_samples(self) -> int:
        """Live input the program must hear before its neural pedals' output no longer depends on
        when it started, so that it fades in without a transient: pedals in series remember the
        sum of their memories."""
        return sum(pedal.memory_samples for pedal in self.pedals)

    @property
    def latency_samples(self) -> int:
        return self.chain.latency_samples

    @property
    def non_finite_blocks(self) -> int:
        return self.chain.non_finite_blocks

    def process(self, x: np.ndarray, out: np.ndarray) -> None:
        """Process one mono block x (n,) into out (n,)."""
        np.copyto(out, self.chain.stream_block(x[None], self._sample_rate, self._block)[0])

    def neural_index(self) -> int:
        """The index of the first neural pedal: the target of parameters given without an effect."""
        for i, effect in enumerate(self.chain):
            if isinstance(effect, NeuralPedal):
                return i
        raise ValueError(f"the program {self.name!r} has no neural pedal; name the effect by its index")

    def check_parameter(self, effect: int | None, name: str, value: Any) -> tuple[int, Any]:
        """Validate a parameter change; returns (effect index, value). Raises ValueError."""
        index = self.neural_index() if effect is None else effect
        if not (isinstance(index, int) and 0 <= index < len(self.chain)):
            raise ValueError(f"the program {self.name!r} has no effect {effect!r} (it has {len(self.chain)})")
        target = self.chain[index]
        if isinstance(target, NeuralPedal):
            return index, target.check_parameter(name, value)
        if isinstance(target, pedalboard.ExternalPlugin):  # VST3/AU: raw values 0..1, as in chain files
            if name not in target.parameters:
                raise ValueError(f"effect {index} ({target.name}) has no parameter {name!r}")
            return index, float(value)
        if name not in settable_parameters(type(target)):
            raise ValueError(f"effect {index} ({type(target).__name__}) has no settable parameter {name!r}")
        return index, value

    def set_parameter(self, index: int, name: str, value: Any) -> None:
        """Apply a change validated by `check_parameter` (on the audio thread: cheap)."""
        target = self.chain[index]
        if isinstance(target, pedalboard.ExternalPlugin):
            target.parameters[name].raw_value = value
        else:
            setattr(target, name, value)
