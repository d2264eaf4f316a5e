"""NAM's SlimmableContainer: several complete models in one file, played at a chosen size.

config: {"submodels": [{"max_value": v, "model": {a complete .nam object}}, ...]}, sorted by
ascending max_value, the last ≥ 1. The model for a size s in [0, 1] is the first whose
max_value exceeds s, else the last (NAM Core's rule). The size is the model's parameter
`model_size`; it starts at 0 (the smallest model), as NAM's plugin loads such files.

A stream switches size without a click: the incoming model's stream listens to the live input
beside the playing one, unheard, for its memory (receptive field), then the two crossfade
linearly over SIZE_CROSSFADE_MS, then the old one stops. At a constant size the stream is
exactly the chosen model's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..metadata import PresetMetadata
from ..models.base import ModelParameter
from .fields import Node
from .stream import as_samples, delivered, output_for

ARCHITECTURE = "SlimmableContainer"
SIZE_PARAMETER = "model_size"
SIZE_CROSSFADE_MS = 20.0
MAX_SUBMODELS = 64
_SCRATCH = 4096  # transitions run in pieces of at most this many samples (no allocation)


@dataclass(frozen=True)
class Submodel:
    """One size of a container: played for sizes below `max_value` (the last one: up to 1)."""

    max_value: float
    model: object  # a neuralfx.models.Model
    metadata: PresetMetadata  # the submodel's own (its loudness differs from the others')


def read_container(
    root: Node, sample_rate: int, metadata: PresetMetadata, read_model: Callable
) -> SlimmableContainerModel:
    """The container of a .nam object whose architecture is SlimmableContainer (`metadata`: the
    container's own, whose gear and levels a submodel inherits when it does not say), its
    submodels read by `read_model` (the reader's, as for a whole file)."""

    config = root["config"]
    config.refuse_unknown({"submodels"})
    if root.has("weights") and root["weights"].list():
        raise root["weights"].fail("a SlimmableContainer has no weights of its own")
    entries = config["submodels"].items()
    if not entries:
        raise config["submodels"].fail("a SlimmableContainer needs at least one submodel")
    if len(entries) > MAX_SUBMODELS:
        raise config["submodels"].fail(f"{len(entries)} submodels is more than this reader accepts")
    submodels = []
    for i, entry in enumerate(entries):
        entry.refuse_unknown({"max_value", "model"})
        max_value = entry["max_value"].number()
        if submodels and max_value <= submodels[-1].max_value:
            raise entry["max_value"].fail("submodels must be sorted by ascending max_value")
        model, _, own = read_model(entry["model"], f"{metadata.name} (size {i + 1} of {len(entries)})", sample_rate)
        submodels.append(Submodel(max_value, model, _inherit(own, metadata)))
    if submodels[-1].max_value < 1.0:
        raise entries[-1]["max_value"].fail("the last submodel's max_value must be at least 1")
    return SlimmableContainerModel(tuple(submodels), sample_rate)


class SlimmableContainerModel:
    """Several models in one, chosen by the `model_size` parameter (see the module docstring)."""

    architecture = ARCHITECTURE

    def __init__(self, submodels: tuple[Submodel, ...], sample_rate: int) -> None:
        self.submodels = submodels
        self.sample_rate = sample_rate
        memories = [s.model.memory_samples for s in submodels]
        self.memory_samples = None if None in memories else max(memories)
        self.settle_samples = max(s.model.settle_samples for s in submodels)
        self.multiply_adds = max(s.model.multiply_adds for s in submodels)  # the largest: the worst case
        self.num_parameters = sum(s.model.num_parameters for s in submodels)
        self.parameters = (
            ModelParameter(
                SIZE_PARAMETER,
                0.0,
                1.0,
                0.0,
                "",
                "NAM model size: 0 plays the smallest model in the file, 1 the full one",
                glides=False,  # a change of size is crossfaded by the stream itself
            ),
        )

    def index_for(self, size: float) -> int:
        """The submodel played at `size` (NAM Core's rule)."""
        for i, submodel in enumerate(self.submodels):
            if size < submodel.max_value:
                return i
        return len(self.submodels) - 1

    def submodel_for(self, size: float) -> Submodel:
        return self.submodels[self.index_for(size)]

    def stream(self, settle: bool = True) -> ContainerStream:
        return ContainerStream(self, settle=settle)

    def describe(self) -> dict:
        return {
            "architecture": f"NAM {ARCHITECTURE}",
            "parameters": self.num_parameters,
            "multiply_adds_per_sample": self.multiply_adds,
            "submodels": [
                {"max_value": s.max_value, "loudness_db": s.metadata.loudness_db, **s.model.describe()}
                for s in self.submodels
            ],
        }


class ContainerStream:
    """One signal through a container: the submodel for the current `model_size`, switching
    without a click (see the module docstring)."""

    cycle_samples = 0

    def __init__(self, model: SlimmableContainerModel, settle: bool = True) -> None:
        self.model = model
        # Every submodel's stream exists from the start: a switch allocates nothing.
        self._streams = [s.model.stream(settle=settle) for s in model.submodels]
        self._fade = np.arange(1, _fade_samples(model.sample_rate) + 1, dtype=np.float32)
        self._fade /= self._fade.size
        self._scratch = np.zeros(_SCRATCH, np.float32)
        self._size = model.parameters[0].default
        self._playing = model.index_for(self._size)
        self._incoming: int | None = None
        self._listen_left = 0  # samples the incoming stream still listens unheard
        self._fade_at = 0  # samples of the crossfade done
        self._wanted = self._playing

    @property
    def playing(self) -> int:
        """The index of the submodel heard now (the outgoing one during a crossfade)."""
        return self._playing

    def reset(self, settle: bool = True) -> None:
        """Back to silence at the current size (a pending switch completes at once)."""
        self._playing = self._wanted
        self._incoming = None
        self._streams[self._playing].reset(settle)

    def set_parameter(self, name: str, value: float) -> None:
        """Set `model_size` (0..1): a different submodel fades in once it has heard enough input."""
        if name != SIZE_PARAMETER:
            raise KeyError(f"this model has no parameter {name!r} (it has {SIZE_PARAMETER!r})")
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{SIZE_PARAMETER} must be between 0 and 1, got {value}")
        self._size = value
        self._wanted = self.model.index_for(value)
        if self._incoming is None:
            self._start_switch()
        elif self._fade_at == 0 and self._wanted != self._incoming:
            self._incoming = None  # still unheard: drop it
            self._start_switch()
        # during a crossfade the newest wish waits for it to finish

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The next block: float32 (n,) → float32 (n,), written into `out` when given."""
        x = as_samples(x)
        target, copy_to = output_for(x, out)
        start, total = 0, x.shape[0]
        while start < total:
            if self._incoming is None:
                self._streams[self._playing].process(x[start:], target[start:])
                break
            start += self._transition(x[start:], target[start:])
        return delivered(target, copy_to)

    def _start_switch(self) -> None:
        if self._wanted == self._playing:
            return
        self._incoming = self._wanted
        model = self.model.submodels[self._incoming].model
        if model.memory_samples is None:  # a recurrent model: start from rest, listen for its settling time
            self._streams[self._incoming].reset(settle=True)
            self._listen_left = model.settle_samples
        else:  # whatever its state, after its memory's worth of input it plays exactly (no reset to pay here)
            self._listen_left = model.memory_samples
        self._fade_at = 0

    def _transition(self, x: np.ndarray, out: np.ndarray) -> int:
        """Process up to one phase's worth of x during a switch; returns the samples done."""
        playing, incoming = self._streams[self._playing], self._streams[self._incoming]
        if self._listen_left > 0:
            n = min(x.shape[0], self._listen_left, _SCRATCH)
            playing.process(x[:n], out[:n])
            incoming.process(x[:n], self._scratch[:n])  # unheard
            self._listen_left -= n
            return n
        n = min(x.shape[0], self._fade.size - self._fade_at, _SCRATCH)
        mine = out[:n]
        theirs = self._scratch[:n]
        playing.process(x[:n], mine)
        incoming.process(x[:n], theirs)
        np.subtract(theirs, mine, out=theirs)
        np.multiply(theirs, self._fade[self._fade_at : self._fade_at + n], out=theirs)
        np.add(mine, theirs, out=mine)  # mine + g·(theirs − mine)
        self._fade_at += n
        if self._fade_at == self._fade.size:
            self._playing, self._incoming = self._incoming, None
            self._start_switch()  # a wish made during the crossfade
        return n


def _inherit(own: PresetMetadata, container: PresetMetadata) -> PresetMetadata:
    """A submodel's metadata, its unknown gear and level fields taken from the container's."""
    inherited = {
        key: getattr(container, key)
        for key in ("pedal", "gear_type", "tone_type", "modeled_by", "input_level_dbu", "output_level_dbu")
        if getattr(own, key) in ("", None)
    }
    return replace(own, **inherited)


def _fade_samples(sample_rate: int) -> int:
    return max(1, round(SIZE_CROSSFADE_MS * 1e-3 * sample_rate))
