"""The NAM engines' tanh (neuralfx.nam.kernels._tanh): where its coefficients come from, how
accurate it is and how fast, beside numpy's tanh and NAM Core's fast tanh.

The coefficients are fitted here (weighted least squares on Chebyshev nodes, reweighted towards
minimax) and printed; the accuracy is measured on a dense grid against float64 tanh.

    python benchmarks/nam_tanh.py
"""

from __future__ import annotations

import time

import numpy as np

LN2 = np.log(2.0)


def fit(f, a: float, b: float, degree: int, rounds: int = 40) -> tuple[np.ndarray, float]:
    """Polynomial coefficients (lowest first) of f on [a, b], and the max error."""
    k = np.arange(4000)
    x = np.sort((a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / 8000))
    y = f(x)
    weights = np.ones_like(x)
    vander = np.vander(x, degree + 1, increasing=True)
    for _ in range(rounds):  # Lawson: weight up where the error is large
        root = np.sqrt(weights)
        coefficients = np.linalg.lstsq(vander * root[:, None], y * root, rcond=None)[0]
        error = vander @ coefficients - y
        weights *= np.abs(error) / np.abs(error).max() + 1e-3
        weights /= weights.sum()
    return coefficients, float(np.abs(error).max())


def main() -> None:
    from neuralfx.nam import kernels

    small, small_error = fit(lambda s: (np.tanh(np.sqrt(s)) / np.sqrt(s) - 1) / s, 1e-8, kernels._SMALL**2, 4)
    exp, exp_error = fit(lambda r: (np.expm1(r) - r) / (r * r), -LN2 / 2, LN2 / 2, 4)
    print("tanh(x) = x + x·s·P(s), s = x², |x| <", kernels._SMALL)
    print("  P =", ", ".join(f"{c:.17g}" for c in small), f"(fit error {small_error:.2g})")
    print("e^r = 1 + r + r²·E(r), |r| ≤ ln2/2")
    print("  E =", ", ".join(f"{c:.17g}" for c in exp), f"(fit error {exp_error:.2g})")

    x = np.concatenate(
        [np.linspace(-12, 12, 4_000_001), np.logspace(-30, 1.2, 100_000), -np.logspace(-30, 1.2, 100_000)]
    ).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    ours = x.copy()
    kernels.activate(ours, 0, ours.size, kernels.TANH, 0, 0, 0, 0)
    fast = x.copy()
    kernels.activate(fast, 0, fast.size, kernels.FAST_TANH, 0, 0, 0, 0)
    print(f"\n{'tanh':<28} {'max abs error':>14} {'max ulp':>9} {'ns/value':>9}")
    for name, y, code in (
        ("neuralfx (default, exact)", ours, kernels.TANH),
        ("numpy float32", np.tanh(x), None),
        ("NAM Core's fast tanh", fast, kernels.FAST_TANH),
    ):
        error = np.abs(y - exact)
        block = x[:4096].copy()
        started = time.perf_counter()
        for _ in range(2000):
            if code is None:
                np.tanh(block, out=block)
            else:
                kernels.activate(block, 0, block.size, code, 0, 0, 0, 0)
        speed = (time.perf_counter() - started) / (2000 * block.size) * 1e9
        print(f"{name:<28} {error.max():>14.3g} {(error / ulp).max():>9.2f} {speed:>9.2f}")


if __name__ == "__main__":
    main()
