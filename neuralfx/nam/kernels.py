"""Compiled inner loops of the NAM engines (numba), compiled or loaded from numba's disk cache
when this module is first imported: `neuralfx.nam` imports it when a model is built, never at
`import neuralfx`.

Two kernels:
- `run_program` plays a convolutional network (WaveNet, Linear) described as a list of ops over
  two float32 arrays: `state` (every convolution's input history, one row per channel) and
  `work` (this chunk's intermediate rows). `neuralfx.nam.program` writes the op lists.
- `run_lstm` plays a stacked LSTM, one sample at a time.

Why the loops look the way they do:
- Inner loops run over time with contiguous rows (channel-major layout), so LLVM vectorises
  them; every row is a slice, because indexing with `base + t` keeps numba's negative-index
  check and stops vectorisation.
- A convolution is a sum of "terms" (an input row, shifted by its tap's lookback, times a
  weight). `_accumulate` adds four terms into up to four output rows per pass: each loaded
  input vector feeds 16 multiply-adds, and each output row is loaded and stored once per four
  terms instead of once per term.
- Activations are written with arithmetic only (no libm calls), so they vectorise too. tanh is
  our own float32 implementation, as accurate as libm's tanhf (max error 1.4 ulp, see `_tanh`);
  sigmoid(x) = (1 + tanh(x/2)) / 2.
- `error_model="numpy"` drops the Python zero-division checks that block vectorisation;
  fastmath only allows FMA contraction, reciprocal division and signed-zero freedom (no
  reassociation, no NaN/Inf assumptions).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"contract", "arcp", "nsz"}}

# ---- op table (int64 rows of OP_FIELDS) ----
OP_FIELDS = 12
# every op: [code, dst_space, dst_base, dst_stride, rows, a, b, c, d, e, f, g]
# spaces: rows in `work` (base + r·stride) or in `state` (base + r·stride + chunk position)
WORK, STATE = 0, 1
ZERO = 0  # dst ← 0
BIAS = 1  # dst[r] ← (e = 1: dst[r] +) w[a + r] (a ≥ 0) + w[b + r] · src row (b ≥ 0; src = space c, base d)
ACCUM = 2  # dst[r] += Σ_j w[a + r·b + j] · src[terms[d + j] + t] (b terms, src space c)
ACT = 3  # dst ← act(dst): activation a, ACT_PARAMS parameters at w[b] (c = 1: a parameter set per row)
MUL = 4  # dst[r] *= src[r] (src space a, base b, stride c)
BLEND = 5  # dst[r] ← pre + alpha · (dst − pre) (pre: space a, base b, stride c; alpha: space d, base e, stride f)
ADD = 6  # dst[r] += src[r] (src space a, base b, stride c)
COPY = 7  # dst[r] ← src[r] (src space a, base b, stride c)
SCALE = 8  # dst ← w[a] · dst
OUTPUT = 9  # out ← dst row 0
ACT_PARAMS = 4  # parameters stored per activation (unused ones are 0)

# ---- activations (codes shared with neuralfx.nam.activations) ----
IDENTITY, TANH, FAST_TANH, HARDTANH, RELU, LEAKY_RELU, SIGMOID, SILU, HARDSWISH, LEAKY_HARDTANH, SOFTSIGN = range(11)

# ---- cursor (int64, per stream) ----
POSITION, ROOM, CHUNK = 0, 1, 2
CURSOR_FIELDS = 3

# ---- tanh: our own float32 coefficients, fitted by weighted least squares on Chebyshev nodes
# (near-minimax; benchmarks/nam_tanh.py refits and checks them) ----
_F = np.float32
_SMALL = 0.625  # below: tanh(x) = x + x·s·P(s), s = x²
_P0, _P1, _P2, _P3, _P4 = (
    _F(-0.33333329249254684),
    _F(0.13332794529671232),
    _F(-0.05385406765169075),
    _F(0.02101007298348593),
    _F(-0.00611318086554915),
)
# above: tanh(a) = 1 − 2 / (1 + e^(2a)), e^y = 2^n · e^r with |r| ≤ ln2/2, e^r = 1 + r + r²·E(r)
_E0, _E1, _E2, _E3, _E4 = (
    _F(0.5000000026917801),
    _F(0.1666657700593227),
    _F(0.0416663753588864),
    _F(0.00836317525774884),
    _F(0.00139411045257999),
)
_LOG2E = _F(1.4426950408889634)
_LN2_HI = _F(0.693359375)  # exact in float32: n·LN2_HI has no rounding error for |n| < 2^9
_LN2_LO = _F(-2.1219444e-4)
_TANH_LIMIT = _F(9.0)  # tanh(9) rounds to 1 in float32


@njit(inline="always", **_JIT)
def _tanh(v):
    a = v if v >= 0 else -v
    a = a if a < _TANH_LIMIT else _TANH_LIMIT
    s = v * v
    small = v + v * s * (_P0 + s * (_P1 + s * (_P2 + s * (_P3 + s * _P4))))
    y = a + a
    n = np.float32(math.floor(y * _LOG2E + np.float32(0.5)))
    r = (y - n * _LN2_HI) - n * _LN2_LO
    e = np.float32(1.0) + r + r * r * (_E0 + r * (_E1 + r * (_E2 + r * (_E3 + r * _E4))))
    e = e * np.int32((np.int32(n) + np.int32(127)) << np.int32(23)).view(np.float32)
    large = np.float32(1.0) - np.float32(2.0) / (np.float32(1.0) + e)
    large = large if v >= 0 else -large
    return small if a < np.float32(_SMALL) else large


@njit(inline="always", **_JIT)
def _fast_tanh(v):
    # NAM Core's "Fasttanh": a published rational approximation (about 4e-3 from tanh).
    a = v if v >= 0 else -v
    s = v * v
    num = v * (
        np.float32(2.45550750702956)
        + np.float32(2.45550750702956) * a
        + (np.float32(0.893229853513558) + np.float32(0.821226666969744) * a) * s
    )
    w = v + np.float32(0.814642734961073) * v * a
    w = w if w >= 0 else -w
    return num / (np.float32(2.44506634652299) + (np.float32(2.44506634652299) + s) * w)


@njit(inline="always", **_JIT)
def _sigmoid(v):
    return np.float32(0.5) + np.float32(0.5) * _tanh(np.float32(0.5) * v)


@njit(**_JIT)
def activate(row, code, p0, p1, p2, p3):
    """Apply activation `code` (parameters p0..p3) to a float32 row, in place."""
    n = row.shape[0]
    if code == TANH:
        for t in range(n):
            row[t] = _tanh(row[t])
    elif code == LEAKY_RELU:
        for t in range(n):
            v = row[t]
            row[t] = v if v > 0 else v * p0
    elif code == SIGMOID:
        for t in range(n):
            row[t] = _sigmoid(row[t])
    elif code == FAST_TANH:
        for t in range(n):
            row[t] = _fast_tanh(row[t])
    elif code == HARDTANH:
        for t in range(n):
            v = row[t]
            v = v if v > np.float32(-1.0) else np.float32(-1.0)
            row[t] = v if v < np.float32(1.0) else np.float32(1.0)
    elif code == RELU:
        for t in range(n):
            v = row[t]
            row[t] = v if v > 0 else np.float32(0.0)
    elif code == SILU:
        for t in range(n):
            v = row[t]
            row[t] = v * _sigmoid(v)
    elif code == HARDSWISH:
        for t in range(n):
            v = row[t]
            c = v + np.float32(3.0)
            c = c if c > 0 else np.float32(0.0)
            c = c if c < np.float32(6.0) else np.float32(6.0)
            row[t] = v * c * np.float32(1.0 / 6.0)
    elif code == LEAKY_HARDTANH:  # p0..p3: min_val, max_val, min_slope, max_slope
        for t in range(n):
            v = row[t]
            if v < p0:
                v = (v - p0) * p2 + p0
            elif v > p1:
                v = (v - p1) * p3 + p1
            row[t] = v
    elif code == SOFTSIGN:
        for t in range(n):
            v = row[t]
            a = v if v >= 0 else -v
            row[t] = v / (np.float32(1.0) + a)


@njit(**_JIT)
def _accumulate(dst, dst_base, dst_stride, rows, w, w_base, terms_count, src, terms, first_term, shift, n):
    """dst[r, t] += Σ_j w[w_base + r·terms_count + j] · src[terms[first_term + j] + shift + t].

    Rows go four (then two, then one) at a time and terms four at a time, so that each
    loaded input vector feeds several multiply-adds and each output row is loaded and stored
    once per four terms.
    """
    j_count = terms_count
    r = 0
    while r + 4 <= rows:
        o = dst_base + r * dst_stride
        d0 = dst[o : o + n]
        d1 = dst[o + dst_stride : o + dst_stride + n]
        d2 = dst[o + 2 * dst_stride : o + 2 * dst_stride + n]
        d3 = dst[o + 3 * dst_stride : o + 3 * dst_stride + n]
        w0 = w_base + r * j_count
        w1 = w0 + j_count
        w2 = w1 + j_count
        w3 = w2 + j_count
        j = 0
        while j + 4 <= j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            k = terms[first_term + j + 1] + shift
            s1 = src[k : k + n]
            k = terms[first_term + j + 2] + shift
            s2 = src[k : k + n]
            k = terms[first_term + j + 3] + shift
            s3 = src[k : k + n]
            a0, a1, a2, a3 = w[w0 + j], w[w0 + j + 1], w[w0 + j + 2], w[w0 + j + 3]
            b0, b1, b2, b3 = w[w1 + j], w[w1 + j + 1], w[w1 + j + 2], w[w1 + j + 3]
            c0, c1, c2, c3 = w[w2 + j], w[w2 + j + 1], w[w2 + j + 2], w[w2 + j + 3]
            e0, e1, e2, e3 = w[w3 + j], w[w3 + j + 1], w[w3 + j + 2], w[w3 + j + 3]
            for t in range(n):
                x0 = s0[t]
                x1 = s1[t]
                x2 = s2[t]
                x3 = s3[t]
                d0[t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
                d1[t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
                d2[t] += c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3
                d3[t] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3
            j += 4
        while j < j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            a0, b0, c0, e0 = w[w0 + j], w[w1 + j], w[w2 + j], w[w3 + j]
            for t in range(n):
                x0 = s0[t]
                d0[t] += a0 * x0
                d1[t] += b0 * x0
                d2[t] += c0 * x0
                d3[t] += e0 * x0
            j += 1
        r += 4
    while r + 2 <= rows:
        o = dst_base + r * dst_stride
        d0 = dst[o : o + n]
        d1 = dst[o + dst_stride : o + dst_stride + n]
        w0 = w_base + r * j_count
        w1 = w0 + j_count
        j = 0
        while j + 4 <= j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            k = terms[first_term + j + 1] + shift
            s1 = src[k : k + n]
            k = terms[first_term + j + 2] + shift
            s2 = src[k : k + n]
            k = terms[first_term + j + 3] + shift
            s3 = src[k : k + n]
            a0, a1, a2, a3 = w[w0 + j], w[w0 + j + 1], w[w0 + j + 2], w[w0 + j + 3]
            b0, b1, b2, b3 = w[w1 + j], w[w1 + j + 1], w[w1 + j + 2], w[w1 + j + 3]
            for t in range(n):
                x0 = s0[t]
                x1 = s1[t]
                x2 = s2[t]
                x3 = s3[t]
                d0[t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
                d1[t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
            j += 4
        while j < j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            a0, b0 = w[w0 + j], w[w1 + j]
            for t in range(n):
                x0 = s0[t]
                d0[t] += a0 * x0
                d1[t] += b0 * x0
            j += 1
        r += 2
    while r < rows:
        o = dst_base + r * dst_stride
        d0 = dst[o : o + n]
        w0 = w_base + r * j_count
        j = 0
        while j + 4 <= j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            k = terms[first_term + j + 1] + shift
            s1 = src[k : k + n]
            k = terms[first_term + j + 2] + shift
            s2 = src[k : k + n]
            k = terms[first_term + j + 3] + shift
            s3 = src[k : k + n]
            a0, a1, a2, a3 = w[w0 + j], w[w0 + j + 1], w[w0 + j + 2], w[w0 + j + 3]
            for t in range(n):
                d0[t] += a0 * s0[t] + a1 * s1[t] + a2 * s2[t] + a3 * s3[t]
            j += 4
        while j < j_count:
            k = terms[first_term + j] + shift
            s0 = src[k : k + n]
            a0 = w[w0 + j]
            for t in range(n):
                d0[t] += a0 * s0[t]
            j += 1
        r += 1


@njit(inline="always", **_JIT)
def _space(space, work, state):
    return state if space == STATE else work


@njit(**_JIT)
def _rewind(state, buffers, position):
    """Move each buffer's last `lookback` columns (before `position`) to its start."""
    for b in range(buffers.shape[0]):
        base, stride, rows, lookback = buffers[b, 0], buffers[b, 1], buffers[b, 2], buffers[b, 3]
        for r in range(rows):
            row = base + r * stride
            for j in range(lookback):  # ascending: the destination is never ahead of the source
                state[row + j] = state[row + position + j]


@njit(**_JIT)
def _run_ops(ops, terms, w, state, work, position, out, n):
    for i in range(ops.shape[0]):
        code = ops[i, 0]
        dst_space, dst_base, dst_stride, rows = ops[i, 1], ops[i, 2], ops[i, 3], ops[i, 4]
        a, b, c, d, e, f = ops[i, 5], ops[i, 6], ops[i, 7], ops[i, 8], ops[i, 9], ops[i, 10]
        dst = _space(dst_space, work, state)
        if dst_space == STATE:
            dst_base += position
        if code == ACCUM:
            src = _space(c, work, state)
            _accumulate(dst, dst_base, dst_stride, rows, w, a, b, src, terms, d, position if c == STATE else 0, n)
        elif code == ACT:
            for r in range(rows):
                o = dst_base + r * dst_stride
                p = b + ACT_PARAMS * r if c == 1 else b
                activate(dst[o : o + n], a, w[p], w[p + 1], w[p + 2], w[p + 3])
        elif code == BIAS:
            src = _space(c, work, state)
            so = d + (position if c == STATE else 0)
            cond = src[so : so + n]
            for r in range(rows):
                o = dst_base + r * dst_stride
                row = dst[o : o + n]
                bias = w[a + r] if a >= 0 else np.float32(0.0)
                m = w[b + r] if b >= 0 else np.float32(0.0)
                if e == 1:
                    for t in range(n):
                        row[t] += bias + m * cond[t]
                elif b >= 0:
                    for t in range(n):
                        row[t] = bias + m * cond[t]
                else:
                    for t in range(n):
                        row[t] = bias
        elif code == ZERO:
            for r in range(rows):
                o = dst_base + r * dst_stride
                row = dst[o : o + n]
                for t in range(n):
                    row[t] = 0.0
        elif code == ADD or code == COPY or code == MUL:
            src = _space(a, work, state)
            sb = b + (position if a == STATE else 0)
            for r in range(rows):
                o = dst_base + r * dst_stride
                row = dst[o : o + n]
                so = sb + r * c
                other = src[so : so + n]
                if code == ADD:
                    for t in range(n):
                        row[t] += other[t]
                elif code == COPY:
                    for t in range(n):
                        row[t] = other[t]
                else:
                    for t in range(n):
                        row[t] *= other[t]
        elif code == BLEND:
            pre_src = _space(a, work, state)
            alpha_src = _space(d, work, state)
            pb = b + (position if a == STATE else 0)
            ab = e + (position if d == STATE else 0)
            for r in range(rows):
                o = dst_base + r * dst_stride
                row = dst[o : o + n]
                pre = pre_src[pb + r * c : pb + r * c + n]
                alpha = alpha_src[ab + r * f : ab + r * f + n]
                for t in range(n):
                    row[t] = pre[t] + alpha[t] * (row[t] - pre[t])
        elif code == SCALE:
            s = w[a]
            for r in range(rows):
                o = dst_base + r * dst_stride
                row = dst[o : o + n]
                for t in range(n):
                    row[t] *= s
        elif code == OUTPUT:
            row = dst[dst_base : dst_base + n]
            for t in range(n):
                out[t] = row[t]


@njit(
    "void(float32[::1], float32[::1], float32[::1], int64[:, ::1], int64[::1], int64[:, ::1], "
    "float32[::1], float32[::1], int64[::1])",
    **_JIT,
)
def run_program(x, out, weights, ops, terms, buffers, state, work, cursor):
    """Process x (n,) into out (n,) in chunks of at most cursor[CHUNK] samples.

    The input chunk is copied to work row 0; the ops then run in order. `buffers` rows are
    (base, stride, rows, lookback) of every history buffer in `state`: when the next chunk
    does not fit before cursor[ROOM], each keeps its last `lookback` columns and the position
    goes back to 0.
    """
    total = x.shape[0]
    chunk = cursor[CHUNK]
    room = cursor[ROOM]
    start = 0
    while start < total:
        n = min(chunk, total - start)
        position = cursor[POSITION]
        if position + n > room:
            _rewind(state, buffers, position)
            position = 0
        for t in range(n):
            work[t] = x[start + t]
        _run_ops(ops, terms, weights, state, work, position, out[start : start + n], n)
        cursor[POSITION] = position + n
        start += n


# ---- LSTM ----
# layout (int64): [layers, input_size, hidden, gate_rows (4·hidden padded to 16)]
# weights per layer: W (inputs + hidden, gate_rows) input-major, then bias (gate_rows), in the
# order i, f, g, o with the i, f, o rows halved (σ(x) = (1 + tanh(x/2)) / 2); then the head
# (hidden) and its bias (1).
# state per layer: h (hidden), c (hidden), then scratch: gates (gate_rows), tanh(c) (gate_rows).
LSTM_LAYERS, LSTM_INPUTS, LSTM_HIDDEN, LSTM_GATE_ROWS = range(4)


@njit("void(float32[::1], float32[::1], float32[::1], int64[::1], float32[::1])", **_JIT)
def run_lstm(x, out, weights, layout, state):
    """Process x (n,) into out (n,), one sample at a time through every layer."""
    layers, inputs, hidden, g_rows = layout[0], layout[1], layout[2], layout[3]
    scratch = layers * 2 * hidden
    gates = state[scratch : scratch + g_rows]
    tanh_c = state[scratch + g_rows : scratch + 2 * g_rows]
    head = 0
    for layer in range(layers):
        head += ((inputs if layer == 0 else hidden) + hidden) * g_rows + g_rows
    head_w = weights[head : head + hidden]
    head_b = weights[head + hidden]
    for t in range(x.shape[0]):
        w_at = 0
        for layer in range(layers):
            n_in = inputs if layer == 0 else hidden
            h = state[layer * 2 * hidden : layer * 2 * hidden + hidden]
            c = state[layer * 2 * hidden + hidden : layer * 2 * hidden + 2 * hidden]
            bias_at = w_at + (n_in + hidden) * g_rows
            gates[:] = weights[bias_at : bias_at + g_rows]
            for j in range(n_in + hidden):
                if j < n_in:
                    v = x[t] if layer == 0 else state[(layer - 1) * 2 * hidden + j]
                else:
                    v = h[j - n_in]
                col = weights[w_at + j * g_rows : w_at + (j + 1) * g_rows]
                for r0 in range(0, g_rows, 16):  # whole 16-lane tiles: one vector op each
                    gt = gates[r0 : r0 + 16]
                    ct = col[r0 : r0 + 16]
                    for r in range(16):
                        gt[r] += ct[r] * v
            for r0 in range(0, g_rows, 16):
                gt = gates[r0 : r0 + 16]
                for r in range(16):
                    gt[r] = _tanh(gt[r])
            for k in range(hidden):
                i_gate = np.float32(0.5) + np.float32(0.5) * gates[k]
                f_gate = np.float32(0.5) + np.float32(0.5) * gates[hidden + k]
                c[k] = f_gate * c[k] + i_gate * gates[2 * hidden + k]
                tanh_c[k] = c[k]
            for r0 in range(0, g_rows, 16):
                gt = tanh_c[r0 : r0 + 16]
                for r in range(16):
                    gt[r] = _tanh(gt[r])
            for k in range(hidden):
                h[k] = (np.float32(0.5) + np.float32(0.5) * gates[3 * hidden + k]) * tanh_c[k]
            w_at = bias_at + g_rows
        last = state[(layers - 1) * 2 * hidden : (layers - 1) * 2 * hidden + hidden]
        y = head_b
        for k in range(hidden):
            y += head_w[k] * last[k]
        out[t] = y
