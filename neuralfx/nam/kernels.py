"""Compiled inner loops of the NAM engines (numba), compiled or loaded from numba's disk cache
when this module is first imported: `neuralfx.nam` imports it when a model is built, never at
`import neuralfx`.

Two kernels:
- `run_program` plays a convolutional network (WaveNet, Linear) described as a list of ops over
  one float32 array per stream, `mem`: the work rows (this chunk's intermediate rows), then the
  state (every convolution's input history, one row per channel). `neuralfx.nam.program` writes
  the op lists.
- `run_lstm` plays a stacked LSTM, one sample at a time.

Why the loops look the way they do:
- Inner loops run over time with contiguous rows (channel-major layout), so LLVM vectorises
  them. Rows are addressed as mem[offset + t] with unsigned offsets: a signed index keeps
  numba's negative-index check (which stops vectorisation), and slices cost an object each.
- A convolution (with its bias and input mixin) is a sum of "terms": input rows, each shifted
  by its tap's lookback (a row of ones carries the bias), times weights. `_accumulate` adds
  four terms into four output rows per pass: each loaded input vector feeds 16 multiply-adds,
  and each output row is loaded and stored once per four terms. Rows and terms are padded to
  multiples of four with zero weights, so there are no remainder loops.
- Activations are written with arithmetic only (no libm calls), so they vectorise too. tanh is
  our own float32 implementation, as accurate as libm's tanhf (max error 1.3 ulp, see `_tanh`);
  sigmoid(x) = (1 + tanh(x/2)) / 2.
- `error_model="numpy"` drops the Python zero-division checks that block vectorisation;
  fastmath only allows FMA contraction, reciprocal division and signed-zero freedom (no
  reassociation, no NaN/Inf assumptions).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"contract", "arcp", "nsz"}}

# ---- op table (int64 rows of OP_FIELDS) ----
OP_FIELDS = 12
# every op: [code, dst_space, dst_base, dst_stride, rows, a, b, c, d, e, f, g]
# spaces: work rows (at base + r·stride in `mem`) or state rows (at base + r·stride + state base
# + chunk position): space is 0 or 1, so an address is base + space · shift, without a branch
WORK, STATE = 0, 1
ZERO = 0  # dst ← 0
ACCUM = 2  # dst (+)= W · terms: W at w[a] (rows × b, row-major), terms[d : d + b]; e = 1: overwrite
ACT = 3  # dst ← act(dst): activation a, ACT_PARAMS parameters at w[b] (c = 1: a set per row);
#           g = 1: also add the result into rows (space d, base e, stride f)
MUL = 4  # dst[r] *= src[r] (src space a, base b, stride c)
BLEND = 5  # dst[r] ← pre + alpha · (dst − pre) (pre: space a, base b, stride c; alpha: space d, base e, stride f)
ADD = 6  # dst[r] += src[r] (src space a, base b, stride c)
COPY = 7  # dst[r] ← src[r] (src space a, base b, stride c)
SCALE = 8  # dst ← w[a] · dst
OUTPUT = 9  # out ← dst row 0
ACT_PARAMS = 4  # parameters stored per activation (unused ones are 0)
TILE = 4  # ACCUM rows and terms come in multiples of this

# ---- activations (codes shared with neuralfx.nam.activations) ----
IDENTITY, TANH, FAST_TANH, HARDTANH, RELU, LEAKY_RELU, SIGMOID, SILU, HARDSWISH, LEAKY_HARDTANH, SOFTSIGN = range(11)

# ---- cursor (int64, per stream) ----
POSITION, ROOM, CHUNK, STATE_BASE = 0, 1, 2, 3
CURSOR_FIELDS = 4

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
_ROUND = _F(12582912.0)  # 1.5·2^23: adding it rounds to an integer, kept in the low mantissa bits
_ROUND_BITS = np.int32(0x4B400000)  # its bit pattern
_TANH_LIMIT = _F(9.0)  # tanh(9) rounds to 1 in float32


@njit(inline="always", **_JIT)
def _tanh(v):
    """tanh in float32, within 1.3 ulp (libm's tanhf: 1.4), arithmetic only (vectorises).

    |v| < 0.625: an odd polynomial; above, 1 − 2/(1 + e^(2|v|)) with e^y = 2^n · e^r. n is
    rounded with the 1.5·2^23 trick (its bits give 2^n without a float→int conversion) and
    the polynomials use Estrin's scheme: both shorten the dependency chain, which is what an
    LSTM waits on.
    """
    a = v if v >= 0 else -v
    a = a if a < _TANH_LIMIT else _TANH_LIMIT
    s = v * v
    s2 = s * s
    small = v + (v * s) * ((_P0 + s * _P1) + s2 * (_P2 + s * _P3 + s2 * _P4))
    y = a + a
    rounded = y * _LOG2E + _ROUND
    n = rounded - _ROUND
    r = (y - n * _LN2_HI) - n * _LN2_LO
    r2 = r * r
    e = (np.float32(1.0) + r) + r2 * ((_E0 + r * _E1) + r2 * ((_E2 + r * _E3) + r2 * _E4))
    exponent = np.int32(np.float32(rounded).view(np.int32) - _ROUND_BITS + np.int32(127))  # numba widens int32 sums
    two_n = np.int32(exponent << np.int32(23)).view(np.float32)
    large = np.float32(1.0) - np.float32(2.0) / (np.float32(1.0) + e * two_n)
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
def activate(mem, at, n, code, p0, p1, p2, p3):
    """Apply activation `code` (parameters p0..p3) to mem[at : at + n], in place."""
    o = uint64(at)
    if code == TANH:
        for t in range(uint64(n)):
            mem[o + t] = _tanh(mem[o + t])
    elif code == LEAKY_RELU:
        for t in range(uint64(n)):
            v = mem[o + t]
            mem[o + t] = v if v > 0 else v * p0
    elif code == SIGMOID:
        for t in range(uint64(n)):
            mem[o + t] = _sigmoid(mem[o + t])
    elif code == FAST_TANH:
        for t in range(uint64(n)):
            mem[o + t] = _fast_tanh(mem[o + t])
    elif code == HARDTANH:
        for t in range(uint64(n)):
            v = mem[o + t]
            v = v if v > np.float32(-1.0) else np.float32(-1.0)
            mem[o + t] = v if v < np.float32(1.0) else np.float32(1.0)
    elif code == RELU:
        for t in range(uint64(n)):
            v = mem[o + t]
            mem[o + t] = v if v > 0 else np.float32(0.0)
    elif code == SILU:
        for t in range(uint64(n)):
            v = mem[o + t]
            mem[o + t] = v * _sigmoid(v)
    elif code == HARDSWISH:
        for t in range(uint64(n)):
            v = mem[o + t]
            c = v + np.float32(3.0)
            c = c if c > 0 else np.float32(0.0)
            c = c if c < np.float32(6.0) else np.float32(6.0)
            mem[o + t] = v * c * np.float32(1.0 / 6.0)
    elif code == LEAKY_HARDTANH:  # p0..p3: min_val, max_val, min_slope, max_slope
        for t in range(uint64(n)):
            v = mem[o + t]
            if v < p0:
                v = (v - p0) * p2 + p0
            elif v > p1:
                v = (v - p1) * p3 + p1
            mem[o + t] = v
    elif code == SOFTSIGN:
        for t in range(uint64(n)):
            v = mem[o + t]
            a = v if v >= 0 else -v
            mem[o + t] = v / (np.float32(1.0) + a)


@njit(**_JIT)
def _accumulate(mem, dst, dst_stride, rows, w, w_base, count, terms, first, shift, n, overwrite):
    """mem[dst + r·dst_stride + t] (+)= Σ_j w[w_base + r·count + j] · term_j[t], r < rows, j < count.

    Term j is the row at mem[terms[first + j, 0] + shift · terms[first + j, 1]] (state rows move
    with the chunk's position). `rows` and `count` are multiples of 4 (the program pads with zero
    weights), so every pass adds four terms into four rows: each loaded input vector feeds 16
    multiply-adds, and each output row is loaded and stored once per four terms. With
    `overwrite` the first pass writes the rows instead of adding to them.
    """
    un = uint64(n)
    for r in range(0, rows, 4):
        d0 = uint64(dst + r * dst_stride)
        d1 = d0 + uint64(dst_stride)
        d2 = d1 + uint64(dst_stride)
        d3 = d2 + uint64(dst_stride)
        w0 = w_base + r * count
        w1 = w0 + count
        w2 = w1 + count
        w3 = w2 + count
        for j in range(0, count, 4):
            k = first + j
            s0 = uint64(terms[k, 0] + shift * terms[k, 1])
            s1 = uint64(terms[k + 1, 0] + shift * terms[k + 1, 1])
            s2 = uint64(terms[k + 2, 0] + shift * terms[k + 2, 1])
            s3 = uint64(terms[k + 3, 0] + shift * terms[k + 3, 1])
            a0, a1, a2, a3 = w[w0 + j], w[w0 + j + 1], w[w0 + j + 2], w[w0 + j + 3]
            b0, b1, b2, b3 = w[w1 + j], w[w1 + j + 1], w[w1 + j + 2], w[w1 + j + 3]
            c0, c1, c2, c3 = w[w2 + j], w[w2 + j + 1], w[w2 + j + 2], w[w2 + j + 3]
            e0, e1, e2, e3 = w[w3 + j], w[w3 + j + 1], w[w3 + j + 2], w[w3 + j + 3]
            if overwrite and j == 0:
                for t in range(un):
                    x0 = mem[s0 + t]
                    x1 = mem[s1 + t]
                    x2 = mem[s2 + t]
                    x3 = mem[s3 + t]
                    mem[d0 + t] = a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
                    mem[d1 + t] = b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
                    mem[d2 + t] = c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3
                    mem[d3 + t] = e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3
            else:
                for t in range(un):
                    x0 = mem[s0 + t]
                    x1 = mem[s1 + t]
                    x2 = mem[s2 + t]
                    x3 = mem[s3 + t]
                    mem[d0 + t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
                    mem[d1 + t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
                    mem[d2 + t] += c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3
                    mem[d3 + t] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3


@njit(**_JIT)
def _rewind(mem, buffers, shift, position):
    """Move each buffer's last `lookback` columns (before `position`) to its start."""
    for b in range(buffers.shape[0]):
        base, stride, rows, lookback = buffers[b, 0], buffers[b, 1], buffers[b, 2], buffers[b, 3]
        for r in range(rows):
            row = uint64(shift + base + r * stride)
            ahead = row + uint64(position)
            for j in range(uint64(lookback)):  # ascending: the destination is never ahead of the source
                mem[row + j] = mem[ahead + j]


@njit(**_JIT)
def _run_ops(ops, terms, w, mem, shift, out, n):
    """One chunk: every op in order. `shift` is where state rows sit in `mem` for this chunk.

    Rows are indexed with unsigned offsets (mem[offset + t]): numba then neither checks for
    negative indices (which stops vectorisation) nor makes slice objects (about 50 ns each).
    """
    un = uint64(n)
    for i in range(ops.shape[0]):
        code = ops[i, 0]
        dst = ops[i, 2] + shift * ops[i, 1]
        dst_stride, rows = ops[i, 3], ops[i, 4]
        a, b, c, d, e, f, g = ops[i, 5], ops[i, 6], ops[i, 7], ops[i, 8], ops[i, 9], ops[i, 10], ops[i, 11]
        if code == ACCUM:
            _accumulate(mem, dst, dst_stride, rows, w, a, b, terms, d, shift, n, e == 1)
        elif code == ACT:
            for r in range(rows):
                o = dst + r * dst_stride
                p = b + ACT_PARAMS * r if c == 1 else b
                activate(mem, o, n, a, w[p], w[p + 1], w[p + 2], w[p + 3])
                if g == 1:  # and add the result into the head sum (a layer's skip output)
                    into = uint64(e + shift * d + r * f)
                    uo = uint64(o)
                    for t in range(un):
                        mem[into + t] += mem[uo + t]
        elif code == ZERO:
            for r in range(rows):
                o = uint64(dst + r * dst_stride)
                for t in range(un):
                    mem[o + t] = 0.0
        elif code == ADD or code == COPY or code == MUL:
            src = b + shift * a
            for r in range(rows):
                o = uint64(dst + r * dst_stride)
                so = uint64(src + r * c)
                if code == ADD:
                    for t in range(un):
                        mem[o + t] += mem[so + t]
                elif code == COPY:
                    for t in range(un):
                        mem[o + t] = mem[so + t]
                else:
                    for t in range(un):
                        mem[o + t] *= mem[so + t]
        elif code == BLEND:
            for r in range(rows):
                o = uint64(dst + r * dst_stride)
                pre = uint64(b + shift * a + r * c)
                alpha = uint64(e + shift * d + r * f)
                for t in range(un):
                    mem[o + t] = mem[pre + t] + mem[alpha + t] * (mem[o + t] - mem[pre + t])
        elif code == SCALE:
            scale = w[a]
            for r in range(rows):
                o = uint64(dst + r * dst_stride)
                for t in range(un):
                    mem[o + t] *= scale
        elif code == OUTPUT:
            o = uint64(dst)
            for t in range(un):
                out[t] = mem[o + t]


@njit(
    "void(float32[::1], float32[::1], float32[::1], int64[:, ::1], int64[:, ::1], int64[:, ::1], "
    "float32[::1], int64[::1])",
    **_JIT,
)
def run_program(x, out, weights, ops, terms, buffers, mem, cursor):
    """Process x (n,) into out (n,) in chunks of at most cursor[CHUNK] samples.

    `mem` holds the work rows (from 0) and then the state (from cursor[STATE_BASE]). The input
    chunk is copied to mem row 0; the ops then run in order. `terms` rows are (offset, space)
    of each row an ACCUM reads. `buffers` rows are (base, stride, rows, lookback) of every
    history buffer in the state: when the next chunk does not fit before cursor[ROOM], each
    keeps its last `lookback` columns and the position goes back to 0.
    """
    total = x.shape[0]
    chunk = cursor[CHUNK]
    room = cursor[ROOM]
    state = cursor[STATE_BASE]
    start = 0
    while start < total:
        n = min(chunk, total - start)
        position = cursor[POSITION]
        if position + n > room:
            _rewind(mem, buffers, state, position)
            position = 0
        for t in range(n):
            mem[t] = x[start + t]
        _run_ops(ops, terms, weights, mem, state + position, out[start : start + n], n)
        cursor[POSITION] = position + n
        start += n


# ---- LSTM ----
# layout (int64): [layers, input_size, hidden, gate_rows (4·hidden padded to 16), chunk]
# weights per layer: W (inputs + hidden, gate_rows) input-major, then bias (gate_rows), in the
# order i, f, g, o with the i, f, o rows halved (σ(x) = (1 + tanh(x/2)) / 2); then the head
# (hidden) and its bias (1).
# state: per layer h (hidden) and c (hidden); then scratch: gates (gate_rows), tanh(c)
# (gate_rows), and the layer outputs of one chunk (chunk · hidden).
LSTM_LAYERS, LSTM_INPUTS, LSTM_HIDDEN, LSTM_GATE_ROWS, LSTM_CHUNK = range(5)


@njit(**_JIT)
def _lstm_layer(inputs, n_in, n, weights, w_at, g_rows, hidden, h, c, gates, tanh_c, outputs):
    """One layer over n samples: inputs (n · n_in, sample-major) → outputs (n · hidden)."""
    wmat = weights[w_at : w_at + (n_in + hidden) * g_rows].reshape(n_in + hidden, g_rows)
    bias = weights[w_at + (n_in + hidden) * g_rows : w_at + (n_in + hidden + 1) * g_rows]
    for t in range(n):
        for r in range(g_rows):
            gates[r] = bias[r]
        for j in range(n_in + hidden):
            v = inputs[t * n_in + j] if j < n_in else h[j - n_in]
            for r in range(g_rows):
                gates[r] += wmat[j, r] * v
        for r in range(g_rows):
            gates[r] = _tanh(gates[r])
        for k in range(hidden):
            i_gate = np.float32(0.5) + np.float32(0.5) * gates[k]
            f_gate = np.float32(0.5) + np.float32(0.5) * gates[hidden + k]
            c[k] = f_gate * c[k] + i_gate * gates[2 * hidden + k]
            tanh_c[k] = c[k]
        for r in range(g_rows):  # whole padded vector: one pass instead of a scalar tanh per unit
            tanh_c[r] = _tanh(tanh_c[r])
        for k in range(hidden):
            h[k] = (np.float32(0.5) + np.float32(0.5) * gates[3 * hidden + k]) * tanh_c[k]
            outputs[t * hidden + k] = h[k]


@njit("void(float32[::1], float32[::1], float32[::1], int64[::1], float32[::1])", **_JIT)
def run_lstm(x, out, weights, layout, state):
    """Process x (n,) into out (n,): each layer runs over a chunk of samples before the next
    (a layer at time t needs only the layer below at t), so the per-sample loop has no setup."""
    layers, inputs, hidden, g_rows, chunk = layout[0], layout[1], layout[2], layout[3], layout[4]
    scratch = layers * 2 * hidden
    gates = state[scratch : scratch + g_rows]
    tanh_c = state[scratch + g_rows : scratch + 2 * g_rows]
    outputs = state[scratch + 2 * g_rows : scratch + 2 * g_rows + chunk * hidden]
    head = 0
    for layer in range(layers):
        head += ((inputs if layer == 0 else hidden) + hidden + 1) * g_rows
    head_w = weights[head : head + hidden]
    head_b = weights[head + hidden]
    start = 0
    while start < x.shape[0]:
        n = min(chunk, x.shape[0] - start)
        w_at = 0
        for layer in range(layers):
            n_in = inputs if layer == 0 else hidden
            h = state[layer * 2 * hidden : layer * 2 * hidden + hidden]
            c = state[layer * 2 * hidden + hidden : (layer + 1) * 2 * hidden]
            source = x[start : start + n] if layer == 0 else outputs
            _lstm_layer(source, n_in, n, weights, w_at, g_rows, hidden, h, c, gates, tanh_c, outputs)
            w_at += (n_in + hidden + 1) * g_rows
        for t in range(n):
            y = head_b
            for k in range(hidden):
                y += head_w[k] * outputs[t * hidden + k]
            out[start + t] = y
        start += n
