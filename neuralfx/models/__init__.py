"""Network definitions as plain parameter sets, and their numpy streaming engines."""

from .streaming import WaveNetStream
from .wavenet import ARCHITECTURE, WaveNetConfig, validate_weights

__all__ = ["ARCHITECTURE", "WaveNetConfig", "WaveNetStream", "validate_weights"]
