"""Streams of the NAM engines: one mono signal's state, processed block by block.

Every stream keeps its arrays from construction on: processing allocates nothing (the kernels
write into the caller's `out`, or into one array made when `out` is not given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import kernels as k

if TYPE_CHECKING:
    from .linear import LinearModel
    from .lstm import LSTMModel
    from .wavenet import WaveNetModel


_FLOAT32 = np.dtype(np.float32)


def _is_samples(a: np.ndarray) -> bool:
    """Whether `a` is a contiguous float32 vector (what the kernels take as it is)."""
    return a.dtype is _FLOAT32 and a.ndim == 1 and a.flags.c_contiguous


def as_samples(x: np.ndarray) -> np.ndarray:
    """x as a contiguous float32 vector (the same array when it already is one)."""
    if type(x) is np.ndarray and _is_samples(x):
        return x
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"a stream processes one channel: expected shape (n,), got {x.shape}")
    return x


def output_for(x: np.ndarray, out: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(array the kernel writes, caller's array to copy into afterwards or None)."""
    if out is None:
        return np.empty(x.shape[0], np.float32), None
    if out.shape != x.shape:
        raise ValueError(f"out has shape {out.shape}, x has {x.shape}")
    if _is_samples(out) and out.flags.writeable:
        return out, None
    return np.empty(x.shape[0], np.float32), out


def delivered(target: np.ndarray, copy_to: np.ndarray | None) -> np.ndarray:
    """The block's output: `target`, or the caller's array it is copied into (see `output_for`)."""
    if copy_to is None:
        return target
    copy_to[:] = target
    return copy_to


def compiled(dispatcher):
    """The one compiled version of a kernel declared with an explicit signature: calling it
    skips the dispatcher's type matching (about 0.2 µs a call); its arguments are still
    checked as they are unboxed, and the streams pass only contiguous float32 vectors."""
    (signature,) = dispatcher.signatures
    return dispatcher.overloads[signature].entry_point


def no_parameters(name: str) -> None:
    raise KeyError(f"this model has no parameter {name!r}")


class ProgramStream:
    """A WaveNet or Linear model's stream (see `neuralfx.models.ModelStream`)."""

    cycle_samples = 0  # no per-position plans: nothing to warm up but the state

    def __init__(self, model: WaveNetModel | LinearModel, settle: bool = True) -> None:
        self.model = model
        self._program = model.program
        self._run = compiled(k.run_program)
        self._mem, self._cursor = self._program.new_arrays()
        self._state = self._program.state(self._mem)
        self.reset(settle)

    def reset(self, settle: bool = True) -> None:
        """Back to silence: with settle=True the state after silence forever (NAM Core's
        pre-warm); with settle=False cleared buffers, which `model.settle_samples` of silence
        bring to that state."""
        if settle:
            rest = self.model.rest_state
            self._state[:] = rest.state
            self._cursor[k.POSITION] = rest.position
        else:
            self._state.fill(0.0)
            self._cursor[k.POSITION] = 0

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The next block: float32 (n,) → float32 (n,), written into `out` when given."""
        x = as_samples(x)
        target, copy_to = output_for(x, out)
        p = self._program
        self._run(x, target, p.weights, p.ops, p.terms, p.buffers, self._mem, self._cursor)
        return delivered(target, copy_to)

    def set_parameter(self, name: str, value: float) -> None:
        no_parameters(name)


class LSTMStream:
    """An LSTM model's stream (see `neuralfx.models.ModelStream`)."""

    cycle_samples = 0

    def __init__(self, model: LSTMModel, settle: bool = True) -> None:
        self.model = model
        self._run = compiled(k.run_lstm)
        self._state = model.initial_state.copy()
        self.reset(settle)

    def reset(self, settle: bool = True) -> None:
        """settle=True: the state after NAM Core's pre-warm (0.5 s of silence from the file's
        initial state); settle=False: the file's initial state."""
        self._state[:] = self.model.rest_state if settle else self.model.initial_state

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        x = as_samples(x)
        target, copy_to = output_for(x, out)
        m = self.model
        self._run(x, target, m.kernel_weights, m.layout, self._state)
        return delivered(target, copy_to)

    def set_parameter(self, name: str, value: float) -> None:
        no_parameters(name)
