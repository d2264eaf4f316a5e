"""NAM's Linear model: an FIR filter, y[t] = bias + Σ_i w[i] · x[t − i] (w[0] on the newest sample).

Config: receptive_field (taps), bias (bool); weights: the taps, then the bias if any.
"""

from __future__ import annotations

import functools

import numpy as np

from .fields import Node

ARCHITECTURE = "Linear"
MAX_TAPS = 1 << 18
_KEYS = {"receptive_field", "bias", "in_channels", "out_channels", "implementation"}


def parse_linear_config(config: Node) -> tuple[int, bool]:
    """(taps, bias)."""
    config.refuse_unknown(_KEYS)
    taps = config["receptive_field"].integer(1, MAX_TAPS)
    bias = config["bias"].boolean()
    for key in ("in_channels", "out_channels"):
        if config.has(key) and config[key].integer() != 1:
            raise config[key].fail("only mono models are supported")
    if config.has("implementation"):  # direct or FFT convolution in NAM Core: the same filter
        implementation = config["implementation"].string()
        if implementation not in ("auto", "direct", "fft"):
            raise config["implementation"].fail(f"unknown implementation {implementation!r}")
    return taps, bias


class LinearModel:
    """A NAM Linear model ready to play (see `neuralfx.models.Model`)."""

    architecture = ARCHITECTURE

    def __init__(self, taps: int, bias: bool, weights: np.ndarray) -> None:
        from .program import compile_linear

        self.taps, self.bias = taps, bias
        self.memory_samples = taps - 1
        self.settle_samples = self.memory_samples
        self.multiply_adds = taps
        self.num_parameters = int(weights.size)
        self.parameters = ()
        self.program = compile_linear(weights[:taps], float(weights[taps]) if bias else None)

    @functools.cached_property
    def rest_state(self):
        return self.program.rest_state(0)  # the history holds past input: silence is the cleared state

    def stream(self, settle: bool = True):
        from .stream import ProgramStream

        return ProgramStream(self, settle=settle)

    def describe(self) -> dict:
        return {
            "architecture": f"NAM {ARCHITECTURE}",
            "config": {"receptive_field": self.taps, "bias": self.bias},
            "parameters": self.num_parameters,
            "receptive_field": self.taps,
            "multiply_adds_per_sample": self.multiply_adds,
        }
