"""NAM's LSTM: stacked LSTM cells and a linear head, one sample at a time.

Per layer (PyTorch's cell, gates in the order i, f, g, o; the bias is b_ih + b_hh folded):

    [i f g o] = W · [input; h] + b          W: (4H, inputs + H), row-major in the file
    c = σ(f)·c + σ(i)·tanh(g);  h = σ(o)·tanh(c)
    y = head · h_last + head_bias           no skip from the input (NAM Core adds none)

File order per layer: W, b, then the initial h and c (H each); then the head (H) and its bias.
NAM Core's reset pre-warms with 0.5 s of silence at the model's rate, from the initial state.
"""

from __future__ import annotations

import functools

import numpy as np

from .fields import Node

ARCHITECTURE = "LSTM"
MAX_HIDDEN = 1024
MAX_LAYERS = 64
CHUNK = 256  # samples each layer runs before the next
_KEYS = {"num_layers", "input_size", "hidden_size", "in_channels", "out_channels"}


def parse_lstm_config(config: Node) -> tuple[int, int]:
    """(layers, hidden size); raises ValueError for what NAM Core would not play as a mono LSTM."""
    config.refuse_unknown(_KEYS)
    layers = config["num_layers"].integer(1, MAX_LAYERS)
    hidden = config["hidden_size"].integer(1, MAX_HIDDEN)
    if config["input_size"].integer(1) != 1:
        raise config["input_size"].fail("only mono models (input_size 1) are supported")
    for key in ("in_channels", "out_channels"):
        if config.has(key) and config[key].integer() != 1:
            raise config[key].fail("only mono models are supported")
    return layers, hidden


def lstm_weight_count(layers: int, hidden: int) -> int:
    cells = sum(4 * hidden * ((1 if i == 0 else hidden) + hidden) + 4 * hidden + 2 * hidden for i in range(layers))
    return cells + hidden + 1


def lstm_multiply_adds(layers: int, hidden: int) -> int:
    cells = sum(4 * hidden * ((1 if i == 0 else hidden) + hidden) + 3 * hidden for i in range(layers))
    return cells + hidden


class LSTMModel:
    """A NAM LSTM ready to play (see `neuralfx.models.Model`).

    Args:
        layers, hidden: the stack's size.
        weights: the file's flat weights, float32, `lstm_weight_count(layers, hidden)` long.
        sample_rate: the model's rate in Hz (its pre-warm lasts half a second of it).
    """

    architecture = ARCHITECTURE

    def __init__(self, layers: int, hidden: int, weights: np.ndarray, sample_rate: int) -> None:
        from . import kernels  # noqa: F401  (compiled, or loaded from numba's cache, now rather than later)

        self.layers, self.hidden = layers, hidden
        self.memory_samples = None  # recurrent: the memory never ends
        self.settle_samples = sample_rate // 2  # NAM Core's int(0.5 · rate)
        self.multiply_adds = lstm_multiply_adds(layers, hidden)
        self.num_parameters = int(weights.size)
        self.parameters = ()
        gate_rows = -(-4 * hidden // 16) * 16  # padded: the gate loops run whole vectors
        self.layout = np.array([layers, 1, hidden, gate_rows, CHUNK], np.int64)
        self.kernel_weights, self.initial_state = _fold(layers, hidden, gate_rows, weights)

    @functools.cached_property
    def rest_state(self) -> np.ndarray:
        from . import kernels  # not kept on the model: a model is pickled to the live engine's process

        state = self.initial_state.copy()
        silence = np.zeros(self.settle_samples, np.float32)
        kernels.run_lstm(silence, np.empty_like(silence), self.kernel_weights, self.layout, state)
        return state

    def stream(self, settle: bool = True):
        from .stream import LSTMStream

        return LSTMStream(self, settle=settle)

    def describe(self) -> dict:
        return {
            "architecture": f"NAM {ARCHITECTURE}",
            "config": {"num_layers": self.layers, "hidden_size": self.hidden},
            "parameters": self.num_parameters,
            "receptive_field": None,
            "multiply_adds_per_sample": self.multiply_adds,
        }


def _fold(layers: int, hidden: int, gate_rows: int, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's weights (see `kernels.run_lstm`) and the initial state, from the file's order."""
    at = 0
    parts = []
    state = np.zeros(layers * 2 * hidden + 2 * gate_rows + CHUNK * hidden, np.float32)
    halve = np.ones(4 * hidden, np.float32)
    halve[: 2 * hidden] = 0.5  # i, f: σ(x) = (1 + tanh(x/2)) / 2 (halving is exact in float32)
    halve[3 * hidden :] = 0.5  # o
    for layer in range(layers):
        inputs = (1 if layer == 0 else hidden) + hidden
        w = flat[at : at + 4 * hidden * inputs].reshape(4 * hidden, inputs)
        at += 4 * hidden * inputs
        b = flat[at : at + 4 * hidden]
        at += 4 * hidden
        state[layer * 2 * hidden : (layer + 1) * 2 * hidden] = flat[at : at + 2 * hidden]  # h0, c0
        at += 2 * hidden
        columns = np.zeros((inputs, gate_rows), np.float32)
        columns[:, : 4 * hidden] = (w * halve[:, None]).T
        bias = np.zeros(gate_rows, np.float32)
        bias[: 4 * hidden] = b * halve
        parts += [columns.ravel(), bias]
    parts.append(flat[at : at + hidden + 1])  # head, bias
    return np.concatenate(parts).astype(np.float32), state
