"""Networks as plain parameter sets (`Model`), and their numpy streaming engines (`ModelStream`)."""

from .base import MAX_RECEPTIVE_FIELD, Model, ModelParameter, ModelStream
from .pedalnet import ARCHITECTURE, PedalNetConfig, PedalNetModel, validate_weights
from .pedalnet_stream import PedalNetStream

__all__ = [
    "ARCHITECTURE",
    "MAX_RECEPTIVE_FIELD",
    "Model",
    "ModelParameter",
    "ModelStream",
    "PedalNetConfig",
    "PedalNetModel",
    "PedalNetStream",
    "validate_weights",
]
