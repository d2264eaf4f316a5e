"""Lay a convolutional NAM model (WaveNet, Linear) out for `kernels.run_program`.

A `Program` holds everything a stream shares: the weights (float32, in the order the ops read
them), the op table, the convolution terms and the history buffers' layout. A stream adds its
own `state` (every conv's input history), `work` (one chunk's intermediate rows) and cursor.

Layout, with `chunk` the longest run of samples processed at once and `room` the columns a
history buffer fills before it is rewound:
- work row 0 holds the chunk's input; other work rows have stride `chunk`.
- a history buffer of R rows and lookback L holds, per row, L + room columns; the chunk being
  computed sits at columns L + position ... and its taps reach back L columns. When the next
  chunk would pass `room`, every buffer keeps its last L columns and position returns to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels as k
from .activations import Activation
from .wavenet import WaveNetSpec, WaveNetWeights

DEFAULT_CHUNK = 256
DEFAULT_ROOM = 2048
MAX_STATE_FLOATS = 1 << 26
"""The most float32 values a stream's state may need (256 MB): a config that claims more is refused."""


@dataclass(frozen=True)
class Rows:
    """Rows of `work` or `state` (space), starting at `base` (position 0), `stride` apart."""

    space: int
    base: int
    stride: int
    count: int

    def row(self, r: int) -> int:
        return self.base + r * self.stride

    def part(self, start: int, count: int) -> Rows:
        return Rows(self.space, self.row(start), self.stride, count)


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

    def new_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(state, work, cursor) for one stream, cleared."""
        cursor = np.zeros(k.CURSOR_FIELDS, np.int64)
        cursor[k.ROOM], cursor[k.CHUNK] = self.room, self.chunk
        return np.zeros(self.state_size, np.float32), np.zeros(self.work_size, np.float32), cursor

    def run(self, x, out, state, work, cursor) -> None:
        k.run_program(x, out, self.weights, self.ops, self.terms, self.buffers, state, work, cursor)

    def rest_state(self, settle_samples: int) -> RestState:
        """Run `settle_samples` of silence from cleared buffers: every buffer then holds the
        network's response to silence."""
        state, work, cursor = self.new_arrays()
        silence = np.zeros(min(max(settle_samples, 1), 1 << 16), np.float32)
        sink = np.empty_like(silence)
        remaining = settle_samples
        while remaining > 0:
            n = min(remaining, silence.size)
            self.run(silence[:n], sink[:n], state, work, cursor)
            remaining -= n
        return RestState(state, int(cursor[k.POSITION]))


class _Builder:
    def __init__(self, chunk: int, room: int) -> None:
        self.chunk, self.room = chunk, room
        self._weights: list[np.ndarray] = []
        self._weight_size = 0
        self._ops: list[list[int]] = []
        self._terms: list[int] = []
        self._buffers: list[tuple[int, int, int, int]] = []
        self.state_size = 0
        self.work_size = chunk  # row 0: the input chunk
        self.input = Rows(k.WORK, 0, chunk, 1)

    # ---- storage ----
    def weight(self, values) -> int:
        values = np.ascontiguousarray(values, np.float32).ravel()
        offset = self._weight_size
        self._weights.append(values)
        self._weight_size += values.size
        return offset

    def work(self, rows: int) -> Rows:
        base = self.work_size
        self.work_size += rows * self.chunk
        return Rows(k.WORK, base, self.chunk, rows)

    def history(self, rows: int, lookback: int) -> Rows:
        stride = lookback + self.room
        base = self.state_size
        self.state_size += rows * stride
        if self.state_size > MAX_STATE_FLOATS:
            raise ValueError(
                f"the model needs more than {MAX_STATE_FLOATS * 4 >> 20} MB of history per stream: too large to play"
            )
        if lookback:
            self._buffers.append((base, stride, rows, lookback))
        return Rows(k.STATE, base + lookback, stride, rows)

    # ---- ops ----
    def op(self, code: int, dst: Rows, *args: int) -> None:
        row = [code, dst.space, dst.base, dst.stride, dst.count, *args]
        self._ops.append(row + [0] * (k.OP_FIELDS - len(row)))

    def zero(self, dst: Rows) -> None:
        self.op(k.ZERO, dst)

    def bias(self, dst: Rows, bias=None, cond_weights=None, accumulate: bool = False) -> None:
        """dst ← (dst +) bias + cond_weights · input (either may be None)."""
        a = -1 if bias is None else self.weight(bias)
        b = -1 if cond_weights is None else self.weight(cond_weights)
        self.op(k.BIAS, dst, a, b, self.input.space, self.input.base, int(accumulate))

    def accumulate(self, dst: Rows, matrix: np.ndarray, space: int, offsets: list[int]) -> None:
        """dst += matrix · sources, the sources being rows at `offsets` (position 0) in `space`."""
        matrix = np.asarray(matrix, np.float32)
        assert matrix.shape == (dst.count, len(offsets))
        first = len(self._terms)
        self._terms.extend(offsets)
        self.op(k.ACCUM, dst, self.weight(matrix), len(offsets), space, first)

    def conv(self, dst: Rows, weight: np.ndarray, src: Rows, dilation: int) -> None:
        """dst += causal dilated conv of src: weight (out, in, K); tap j reads (K−1−j)·dilation back."""
        cout, cin, kernel = weight.shape
        offsets = [src.row(c) - (kernel - 1 - j) * dilation for c in range(cin) for j in range(kernel)]
        self.accumulate(dst, weight.reshape(cout, cin * kernel), src.space, offsets)

    def mix(self, dst: Rows, matrix: np.ndarray, src: Rows) -> None:
        """dst += matrix · src rows (a 1×1 conv)."""
        self.accumulate(dst, matrix, src.space, [src.row(c) for c in range(src.count)])

    def activation(self, rows: Rows, act: Activation) -> None:
        params = act.parameter_rows(rows.count)
        self.op(k.ACT, rows, act.code, self.weight(params), int(len(params) > 1))

    def elementwise(self, code: int, dst: Rows, src: Rows) -> None:
        self.op(code, dst, src.space, src.base, src.stride)

    def blend(self, dst: Rows, pre: Rows, alpha: Rows) -> None:
        self.op(k.BLEND, dst, pre.space, pre.base, pre.stride, alpha.space, alpha.base, alpha.stride)

    def build(self) -> Program:
        ops = np.array(self._ops, np.int64).reshape(-1, k.OP_FIELDS)
        buffers = np.array(self._buffers, np.int64).reshape(-1, 4)
        return Program(
            weights=np.concatenate(self._weights) if self._weights else np.zeros(1, np.float32),
            ops=ops,
            terms=np.array(self._terms or [0], np.int64),
            buffers=buffers,
            state_size=max(self.state_size, 1),
            work_size=self.work_size,
            chunk=self.chunk,
            room=self.room,
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
        first = histories[ai][0]
        b.zero(first)
        b.mix(first, aw.rechannel, b.input if ai == 0 else array_out.part(0, a.input_size))
        head_sum = head_sums[ai]
        if ai == 0:
            b.zero(head_sum)
        for li, (layer, lw) in enumerate(zip(a.layers, aw.layers, strict=True)):
            h = histories[ai][li]
            zl = z.part(0, a.z_rows(layer))
            top = z.part(0, a.bottleneck)
            b.bias(zl, lw.conv_bias, lw.mixin[:, 0])
            b.conv(zl, lw.conv, h, layer.dilation)
            if layer.gating == "none":
                b.activation(top, layer.activation)
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
                b.bias(head_sum, lw.head1x1_bias, accumulate=True)
                b.mix(head_sum, lw.head1x1, top)
            else:
                b.elementwise(k.ADD, head_sum, top)
            last_layer = li == len(a.layers) - 1
            if last_layer and last_array:
                continue  # the last layer's residual output is never read
            nxt = array_out.part(0, a.channels) if last_layer else histories[ai][li + 1]
            b.elementwise(k.COPY, nxt, h)
            if lw.layer1x1 is not None:
                b.bias(nxt, lw.layer1x1_bias, accumulate=True)
                b.mix(nxt, lw.layer1x1, top)
        head_out = y.part(0, a.head_size) if last_array else head_sums[ai + 1]
        b.bias(head_out, aw.head_bias)
        b.conv(head_out, aw.head, head_sum, a.head_dilation)

    out = y.part(0, arrays[-1].head_size)
    scale = b.weight([w.head_scale])
    b.op(k.SCALE, out, scale)
    if spec.head is not None:
        for weight, bias in w.post_head:
            cout, cin, kernel = weight.shape
            conv_in = b.history(cin, kernel - 1)
            b.elementwise(k.COPY, conv_in, out.part(0, cin))
            b.activation(conv_in, spec.head.activation)
            out = y.part(0, cout)
            b.bias(out, bias)
            b.conv(out, weight, conv_in, 1)
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
    b.bias(y, None if bias is None else [bias])
    b.accumulate(y, impulse[None, :], history.space, [history.row(0) - i for i in range(taps)])
    b.op(k.OUTPUT, y)
    return b.build()
