"""NAM activation functions: parsed from a .nam config, with the codes the kernels use.

NAM writes an activation as a name ("Tanh") or an object ({"type": "LeakyReLU",
"negative_slope": 0.01}). These are the types NAM Core plays, with its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import Node

# Codes as in neuralfx.nam.kernels (kept in step by tests/test_nam_kernels.py).
IDENTITY, TANH, FAST_TANH, HARDTANH, RELU, LEAKY_RELU, SIGMOID, SILU, HARDSWISH, LEAKY_HARDTANH, SOFTSIGN = range(11)

_CODES = {
    "Tanh": TANH,
    "Fasttanh": FAST_TANH,
    "Hardtanh": HARDTANH,
    "ReLU": RELU,
    "LeakyReLU": LEAKY_RELU,
    "PReLU": LEAKY_RELU,  # a leaky ReLU whose slope may differ per channel
    "Sigmoid": SIGMOID,
    "SiLU": SILU,
    "Hardswish": HARDSWISH,
    "LeakyHardtanh": LEAKY_HARDTANH,
    "LeakyHardTanh": LEAKY_HARDTANH,
    "Softsign": SOFTSIGN,
}
_PARAMETERS = {
    "LeakyReLU": {"negative_slope": 0.01},
    "PReLU": {"negative_slope": 0.01, "negative_slopes": None},
    "LeakyHardtanh": {"min_val": -1.0, "max_val": 1.0, "min_slope": 0.01, "max_slope": 0.01},
}
_PARAMETERS["LeakyHardTanh"] = _PARAMETERS["LeakyHardtanh"]


@dataclass(frozen=True)
class Activation:
    """One activation: its NAM name, kernel code and parameters.

    params: the kernel's four parameters (LeakyReLU: slope; LeakyHardtanh: min_val, max_val,
    min_slope, max_slope). per_channel: PReLU's slopes, one per channel (else None).
    """

    name: str
    code: int
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    per_channel: tuple[float, ...] | None = None

    def check_channels(self, channels: int, where: str) -> None:
        if self.per_channel is not None and len(self.per_channel) != channels:
            raise ValueError(f"{where}: PReLU has {len(self.per_channel)} negative_slopes for {channels} channels")

    def parameter_rows(self, channels: int) -> list[tuple[float, float, float, float]]:
        """The kernel's parameter sets: one shared set, or one per channel."""
        if self.per_channel is None:
            return [self.params]
        return [(slope, 0.0, 0.0, 0.0) for slope in self.per_channel]


def parse_activation(node: Node) -> Activation:
    """An activation from its name or object; raises ValueError for anything NAM Core does not play."""
    if isinstance(node.value, str):
        name, options = node.value, None
    else:
        options = node.object()
        name = node["type"].string()
    if name not in _CODES:
        raise node.fail(f"activation {name!r} is not supported (supported: {', '.join(sorted(_CODES))})")
    defaults = _PARAMETERS.get(name, {})
    values = dict(defaults)
    if options is not None:
        for key in options:
            if key == "type":
                continue
            if key not in defaults:
                raise node.fail(f"activation {name} has an unsupported key {key!r}")
            if key == "negative_slopes":
                values[key] = tuple(item.number() for item in node[key].items()) if node.has(key) else None
            elif options[key] is not None:
                values[key] = node[key].number()
    code = _CODES[name]
    explicit_slope = options is not None and options.get("negative_slope") is not None
    if name == "PReLU" and values["negative_slopes"] is not None and not explicit_slope:  # NAM Core's precedence
        if not values["negative_slopes"]:
            raise node.fail("PReLU negative_slopes is empty")
        return Activation(name, code, per_channel=values["negative_slopes"])
    if code == LEAKY_RELU:
        return Activation(name, code, (values["negative_slope"], 0.0, 0.0, 0.0))
    if code == LEAKY_HARDTANH:
        params = (values["min_val"], values["max_val"], values["min_slope"], values["max_slope"])
        return Activation(name, code, params)
    return Activation(name, code)
