"""Lay a convolutional NAM model (WaveNet, Linear) out for `kernels.run_program`.

A `Program` holds everything a stream shares: the weights (float32, in the order the ops read
them), the op table, the convolution terms and the history buffers' layout. A stream adds its
own `mem` (work rows: one chunk's intermediate values; then the state: every conv's input
history) and cursor.

Layout, with `chunk` the longest run of samples processed at once and `room` the columns a
history buffer fills before it is rewound:
- work row 0 holds the chunk's input, row 1 ones (the bias terms' input); work rows have
  stride `chunk`.
- a history buffer of lookback L holds, per row, F + room columns (F: L rounded up to a cache
  line); the chunk being computed sits at columns F + position ... and its taps reach back L
  columns. When the next chunk would pass `room`, every buffer keeps its last L columns and
  the position returns to 0.
- rows are allocated in tiles of 4 (ACCUM writes whole tiles; the spare rows are never read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import kernels as k
from .activations import Activation

if TYPE_CHECKING:
    from .wavenet import WaveNetSpec, WaveNetWeights

DEFAULT_CHUNK = 256
DEFAULT_ROOM = 2048
ALIGN = 16  # float32 per 64-byte cache line
MAX_STATE_FLOATS = 1 << 26
"""The most float32 values a stream's state may need (256 MB): a config that claims more is refused."""


@dataclass(frozen=True)
class Rows:
    """Rows of `work` or `state` (space), starting at `base` (position 0), `stride` apart;
    `capacity` rows are allocated (a multiple of TILE: ACCUM writes whole tiles)."""

    space: int
    base: int
    stride: int
    count: int
    capacity: int

    def row(self, r: int) -> int:
        return self.base + r * self.stride

    def part(self, start: int, count: int) -> Rows:
        return Rows(self.space, self.row(start), self.stride, count, self.capacity - start)

    def term(self, r: int, back: int = 0) -> tuple[int, int]:
        """(offset, space) of row r read `back` samples in the past."""
        return self.row(r) - back, self.space


@dataclass
class RestState:
    """A stream's state after silence forever, and the position it was left at."""

    state: np.ndarray
    position: int


@dataclass
class Program:
    weights: np.ndarray
    ops: np.ndarray
    terms: np.ndarray
    buffers: np.ndarray
    state_size: int
    work_size: int
    chunk: int
    room: int
    ones: int  # work offset of the row of ones (the bias terms' input)

    def new_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(mem, cursor) for one stream, cleared: mem holds the work rows, then the state."""
        cursor = np.zeros(k.CURSOR_FIELDS, np.int64)
        cursor[k.ROOM], cursor[k.CHUNK], cursor[k.STATE_BASE] = self.room, self.chunk, self.work_size
        mem = aligned_zeros(self.work_size + _aligned(self.state_size))
        mem[self.ones : self.ones + self.chunk] = 1.0
        return mem, cursor

    def state(self, mem: np.ndarray) -> np.ndarray:
        """The state part of a stream's mem (a view)."""
        return mem[self.work_size :]

    def run(self, x, out, mem, cursor) -> None:
        k.run_program(x, out, self.weights, self.ops, self.terms, self.buffers, mem, cursor)

    def rest_state(self, settle_samples: int) -> RestState:
        """Run `settle_samples` of silence from cleared buffers: every buffer then holds the
        network's response to silence."""
        mem, cursor = self.new_arrays()
        silence = np.zeros(min(max(settle_samples, 1), 1 << 16), np.float32)
        sink = np.empty_like(silence)
        remaining = settle_samples
        while remaining > 0:
            n = min(remaining, silence.size)
            self.run(silence[:n], sink[:n], mem, cursor)
            remaining -= n
        return RestState(self.state(mem).copy(), int(cursor[k.POSITION]))


def _tiles(count: int) -> int:
    return -(-count // k.TILE) * k.TILE


def _aligned(floats: int) -> int:
    """`floats` rounded up to a whole number of cache lines (16 float32)."""
    return -(-floats // ALIGN) * ALIGN


def aligned_zeros(count: int) -> np.ndarray:
    """float32 zeros whose first element starts a cache line."""
    raw = np.zeros(count + ALIGN, np.float32)
    skip = (-raw.ctypes.data // 4) % ALIGN
    return raw[skip : skip + count]


class _Builder:
    def __init__(self, chunk: int, room: int) -> None:
        self.chunk, self.room = chunk, room
        self._weights: list[np.ndarray] = []
        self._weight_size = 0
        self._ops: list[list[int]] = []
        self._terms: list[tuple[int, int]] = []
        self._buffers: list[tuple[int, int, int, int]] = []
        self.state_size = 0
        self.work_size = 0
        self.input = self.work(1)  # row 0: the input chunk
        self.ones = self.work(1)  # a row of ones: the bias terms' input

    # ---- storage ----
    def weight(self, values) -> int:
        values = np.ascontiguousarray(values, np.float32).ravel()
        offset = self._weight_size
        self._weights.append(values)
        self._weight_size += values.size
        return offset

    def work(self, rows: int) -> Rows:
        base, capacity = self.work_size, _tiles(rows)
        self.work_size += capacity * self.chunk
        return Rows(k.WORK, base, self.chunk, rows, capacity)

    def history(self, rows: int, lookback: int) -> Rows:
        # Each row's current column starts a cache line (`front` ≥ lookback columns before it):
        # the chunk's own reads and writes are then aligned for blocks of whole vectors.
        front = _aligned(lookback)
        stride, capacity = front + self.room, _tiles(rows)
        region = self.state_size
        self.state_size += capacity * stride
        if self.state_size > MAX_STATE_FLOATS:
            raise ValueError(
                f"the model needs more than {MAX_STATE_FLOATS * 4 >> 20} MB of history per stream: too large to play"
            )
        if lookback:
            self._buffers.append((region + front - lookback, stride, rows, lookback))
        return Rows(k.STATE, region + front, stride, rows, capacity)

    # ---- ops ----
    def op(self, code: int, dst: Rows, *args: int) -> None:
        row = [code, dst.space, dst.base, dst.stride, dst.count, *args]
        self._ops.append(row + [0] * (k.OP_FIELDS - len(row)))

    def zero(self, dst: Rows) -> None:
        self.op(k.ZERO, dst)

    def accumulate(self, dst: Rows, matrix, terms: list[tuple[int, int]], overwrite: bool) -> None:
        """dst (+)= matrix · terms, each term a row (offset at position 0, space); padded with zero
        weights to whole tiles of rows and terms."""
        matrix = np.asarray(matrix, np.float32)
        assert matrix.shape == (dst.count, len(terms)) and terms
        rows, count = _tiles(dst.count), _tiles(len(terms))
        assert dst.capacity >= rows
        padded = np.zeros((rows, count), np.float32)
        padded[: dst.count, : len(terms)] = matrix
        first = len(self._terms)
        self._terms.extend(terms + [terms[0]] * (count - len(terms)))
        row = [k.ACCUM, dst.space, dst.base, dst.stride, rows, self.weight(padded), count, 0, first, int(overwrite)]
        self._ops.append(row + [0] * (k.OP_FIELDS - len(row)))

    def conv(
        self, dst: Rows, weight: np.ndarray, src: Rows, dilation: int, bias=None, mixin=None, overwrite=True
    ) -> None:
        """dst (+)= causal dilated conv of src (weight (out, in, K); tap j reads (K−1−j)·dilation
        back) + bias + mixin · input."""
        cout, cin, kernel = weight.shape
        terms = [src.term(c, (kernel - 1 - j) * dilation) for c in range(cin) for j in range(kernel)]
        columns = [weight.reshape(cout, cin * kernel)]
        if bias is not None:
            terms.append(self.ones.term(0))
            columns.append(np.reshape(bias, (cout, 1)))
        if mixin is not None:
            terms.append(self.input.term(0))
            columns.append(np.reshape(mixin, (cout, 1)))
        self.accumulate(dst, np.hstack(columns), terms, overwrite)

    def mix(self, dst: Rows, matrix: np.ndarray, src: Rows, bias=None, overwrite: bool = True) -> None:
        """dst (+)= matrix · src rows + bias (a 1×1 conv)."""
        terms = [src.term(c) for c in range(src.count)]
        columns = [np.asarray(matrix, np.float32)]
        if bias is not None:
            terms.append(self.ones.term(0))
            columns.append(np.reshape(bias, (dst.count, 1)))
        self.accumulate(dst, np.hstack(columns), terms, overwrite)

    def activation(self, rows: Rows, act: Activation, skip: Rows | None = None) -> None:
        """rows ← act(rows); with `skip`, also skip += the result."""
        params = act.parameter_rows(rows.count)
        per_row = int(len(params) > 1)
        if skip is None:
            self.op(k.ACT, rows, act.code, self.weight(params), per_row)
        else:
            self.op(k.ACT, rows, act.code, self.weight(params), per_row, skip.space, skip.base, skip.stride, 1)

    def elementwise(self, code: int, dst: Rows, src: Rows) -> None:
        self.op(code, dst, src.space, src.base, src.stride)

    def blend(self, dst: Rows, pre: Rows, alpha: Rows) -> None:
        self.op(k.BLEND, dst, pre.space, pre.base, pre.stride, alpha.space, alpha.base, alpha.stride)

    def build(self) -> Program:
        return Program(
            weights=np.concatenate(self._weights) if self._weights else np.zeros(1, np.float32),
            ops=np.array(self._ops, np.int64).reshape(-1, k.OP_FIELDS),
            terms=np.array(self._terms or [(0, 0)], np.int64).reshape(-1, 2),
            buffers=np.array(self._buffers, np.int64).reshape(-1, 4),
            state_size=max(self.state_size, 1),
            work_size=_aligned(self.work_size),
            chunk=self.chunk,
            room=self.room,
            ones=self.ones.base,
        )


def compile_wavenet(
    spec: WaveNetSpec, w: WaveNetWeights, chunk: int = DEFAULT_CHUNK, room: int = DEFAULT_ROOM
) -> Program:
    """The ops of one chunk of a WaveNet (see `neuralfx.nam.wavenet` for the maths)."""
    b = _Builder(chunk, room)
    arrays = spec.arrays
    z = b.work(max(a.z_rows(layer) for a in arrays for layer in a.layers))
    blended = any(layer.gating == "blended" for a in arrays for layer in a.layers)
    pre = b.work(max(a.bottleneck for a in arrays)) if blended else None
    array_out = b.work(max(a.channels for a in arrays[:-1])) if len(arrays) > 1 else None
    head_rows = [arrays[-1].head_size]
    if spec.head is not None:
        head_rows += [cout for cout, _, _ in spec.head.shapes()]
    y = b.work(max(head_rows))

    histories = [[b.history(a.channels, layer.lookback) for layer in a.layers] for a in arrays]
    head_sums = [b.history(a.head_inputs, a.head_lookback) for a in arrays]
    for ai, (a, aw) in enumerate(zip(arrays, w.arrays, strict=True)):
        last_array = ai == len(arrays) - 1
        b.mix(histories[ai][0], aw.rechannel, b.input if ai == 0 else array_out.part(0, a.input_size))
        head_sum = head_sums[ai]
        if ai == 0:
            b.zero(head_sum)
        for li, (layer, lw) in enumerate(zip(a.layers, aw.layers, strict=True)):
            h = histories[ai][li]
            zl = z.part(0, a.z_rows(layer))
            top = z.part(0, a.bottleneck)
            b.conv(zl, lw.conv, h, layer.dilation, bias=lw.conv_bias, mixin=lw.mixin[:, 0])
            skip_now = lw.head1x1 is None and layer.gating == "none"
            if layer.gating == "none":
                b.activation(top, layer.activation, skip=head_sum if skip_now else None)
            else:
                bottom = z.part(a.bottleneck, a.bottleneck)
                if layer.gating == "blended":
                    b.elementwise(k.COPY, pre.part(0, a.bottleneck), top)
                b.activation(top, layer.activation)
                b.activation(bottom, layer.secondary)
                if layer.gating == "gated":
                    b.elementwise(k.MUL, top, bottom)
                else:
                    b.blend(top, pre.part(0, a.bottleneck), bottom)
            if lw.head1x1 is not None:
                b.mix(head_sum, lw.head1x1, top, bias=lw.head1x1_bias, overwrite=False)
            elif not skip_now:
                b.elementwise(k.ADD, head_sum, top)
            last_layer = li == len(a.layers) - 1
            if last_layer and last_array:
                continue  # the last layer's residual output is never read
            nxt = array_out.part(0, a.channels) if last_layer else histories[ai][li + 1]
            b.elementwise(k.COPY, nxt, h)  # the residual: h, plus V·a + v with a layer1x1
            if lw.layer1x1 is not None:
                b.mix(nxt, lw.layer1x1, top, bias=lw.layer1x1_bias, overwrite=False)
        head_out = y.part(0, a.head_size) if last_array else head_sums[ai + 1]
        b.conv(head_out, aw.head, head_sum, a.head_dilation, bias=aw.head_bias)

    out = y.part(0, arrays[-1].head_size)
    b.op(k.SCALE, out, b.weight([w.head_scale]))
    if spec.head is not None:
        for weight, bias in w.post_head:
            cout, cin, kernel = weight.shape
            conv_in = b.history(cin, kernel - 1)
            b.elementwise(k.COPY, conv_in, out.part(0, cin))
            b.activation(conv_in, spec.head.activation)
            out = y.part(0, cout)
            b.conv(out, weight, conv_in, 1, bias=bias)
    b.op(k.OUTPUT, out)
    return b.build()


def compile_linear(
    impulse: np.ndarray, bias: float | None, chunk: int = DEFAULT_CHUNK, room: int = DEFAULT_ROOM
) -> Program:
    """y[t] = bias + Σ_i impulse[i] · x[t − i]."""
    b = _Builder(chunk, room)
    taps = impulse.size
    history = b.history(1, taps - 1)
    y = b.work(1)
    b.elementwise(k.COPY, history, b.input)
    weight = impulse[::-1].reshape(1, 1, taps)  # conv tap j reads taps − 1 − j back
    b.conv(y, weight, history, 1, bias=None if bias is None else [bias])
    b.op(k.OUTPUT, y)
    return b.build()
