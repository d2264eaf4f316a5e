"""What every model offers the pedal: a validated, read-only network that makes streams.

A `Model` is built once per preset (its weights checked and laid out for its engine then) and
shared by every stream and channel that plays it. A `ModelStream` is one mono signal's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAX_RECEPTIVE_FIELD = 1 << 18
"""The longest memory a model file may claim, in samples (5.5 s at 48 kHz: a pedal's is milliseconds)."""


@dataclass(frozen=True)
class ModelParameter:
    """A control of the model itself (a knob it was trained with, or a size to play it at).

    Attributes:
        name: the parameter's name, after pedalboard's conventions (snake_case, unit last).
        minimum, maximum, default: its range and starting value.
        unit: what the values mean ("" for a 0-1 position).
        description: one line for a user.
        glides: whether a host moves it smoothly to a new value (a knob), or sets it at once (a
            choice, such as a size, which the model crossfades itself).
    """

    name: str
    minimum: float
    maximum: float
    default: float
    unit: str = ""
    description: str = ""
    glides: bool = True


class ModelStream(Protocol):
    """Exact streaming inference for one mono signal: any sequence of block sizes gives the
    output of one pass over the whole signal."""

    cycle_samples: int
    """Buffer positions repeat at least every this many samples: two cycles of silence at one
    block size make every buffer plan that block size needs (0 for engines without plans)."""

    def reset(self, settle: bool = True) -> None:
        """Return to silence; with settle=False only the state is cleared, and the model
        reaches its reset state after `Model.settle_samples` samples of silence."""

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The next block: x float32 (n,) → float32 (n,), written into `out` when given."""

    def set_parameter(self, name: str, value: float) -> None:
        """Change one of the model's `parameters` (checked by the caller), without a click: the
        next block moves it there smoothly (a caller glides it over several blocks by setting
        each block's end value)."""


class Model(Protocol):
    """A network ready to play."""

    architecture: str
    """The architecture's name, as the preset file gives it."""

    memory_samples: int | None
    """Past input samples the output depends on (receptive field − 1); None when unbounded
    (a recurrent network)."""

    settle_samples: int
    """Samples of silence that bring a cleared stream to its reset state."""

    multiply_adds: int
    """Multiply-adds per output sample: the model's CPU cost."""

    num_parameters: int

    parameters: tuple[ModelParameter, ...]
    """The model's own controls (most models have none)."""

    def stream(self, settle: bool = True) -> ModelStream:
        """A new stream at rest (with settle=False: cleared, see `ModelStream.reset`)."""

    def describe(self) -> dict:
        """The architecture and its size, JSON-ready (what `neuralfx presets NAME` prints)."""
