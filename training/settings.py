"""Every training option, once: `neuralfx train`'s flags, a `--config` file's keys and the Python API
(`neuralfx_training.train.train`) are the fields of `TrainSettings`, with their defaults and help.

Imports no torch: the `neuralfx` command builds its parser from this module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from neuralfx.fileio import read_json
from neuralfx.models import PedalNetConfig
from neuralfx.models.pedalnet import CONDITIONINGS, Knob

from .architectures import ARCHITECTURES, PEDALNET, check_architecture

MAX_CONFIG_BYTES = 1024 * 1024


def _option(default: Any, help: str, kind: type | None = None) -> Any:
    return field(default=default, metadata={"help": help, "type": kind or type(default)})


@dataclass
class TrainSettings:
    """How to train. `time_budget_min` (wall clock, validation included) and `epochs` both bound the
    run, and the learning-rate schedule runs to whichever ends first; with a time budget the
    schedule depends on the machine's speed, so only epoch-bounded runs repeat bit for bit.
    Messages name the `neuralfx train` flag of each setting."""

    # The model.
    architecture: str = _option(PEDALNET, f"the network: {', '.join(ARCHITECTURES)} (NAM's are written as .nam)")
    channels: int = _option(16, "channels per layer (pedalnet)")
    kernel_size: int = _option(3, "convolution kernel size (pedalnet)")
    dilation_depth: int = _option(8, "dilations 1, 2, 4 … 2^(depth−1) per stack (pedalnet)")
    repeats: int = _option(3, "stacks of dilations, layers = depth × repeats (pedalnet)")
    conditioning: str = _option("film", "how knobs enter the network (with --captures): film (gain and shift) or bias")
    conditioning_width: int = _option(16, "width of the knobs' conditioning network")
    # The loop.
    epochs: int = _option(100, "most epochs to train (an epoch covers the training audio once)")
    time_budget_min: float | None = _option(None, "stop after this many minutes (validation included)", float)
    patience: int = _option(20, "stop after this many epochs without a better validation ESR")
    batch_size: int = _option(4, "windows per step")
    window: int = _option(8192, "output samples per window (each also reads its receptive field)")
    learning_rate: float = _option(3e-3, "peak Adam learning rate")
    final_learning_rate: float = _option(3e-5, "learning rate at the end of the cosine decay")
    warmup_steps: int = _option(30, "steps of linear learning-rate warm-up")
    grad_clip: float = _option(2.0, "gradient-norm clipping")
    stft_weight: float = _option(0.0, "weight of a multi-resolution STFT term added to the ESR loss")
    seed: int = _option(0, "random seed (model init and window order)")
    device: str = _option("auto", "cpu, cuda, or auto (CUDA when present)")
    threads: int | None = _option(None, "CPU threads for torch (default: torch's choice)", int)
    # The data.
    latency: int | None = _option(None, "the target's delay behind the input in samples, instead of detecting it", int)
    validation_s: float | None = _option(None, "seconds held out from the end for validation (default 10 %%)", float)

    def __post_init__(self) -> None:
        sizes = ("channels", "kernel_size", "dilation_depth", "repeats", "conditioning_width")
        for name in (*sizes, "epochs", "batch_size", "window"):
            if getattr(self, name) < 1:
                raise ValueError(f"{flag(name)} must be at least 1, got {getattr(self, name)}")
        if self.patience < 1:
            raise ValueError(f"--patience must be at least 1, got {self.patience}")
        if self.warmup_steps < 0:
            raise ValueError(f"--warmup-steps must be 0 (no warm-up) or more, got {self.warmup_steps}")
        if self.time_budget_min is not None and self.time_budget_min <= 0:
            raise ValueError(f"--time-budget-min must be positive, got {self.time_budget_min:g}")
        if not 0 < self.final_learning_rate <= self.learning_rate:
            raise ValueError(
                "learning rates must satisfy 0 < --final-learning-rate <= --learning-rate, got "
                f"{self.final_learning_rate:g} and {self.learning_rate:g}"
            )
        if not self.grad_clip > 0:
            raise ValueError(f"--grad-clip must be positive, got {self.grad_clip:g}")
        if not self.stft_weight >= 0:
            raise ValueError(f"--stft-weight must be 0 (no STFT term) or more, got {self.stft_weight:g}")
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"--conditioning must be one of {', '.join(CONDITIONINGS)}, got {self.conditioning!r}")
        check_architecture(self.architecture)
        if self.architecture != PEDALNET:
            for name in _PEDALNET_SIZES:
                if getattr(self, name) != _DEFAULTS[name]:
                    shape = f"{self.architecture} has NAM's shape"
                    raise ValueError(f"{flag(name)} sizes the pedalnet architecture; {shape}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"--threads must be at least 1, got {self.threads}")

    @property
    def time_budget_s(self) -> float | None:
        return None if self.time_budget_min is None else 60.0 * self.time_budget_min

    @property
    def loss_name(self) -> str:
        """What the training loss is (for the plots)."""
        esr = "pre-emphasised ESR"
        return f"{esr} + {self.stft_weight:g} × multi-resolution STFT" if self.stft_weight else esr

    def model_config(self, knobs: tuple[Knob, ...] = ()) -> PedalNetConfig:
        """The network these settings train, taking `knobs` as inputs when given."""
        return PedalNetConfig(
            channels=self.channels,
            kernel_size=self.kernel_size,
            dilations=tuple(2**i for i in range(self.dilation_depth)) * self.repeats,
            knobs=knobs,
            conditioning=self.conditioning,
            conditioning_width=self.conditioning_width,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_config_file(cls, path: Path, **overrides: Any) -> TrainSettings:
        """The settings a JSON file of option names gives, with `overrides` (flags) on top."""
        try:
            loaded = read_json(path, MAX_CONFIG_BYTES, "a training config file")
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read the config file ({exc})") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: the config file must hold a JSON object of option names")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(loaded) - set(known))
        if unknown:
            raise ValueError(f"{path}: unknown options {unknown}; known: {', '.join(known)}")
        values = {}
        for name, value in loaded.items():
            try:
                values[name] = value if value is None else known[name].metadata["type"](value)
            except (TypeError, ValueError):
                raise ValueError(f"{path}: option {name!r} must be a {known[name].metadata['type'].__name__}") from None
        return cls(**(values | overrides))


_PEDALNET_SIZES = ("channels", "kernel_size", "dilation_depth", "repeats")
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainSettings)}

# Settings a resumed run may change: how long it runs and where. The rest shape the training itself.
RESUMABLE_CHANGES = ("epochs", "time_budget_min", "patience", "device", "threads")


def flag(name: str) -> str:
    """The command-line flag of a setting."""
    return "--" + name.replace("_", "-")
