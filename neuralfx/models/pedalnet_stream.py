"""Exact block-streaming engine for the PedalNet WaveNet, in numpy.

Any sequence of block sizes gives the same output as one pass over the whole signal.

At real-time block sizes the cost is numpy's per-call overhead (about 1 µs), so the engine
minimises calls per layer; at large blocks it is BLAS, so it avoids wasted multiply-adds:
- Every layer's input history lives in one array `history[layer, channel, time]` with one
  shared write position, so rewinding all of them is a single copy every few blocks.
- Per layer and block, four or five numpy calls on preallocated, contiguous arrays:
  1. copy the K dilated taps (a strided view of the history) into a stacked operand;
  2. one matmul for the dilated conv, the bias riding on a row of ones;
  3. one tanh over both gate halves: σ(g) = (1 + tanh(g/2)) / 2, the /2 folded into weights;
  4. one multiply, u·v with u = tanh(f), v = tanh(g/2), so that a = (u + u·v) / 2;
  5. one matmul for the residual h + r + R·a over [h; 1; u·v; u], written straight into the
     next layer's history (the last layer has none).
- The 1×1 mix over every layer's output is one batched matmul and one sum per block.
- The calls and their array views are planned once per (position, block size) and cached.

Knobs: while they stand still their conditioning is folded into each layer's conv matrix (made
again when a knob has moved), so they cost nothing. A block after a knob was set moves it there
linearly across the block: the conv runs with the plain matrices and two more calls per layer
apply gains and shifts interpolated sample by sample between their values at each chunk's ends,
so a knob sweep is smooth, without zipper noise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .pedalnet import PedalNetConfig, PedalNetModel

_MAX_PLANS = 1024
CHUNK_SIZE = 128
ROOM_CHUNKS = 8

Plan = list[tuple[Callable, tuple]]


def _layout(config: PedalNetConfig, chunk_size: int, room_chunks: int) -> tuple[int, int, int]:
    """(lookback, history length, operand rows) of a stream: samples of history each layer reads
    behind the write position, samples of history kept, rows of each layer's operand."""
    c, k = config.channels, config.kernel_size
    lookback = (k - 1) * max(config.dilations)
    return lookback, 2 * lookback + room_chunks * chunk_size, k * c + 1 + 2 * c


def stream_bytes(config: PedalNetConfig, chunk_size: int = CHUNK_SIZE, room_chunks: int = ROOM_CHUNKS) -> int:
    """The memory one stream of `config` holds, in bytes: its layers' history, the rewind scratch,
    and one chunk's work arrays (3.8 MB for the 24×16 model). Exact integers, however large the
    config: this sizes a config before anything is allocated for it."""
    lookback, length, rows = _layout(config, chunk_size, room_chunks)
    layers, c = config.num_layers, config.channels
    floats = layers * c * (length + lookback) + layers * (rows + 1) * chunk_size + chunk_size
    return 4 * floats


class PedalNetStream:
    """Streaming inference for one mono signal (see `ModelStream`).

    Args:
        model: the network; its matrices, folded into this engine's layout once, are shared
            by every stream of the model.
        chunk_size: longest block processed in one pass; longer blocks are split
            (128 keeps the 24×16 model's working set, about 1 MB, in cache: 6-8 % faster
            than 256 on long blocks here).
        room_chunks: spare chunks of history between rewind copies.
        settle: settle into silence now (see `reset`); False leaves that to the caller.
    """

    def __init__(
        self, model: PedalNetModel, chunk_size: int = CHUNK_SIZE, room_chunks: int = ROOM_CHUNKS, settle: bool = True
    ) -> None:
        if chunk_size < 1 or room_chunks < 1:
            raise ValueError("chunk_size and room_chunks must be positive")
        config = self.config = model.config
        self.chunk_size = chunk_size
        c, k = config.channels, config.kernel_size
        # Operand rows per layer: [taps (K·C); 1; u·v (C); u (C)]. The first layer's K
        # one-channel taps sit just above the ones row, so every layer shares one layout.
        self._ones_row = k * c
        self._model = model
        self._base_conv, self._residual, self._mix = model.folded
        self._conv = [conv.copy() for conv in self._base_conv] if config.knobs else self._base_conv
        self._knob_names = [knob.name for knob in config.knobs]
        self._knobs = np.array([knob.default for knob in config.knobs], np.float64)  # where the knobs stand
        self._knob_targets = self._knobs.copy()  # where the next block takes them
        self._knobs_set = False  # whether set_parameter ran since the last block
        self._modulation = model.modulation(self._knobs) if config.knobs else None  # at self._knobs
        self._fold_knobs()
        self._lookback, self._length, self._rows = _layout(config, chunk_size, room_chunks)
        self._history = np.zeros((config.num_layers, c, self._length), np.float32)
        self._rewind = np.empty((config.num_layers, c, self._lookback), np.float32)
        self._buffers: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._plans: dict[tuple[int, int], Plan] = {}
        self._silence = np.zeros(chunk_size, np.float32)
        self.reset(settle)

    @property
    def cycle_samples(self) -> int:
        """Buffer positions repeat at least every this many samples: after two cycles at one
        block size, every plan that block size needs has been made."""
        return self._length - self._lookback

    def reset(self, settle: bool = True) -> None:
        """Return to silence: the network behaves as if it had heard zeros forever.

        With settle=False only the history is cleared, and the output matches that promise once
        receptive_field - 1 samples of silence have been processed: a real-time caller (the live
        engine) spreads that work over several blocks instead of one call of a few milliseconds.
        """
        self._history.fill(0.0)
        self._position = self._lookback
        if self._knobs_set:
            self._knobs_set = False
            self._knobs[:] = self._knob_targets
            self._fold_knobs()
        if not settle:
            return
        # Zero history is not the network's response to silence (biases make that non-zero).
        # receptive_field - 1 samples of silence settle every layer into it.
        sink = np.empty(self.chunk_size, np.float32)
        remaining = self.config.receptive_field - 1
        while remaining > 0:
            n = min(remaining, self.chunk_size)
            self._process_chunk(self._silence[:n], sink[:n])
            remaining -= n

    def set_parameter(self, name: str, value: float) -> None:
        """Turn a knob (checked by the caller): the next block moves it there, linearly across
        the block. A caller glides a knob over several blocks by setting each block's end."""
        self._knob_targets[self._knob_names.index(name)] = value
        self._knobs_set = True

    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Process the next block of the stream.

        Args:
            x: float32 samples, shape (n,), any n ≥ 0.
            out: optional float32 array of shape (n,) to write into.
        Returns:
            float32 array of shape (n,).
        """
        if out is None:
            out = np.empty(x.shape[0], np.float32)
        n = x.shape[0]
        start_knobs = None
        if self._knobs_set and n:
            self._knobs_set = False
            start_knobs = self._knobs.copy()
        for start in range(0, n, self.chunk_size):
            stop = min(start + self.chunk_size, n)
            if start_knobs is not None:  # the knobs' positions at this chunk's end
                np.add(start_knobs, (self._knob_targets - start_knobs) * (stop / n), out=self._knobs)
            self._process_chunk(x[start:stop], out[start:stop], gliding=start_knobs is not None)
        if start_knobs is not None:
            self._fold_knobs()  # standing still again
        return out

    def _process_chunk(self, x: np.ndarray, out: np.ndarray, gliding: bool = False) -> None:
        n = x.shape[0]
        if self._position + n > self._length:
            keep = self._lookback
            # Through a scratch array: numpy would allocate one for these interleaved views.
            np.copyto(self._rewind, self._history[:, :, self._position - keep : self._position])
            np.copyto(self._history[:, :, :keep], self._rewind)
            self._position = keep
        p = self._position
        self._history[0, 0, p : p + n] = x
        if gliding:
            self._glide_to_knobs(n)
        plan = self._plans.get((p, n, gliding))
        if plan is None:
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
                self._buffers.clear()
            plan = self._plans[(p, n, gliding)] = self._make_plan(p, n, gliding)
        for fn, args in plan:
            fn(*args)
        out[:] = self._buffers[n][2][0]
        self._position = p + n

    def _fold_knobs(self) -> None:
        """Fold the conditioning at the knobs' positions into the conv matrices."""
        if self._modulation is None:
            return
        self._modulation = gains, shifts = self._model.modulation(self._knobs)
        for base, conv, gain, shift in zip(self._base_conv, self._conv, gains, shifts, strict=True):
            np.multiply(base, gain[:, None], out=conv)
            conv[:, -1] += shift

    def _glide_to_knobs(self, n: int) -> None:
        """The gains and shifts for the next n samples (`_glide_buffers(n)`), moving linearly from
        the last chunk's end to where the knobs stand now."""
        before_gains, before_shifts = self._modulation
        self._modulation = gains, shifts = self._model.modulation(self._knobs)
        ramp, sample_gains, sample_shifts = self._glide_buffers(n)
        for now, before, per_sample in ((gains, before_gains, sample_gains), (shifts, before_shifts, sample_shifts)):
            np.multiply((now - before)[:, :, None], ramp, out=per_sample)
            per_sample += before[:, :, None]

    def _buffers_for(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Contiguous work arrays for n-sample blocks: operands (L, rows, n), per-layer mix
        terms (L, 1, n) and the output (1, n). Contiguous, because numpy's elementwise calls
        on strided views cost two to three times more."""
        buffers = self._buffers.get(n)
        if buffers is None:
            operands = np.zeros((self.config.num_layers, self._rows, n), np.float32)
            operands[:, self._ones_row] = 1.0
            mix_terms = np.zeros((self.config.num_layers, 1, n), np.float32)
            buffers = self._buffers[n] = (operands, mix_terms, np.zeros((1, n), np.float32))
        return buffers

    def _glide_buffers(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For n-sample chunks while a knob glides: the ramp (1/n … 1) and per-sample gains and
        shifts (L, 2C, n)."""
        buffers = self._buffers.get(-n)
        if buffers is None:
            shape = (self.config.num_layers, 2 * self.config.channels, n)
            ramp = (np.arange(1, n + 1) / n).astype(np.float32)
            buffers = self._buffers[-n] = (ramp, np.empty(shape, np.float32), np.empty(shape, np.float32))
        return buffers

    def _make_plan(self, p: int, n: int, gliding: bool = False) -> Plan:
        c, k = self.config.channels, self.config.kernel_size
        operands, mix_terms, y = self._buffers_for(n)
        if gliding:
            _, sample_gains, sample_shifts = self._glide_buffers(n)
        item = self._history.itemsize
        top = self._ones_row
        plan: Plan = []
        for i, d in enumerate(self.config.dilations):
            channels = self.config.layer_inputs(i)
            first = top - k * channels
            history = self._history[i]
            # Tap j reads the input delayed by (K-1-j)·d.
            taps = np.lib.stride_tricks.as_strided(
                history[:channels, p - (k - 1) * d :],
                shape=(k, channels, n),
                strides=(d * item, history.strides[0], item),
                writeable=False,
            )
            operand = operands[i]
            z = operand[top + 1 :]
            uv, u = z[:c], z[c:]
            plan += [
                (np.copyto, (operand[first:top].reshape(k, channels, n), taps)),
                # np.dot: less call overhead than matmul
                (np.dot, ((self._base_conv if gliding else self._conv)[i], operand[first : top + 1], z)),
            ]
            if gliding:
                plan += [(np.multiply, (z, sample_gains[i], z)), (np.add, (z, sample_shifts[i], z))]
            plan += [(np.tanh, (z, z)), (np.multiply, (u, uv, uv))]
            if i + 1 < self.config.num_layers:
                h = operand[top - channels :]  # [h; 1; u·v; u]
                plan.append((np.matmul, (self._residual[i], h, self._history[i + 1][:, p : p + n])))
        plan += [
            (np.matmul, (self._mix, operands[:, top:], mix_terms)),
            (np.add.reduce, (mix_terms, 0, None, y)),
        ]
        return plan


def fold(config: PedalNetConfig, weights: dict[str, np.ndarray]) -> tuple[list, list, np.ndarray]:
    """(conv matrices, residual matrices, mix) in this engine's layout (see `_fold_layer`)."""
    layers = [_fold_layer(config, weights, i) for i in range(config.num_layers)]
    return [conv for conv, _ in layers], [residual for _, residual in layers], _fold_mix(config, weights)


def _fold_layer(config: PedalNetConfig, w: dict[str, np.ndarray], i: int) -> tuple[np.ndarray, np.ndarray]:
    """Layer i's matrices in the engine's layout.

    conv: (2C, K·inputs + 1) over [tap_0 … tap_{K-1}; 1] → [gate/2; filter].
    residual: (C, inputs + 1 + 2C) over [h; 1; u·v; u] (None for the last layer).
    """
    c, k = config.channels, config.kernel_size
    inputs = config.layer_inputs(i)
    kernel = w[f"layers.{i}.conv.weight"].astype(np.float64)  # (2C, inputs, K), filter rows first
    bias = w[f"layers.{i}.conv.bias"].astype(np.float64)
    conv = np.empty((2 * c, k * inputs + 1))
    conv[:, :-1] = kernel.transpose(0, 2, 1).reshape(2 * c, k * inputs)
    conv[:, -1] = bias
    conv = np.concatenate([conv[c:] / 2, conv[:c]])  # gate first, halved: tanh(g/2)

    if i == config.num_layers - 1:
        return conv.astype(np.float32), None
    residual = np.empty((c, inputs + 1 + 2 * c))
    residual[:, :inputs] = 1.0 if inputs == 1 else np.eye(c)  # the first layer broadcasts x
    residual[:, inputs] = w[f"layers.{i}.residual.bias"]
    residual[:, inputs + 1 :] = np.tile(w[f"layers.{i}.residual.weight"].astype(np.float64) / 2, 2)
    return conv.astype(np.float32), residual.astype(np.float32)


def _fold_mix(config: PedalNetConfig, w: dict[str, np.ndarray]) -> np.ndarray:
    """(L, 1, 1 + 2C) over each layer's [1; u·v; u]: y = bias + Σ_i m_i · (u + u·v)/2."""
    c, n_layers = config.channels, config.num_layers
    mix = np.zeros((n_layers, 1, 1 + 2 * c))
    m = w["mix.weight"].astype(np.float64).reshape(n_layers, c) / 2
    mix[:, 0, 1:] = np.tile(m, 2)
    mix[0, 0, 0] = w["mix.bias"][0]
    return mix.astype(np.float32)
