"""Read a NAM model file (`.nam`, format versions 0.5.0 to 0.7.x): its model, rate and metadata.

A .nam file is one JSON object: {"version", "architecture", "config", "weights", "sample_rate",
"metadata"}. Architectures: WaveNet (NAM's A1 and A2 keys), LSTM, Linear, and
SlimmableContainer (several complete models in one file, see `neuralfx.nam.container`).

Everything is checked before anything sized by the file is allocated: the file is a regular
file of at most MAX_NAM_BYTES holding at most MAX_VALUES numbers; each config is parsed and its
weight count computed and compared with the file's weight list; then the weights are converted
and checked finite. A problem raises ValueError naming the key (`neuralfx.preset` names the file).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from ..fileio import check_regular_file
from ..metadata import PresetMetadata
from ..models import MAX_RECEPTIVE_FIELD, Model
from .fields import Node
from .metadata import nam_metadata

NAM_SUFFIX = ".nam"
MAX_NAM_BYTES = 64 * 1024 * 1024
"""The largest .nam file read (NAM's A2 pair is 0.7 MB, its standard WaveNet 0.4 MB)."""
MAX_VALUES = 4_000_000
"""The most numbers a .nam file may hold (counted before parsing, so that parsing stays bounded)."""
EARLIEST_VERSION = (0, 5, 0)
LATEST_VERSION = (0, 7, 0)
DEFAULT_SAMPLE_RATE = 48000
MAX_MULTIPLY_ADDS = 2_000_000
"""The most multiply-adds per sample a model may cost (about 40× NAM's standard WaveNet; already
slower than real time on one core)."""
MAX_SETTLE_WORK = 10_000_000_000
"""The most multiply-adds spent once to find a model's state after silence (about a second)."""
_VERSION = re.compile(r"^(\d{1,6})\.(\d{1,6})\.(\d{1,6})$")
_TOP_KEYS = {"version", "architecture", "config", "weights", "sample_rate", "metadata"}


def read_nam(path: str | Path) -> tuple[Model, int, PresetMetadata]:
    """(model, sample rate in Hz, metadata) of a .nam file. Raises OSError when it cannot be read,
    ValueError saying what is wrong with it."""
    path = Path(path)
    return read_model(Node(parse_json(_read(path)), ""), path.stem)


def _read(path: Path) -> bytes:
    """The file's bytes; refused before opening when it is not a regular file of at most MAX_NAM_BYTES."""
    size = check_regular_file(path, MAX_NAM_BYTES, "a NAM model")
    with open(path, "rb") as file:
        data = file.read(size + 1)  # no bigger buffer than the file (read_capped's would be MAX_NAM_BYTES)
    if len(data) > size:
        raise ValueError("the file grew while it was read")
    return data


def parse_json(data: bytes) -> object:
    """The JSON document, in bounded memory and time; raises ValueError."""
    if not data.strip():
        raise ValueError("the file is empty")
    if data.count(b",") >= MAX_VALUES:
        raise ValueError(f"the file holds more than {MAX_VALUES} values: too large for a NAM model")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not a NAM model: the file is not JSON text (it is not UTF-8)") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("not a NAM model: the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not a NAM model: invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise ValueError(f"not a NAM model: invalid JSON ({exc})") from None


def read_model(root: Node, fallback_name: str, inherited_rate: int | None = None) -> tuple[object, int, PresetMetadata]:
    """(model, sample rate in Hz, metadata) of one .nam object (the file, or a container's submodel)."""
    from .container import ARCHITECTURE as CONTAINER
    from .container import read_container
    from .linear import ARCHITECTURE as LINEAR
    from .lstm import ARCHITECTURE as LSTM
    from .wavenet import ARCHITECTURE as WAVENET

    root.object()
    version = _check_version(root["version"])
    architecture = root["architecture"].string()
    sample_rate = _sample_rate(root.get("sample_rate"), inherited_rate)
    config = root["config"]
    config.object()
    provenance: dict = {"format": "NAM", "version": version, "architecture": architecture}
    ignored = sorted(set(root.object()) - _TOP_KEYS)
    if ignored:
        provenance["ignored_keys"] = ignored
    metadata = nam_metadata(root.get("metadata"), fallback_name, provenance)
    if architecture == WAVENET:
        model = _wavenet(config, root)
    elif architecture == LSTM:
        model = _lstm(config, root, sample_rate)
    elif architecture == LINEAR:
        model = _linear(config, root)
    elif architecture == CONTAINER:
        if inherited_rate is not None:
            raise root["architecture"].fail("a SlimmableContainer inside a SlimmableContainer is not supported")
        model = read_container(root, sample_rate, metadata, read_model)
    else:
        known = ", ".join((WAVENET, LSTM, LINEAR, CONTAINER))
        raise root["architecture"].fail(f"unknown or unsupported architecture {architecture!r} (supported: {known})")
    return model, sample_rate, metadata


def checked_weights(root: Node, expected: int) -> np.ndarray:
    """The object's weights as float32, after checking their count against the config's."""
    node = root["weights"]
    values = node.list()
    if len(values) != expected:
        raise node.fail(f"the file holds {len(values)} weights, the config needs {expected}")
    kinds = set(map(type, values))
    if not kinds <= {int, float}:
        bad = next(v for v in values if type(v) not in (int, float))
        raise node.fail(f"a weight is not a number ({type(bad).__name__} {str(bad)[:20]!r})")
    try:
        wide = np.asarray(values, dtype=np.float64)
    except OverflowError:
        raise node.fail("a weight is too large") from None
    with np.errstate(over="ignore"):  # too large for float32: infinite, refused below
        weights = wide.astype(np.float32)
    if not np.all(np.isfinite(weights)):
        index = int(np.flatnonzero(~np.isfinite(weights))[0])
        raise node.fail(f"weight {index} is {values[index]!r}: weights must be finite float32 numbers")
    return weights


def _wavenet(config: Node, root: Node):
    from .wavenet import WaveNetModel, parse_wavenet_config

    spec = parse_wavenet_config(config)
    _check_memory(spec.receptive_field, config)
    _check_cost(spec.multiply_adds(), spec.receptive_field, config)
    return WaveNetModel(spec, checked_weights(root, spec.weight_count()))


def _lstm(config: Node, root: Node, sample_rate: int):
    from .lstm import LSTMModel, lstm_multiply_adds, lstm_weight_count, parse_lstm_config

    layers, hidden = parse_lstm_config(config)
    _check_cost(lstm_multiply_adds(layers, hidden), sample_rate // 2, config)
    return LSTMModel(layers, hidden, checked_weights(root, lstm_weight_count(layers, hidden)), sample_rate)


def _linear(config: Node, root: Node):
    from .linear import LinearModel, parse_linear_config

    taps, bias = parse_linear_config(config)
    _check_memory(taps, config)
    _check_cost(taps, 0, config)  # its state after silence is the cleared one: nothing to run
    return LinearModel(taps, bias, checked_weights(root, taps + int(bias)))


def _check_memory(receptive_field: int, config: Node) -> None:
    if receptive_field > MAX_RECEPTIVE_FIELD:
        raise config.fail(
            f"a receptive field of {receptive_field} samples; neuralfx plays models of at most "
            f"{MAX_RECEPTIVE_FIELD} (a pedal's memory is milliseconds)"
        )


def _check_cost(multiply_adds: int, settle_samples: int, config: Node) -> None:
    if multiply_adds > MAX_MULTIPLY_ADDS:
        raise config.fail(
            f"the model costs {multiply_adds} multiply-adds per sample; neuralfx plays at most {MAX_MULTIPLY_ADDS}"
        )
    if multiply_adds * settle_samples > MAX_SETTLE_WORK:
        raise config.fail(
            f"settling the model into silence would take {multiply_adds * settle_samples:.3g} multiply-adds"
        )


def _check_version(node: Node) -> str:
    version = node.string()
    match = _VERSION.match(version)
    if not match:
        raise node.fail(f"{version!r} is not a version number (major.minor.patch)")
    parts = tuple(int(p) for p in match.groups())
    earliest = ".".join(map(str, EARLIEST_VERSION))
    latest = ".".join(map(str, LATEST_VERSION))
    if parts < EARLIEST_VERSION:
        raise node.fail(f".nam version {version} is older than this reader supports ({earliest} to {latest})")
    if parts[:2] > LATEST_VERSION[:2]:
        raise node.fail(f".nam version {version} is newer than this reader supports ({earliest} to {latest})")
    return version


def _sample_rate(node: Node | None, inherited: int | None) -> int:
    """The model's rate as an integer in Hz (NAM writes 48000 or 48000.0); the default when absent."""
    if node is None:
        return inherited if inherited is not None else DEFAULT_SAMPLE_RATE
    rate = node.number()
    if rate != int(rate):
        raise node.fail(f"{rate} Hz is not a whole number of Hz")
    rate = int(rate)
    if not 8000 <= rate <= 768000:
        raise node.fail(f"{rate} Hz is outside 8000 to 768000 Hz")
    if inherited is not None and rate != inherited:
        raise node.fail(f"{rate} Hz differs from the container's {inherited} Hz")
    return rate
