"""The preset file: one versioned safetensors file holding a model, its sample rate and metadata.

A preset (`*.nfx`) is a safetensors file (readable by the `safetensors` library). Its header's
`__metadata__["neuralfx"]` is a JSON object:

    {"format": "neuralfx.preset", "format_version": 2,
     "architecture": "pedalnet_wavenet", "config": {"channels", "kernel_size", "dilations"},
     "sample_rate": 48000,
     "metadata": {"name", "pedal", "knobs", "loudness_db", "validation_esr", "provenance", "date",
                  "gear_type", "tone_type", "modeled_by", "input_level_dbu", "output_level_dbu"}}

(version 1 files, without the last five metadata fields, load too)

and its tensors are the weights named by `PedalNetConfig.weight_shapes()`. Nothing in a preset
is executed: pickles and torch checkpoints are refused with an explanation.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import math
import os
import struct
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from .fileio import atomic_write_bytes, check_regular_file, parse_json
from .metadata import PresetMetadata
from .models import MAX_RECEPTIVE_FIELD, Model
from .models.pedalnet import ARCHITECTURE, PedalNetConfig, PedalNetModel, validate_weights
from .models.pedalnet_stream import stream_bytes

FORMAT = "neuralfx.preset"
FORMAT_VERSION = 2  # 2 added the optional NAM-style metadata fields (gear_type...)
SUFFIX = ".nfx"
NAM_SUFFIX = ".nam"  # NAM models, read by neuralfx.nam
PRESET_SUFFIXES = (SUFFIX, NAM_SUFFIX)
"""Files the preset folders list and a preset name may stand for."""
MAX_PRESET_BYTES = 64 * 1024 * 1024
"""The largest preset file read (the 24×16 PedalNet is 170 kB)."""
MAX_HEADER_BYTES = 1024 * 1024
"""The largest safetensors header read: the tensors' names and shapes and our metadata (ts9's: 10 kB)."""
MAX_STREAM_BYTES = 64 * 1024 * 1024
"""The most memory one channel of a preset may need to play (the 24×16 PedalNet: 3.8 MB)."""
PRESET_PATH_ENV = "NEURALFX_PRESET_PATH"
DEFAULT_PRESET = "ts9-lite"
"""What `neuralfx live` and the app play when nothing else is chosen: of the shipped TS9 presets, the
cheapest within 1.5× of the best held-out ESR (docs/training.md, "The TS9 in every size")."""


class PresetError(ValueError):
    """A preset file is missing, unreadable or invalid. `path` names the file, `problem` says why."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


@dataclass
class Preset:
    """A loaded preset: the model (see `neuralfx.models.Model`), its sample rate and metadata."""

    model: Model
    sample_rate: int
    metadata: PresetMetadata
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_nam(self) -> bool:
        """Whether it was read from a NAM `.nam` file."""
        return self.path is not None and self.path.suffix.lower() == NAM_SUFFIX

    def metadata_for(self, model_size: float) -> PresetMetadata:
        """The metadata of what plays at `model_size`: a NAM container's submodel states its own
        loudness and levels; any other model, the preset's."""
        submodel_for = getattr(self.model, "submodel_for", None)
        return submodel_for(model_size).metadata if submodel_for else self.metadata

    def save(self, path: str | Path) -> Path:
        """Validate and write atomically. Returns the path written."""
        return save_preset(self, path)


def save_preset(preset: Preset, path: str | Path) -> Path:
    """Write a PedalNet preset as a `.nfx` file, atomically. Raises PresetError if it is invalid."""
    path = Path(path)
    try:
        if not isinstance(preset.model, PedalNetModel):
            raise ValueError(f"only PedalNet models are saved as {SUFFIX} presets, not {preset.model.architecture!r}")
        weights = validate_weights(preset.model.config, preset.model.weights)
        header = _header(preset)
        _check_header(header)
    except ValueError as exc:
        raise PresetError(path, f"refusing to save an invalid preset: {exc}") from None
    from safetensors.numpy import save

    atomic_write_bytes(path, save(weights, {"neuralfx": json.dumps(header)}))
    return path


def preset_path(name_or_path: str | Path) -> Path:
    """The file a preset name or path stands for (see `preset_dirs`); raises PresetError."""
    path = Path(name_or_path)
    if path.exists():  # a pipe or a device too: reading it is refused with a reason
        return path
    if path.suffix.lower() in PRESET_SUFFIXES or len(path.parts) > 1:
        raise PresetError(path, f"no such preset file ({_available()})")
    return find_preset(str(name_or_path))


def load_preset(name_or_path: str | Path) -> Preset:
    """Load a preset from a file path, or by name from the preset folders (see `preset_dirs`).

    A file is read and checked once while it stays unchanged: later loads in this process share
    its model (read-only) and get their own copy of the metadata.
    """
    path = preset_path(name_or_path)
    try:
        info = path.stat()
    except OSError as exc:
        raise PresetError(path, f"cannot read the file ({exc.strerror})") from None
    key = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
    with _loaded_lock:
        preset = _loaded.get(key)
    if preset is None:
        preset = _read_preset(path)
        with _loaded_lock:
            _loaded[key] = preset
            while len(_loaded) > _LOADED_KEPT:
                del _loaded[next(iter(_loaded))]
    return dataclasses.replace(preset, metadata=copy.deepcopy(preset.metadata), path=path)


_LOADED_KEPT = 32
_loaded: dict[tuple, Preset] = {}  # the presets read, by file identity: oldest first
_loaded_lock = threading.Lock()  # GUI threads load presets too


def _read_preset(path: Path) -> Preset:
    """Read and check a preset file: a `.nam` model, or our `.nfx`."""
    if path.suffix.lower() == NAM_SUFFIX:
        from .nam import read_nam

        try:
            return Preset(*read_nam(path), path)
        except OSError as exc:
            raise PresetError(path, f"cannot read the file ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise PresetError(path, str(exc)) from None
    return _read_nfx(path)


def _read_nfx(path: Path) -> Preset:
    try:
        size = check_regular_file(path, MAX_PRESET_BYTES, "a preset")
        with path.open("rb") as file:
            head = file.read(16)
    except OSError as exc:
        raise PresetError(path, f"cannot read the file ({exc.strerror})") from None
    except ValueError as exc:
        raise PresetError(path, str(exc)) from None
    _refuse_foreign_formats(path, head)
    _check_header_size(path, head, size)
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as file:
            raw_metadata = file.metadata() or {}
            if "neuralfx" not in raw_metadata:
                raise PresetError(path, "a safetensors file without neuralfx metadata: not a neuralfx preset")
            header = parse_json(raw_metadata["neuralfx"], "the neuralfx metadata")
            _check_header(header)
            config = PedalNetConfig.from_dict(header["config"])
            _check_claims(config, len(file.keys()))
            tensors = {name: _float_tensor(file, name) for name in file.keys()}
            model = PedalNetModel(config, tensors)
    except SafetensorError as exc:
        raise PresetError(path, f"not a valid preset file: {_safetensors_problem(exc)}") from None
    except PresetError:
        raise
    except (ValueError, TypeError) as exc:
        raise PresetError(path, str(exc)) from None
    return Preset(model, int(header["sample_rate"]), PresetMetadata(**header["metadata"]), path)


def preset_dirs() -> list[Path]:
    """Folders searched for presets by name, first match wins: the folders in
    $NEURALFX_PRESET_PATH, the user folder, then the presets shipped with neuralfx."""
    dirs = [Path(p) for p in os.environ.get(PRESET_PATH_ENV, "").split(os.pathsep) if p]
    return [*dirs, user_preset_dir(), shipped_preset_dir()]


def user_preset_dir() -> Path:
    """$XDG_DATA_HOME/neuralfx/presets (default ~/.local/share/neuralfx/presets)."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "neuralfx" / "presets"


def shipped_preset_dir() -> Path:
    spec = importlib.util.find_spec("neuralfx_presets")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "presets"


def list_presets() -> list[Path]:
    """Every preset file in the preset folders, shadowed names removed, sorted by name."""
    found: dict[str, Path] = {}
    for folder in preset_dirs():
        for path in preset_files(folder):
            found.setdefault(path.stem.lower(), path)
    return [found[name] for name in sorted(found)]


def preset_files(folder: Path) -> list[Path]:
    """The preset files directly in `folder`, sorted by name (none if it is not a folder)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PRESET_SUFFIXES and p.is_file())


def find_preset(name: str) -> Path:
    for folder in preset_dirs():
        for candidate in (folder / name, *(folder / f"{name}{suffix}" for suffix in PRESET_SUFFIXES)):
            if candidate.is_file():
                return candidate
    presets = list_presets()
    for path in presets:
        if path.stem.lower() == name.lower():
            return path
    raise PresetError(name, f"no preset by that name ({_available(presets)})")


def _available(presets: list[Path] | None = None) -> str:
    """What a user may give instead: the preset names found, or where none were."""
    names = ", ".join(p.stem for p in (list_presets() if presets is None else presets))
    if not names:
        return f"no presets found in {', '.join(map(str, preset_dirs()))}; give a path to a {SUFFIX} file"
    return f"available: {names}; give one of these names or a path to a {SUFFIX} file"


def _header(preset: Preset) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": ARCHITECTURE,
        "config": preset.model.config.to_dict(),
        "sample_rate": preset.sample_rate,
        "metadata": asdict(preset.metadata),
    }


_METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "pedal": (str,),
    "knobs": (dict,),
    "loudness_db": (int, float, type(None)),
    "validation_esr": (int, float, type(None)),
    "provenance": (dict,),
    "date": (str,),
    "gear_type": (str,),  # format_version 2 added these: optional
    "tone_type": (str,),
    "modeled_by": (str,),
    "input_level_dbu": (int, float, type(None)),
    "output_level_dbu": (int, float, type(None)),
}
_OPTIONAL_METADATA = {"gear_type", "tone_type", "modeled_by", "input_level_dbu", "output_level_dbu"}


def _check_claims(config: PedalNetConfig, tensors: int) -> None:
    """Refuse a config that claims more than its weights hold, or more memory than any pedal needs,
    before anything is sized by it (a few numbers in a small file must not make it allocate gigabytes)."""
    if 2 * config.num_layers > tensors + 2:  # every layer has a conv weight and bias
        raise ValueError(f"the config claims {config.num_layers} layers but the file holds {tensors} tensors")
    if config.receptive_field > MAX_RECEPTIVE_FIELD:
        raise ValueError(
            f"the config claims a receptive field of {config.receptive_field} samples; neuralfx plays models of at "
            f"most {MAX_RECEPTIVE_FIELD} (a pedal's memory is milliseconds)"
        )
    needed = stream_bytes(config)
    if needed > MAX_STREAM_BYTES:
        raise ValueError(
            f"the config (channels {config.channels}, kernel_size {config.kernel_size}, {config.num_layers} layers, "
            f"largest dilation {max(config.dilations)}) would need {needed // 2**20} MiB per channel to play; "
            f"neuralfx plays models of at most {MAX_STREAM_BYTES // 2**20} MiB"
        )


def _float_tensor(file, name: str) -> np.ndarray:
    dtype = file.get_slice(name).get_dtype()
    if dtype not in ("F32", "F64"):
        raise ValueError(f"weight {name!r} is {dtype}; presets hold float32 weights")
    return file.get_tensor(name)


def _safetensors_problem(exc: Exception) -> str:
    """The safetensors library's message, in words a user can act on."""
    message = str(exc).replace("Error while deserializing header: ", "")
    if "not fully covered" in message:
        return "the file is truncated or has bytes after its last tensor"
    if "invalid JSON" in message:
        return f"the header is not valid JSON ({message})"
    return message


def _check_header(header: object) -> None:
    """Raise ValueError naming the first problem in a preset header."""
    if not isinstance(header, dict):
        raise ValueError("the neuralfx metadata is not a JSON object")
    for key in ("format", "format_version", "architecture", "config", "sample_rate", "metadata"):
        if key not in header:
            raise ValueError(f"missing field {key!r}")
    if header["format"] != FORMAT:
        raise ValueError(f"format is {header['format']!r}, expected {FORMAT!r}")
    version = header["format_version"]
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"format_version {version} is newer than this neuralfx reads ({FORMAT_VERSION}): upgrade neuralfx"
        )
    if header["architecture"] != ARCHITECTURE:
        raise ValueError(f"unknown architecture {header['architecture']!r} (this neuralfx knows {ARCHITECTURE!r})")
    if not isinstance(header["config"], dict):
        raise ValueError("config is not a JSON object")
    rate = header["sample_rate"]
    if not isinstance(rate, int) or isinstance(rate, bool) or not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"sample_rate {rate!r} is not an integer rate in Hz between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE}"
        )
    metadata = header["metadata"]
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not a JSON object")
    for key, types in _METADATA_TYPES.items():
        if key not in metadata:
            if key in _OPTIONAL_METADATA:
                continue
            raise ValueError(f"missing metadata field {key!r}")
        value = metadata[key]
        if not isinstance(value, types) or isinstance(value, bool):
            raise ValueError(f"metadata field {key!r} has the wrong type ({type(value).__name__})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"metadata field {key!r} is not finite")
    unknown = set(metadata) - set(_METADATA_TYPES)
    if unknown:
        raise ValueError(f"unknown metadata field {sorted(unknown)[0]!r}")
    if not metadata["name"].strip():
        raise ValueError("metadata field 'name' is empty")


def _check_header_size(path: Path, head: bytes, size: int) -> None:
    """Refuse a safetensors header longer than the file or MAX_HEADER_BYTES, before the safetensors
    library parses it (a 47 MB header took it 1 GB and 2 s)."""
    if len(head) < 8:
        raise PresetError(path, f"not a valid preset file: it is only {len(head)} bytes long")
    (header_bytes,) = struct.unpack("<Q", head[:8])
    if header_bytes > size - 8:
        raise PresetError(
            path, f"not a valid preset file: its header would be {header_bytes} bytes, the file is {size}"
        )
    if header_bytes > MAX_HEADER_BYTES:
        raise PresetError(path, f"its header is {header_bytes} bytes; a preset's header is at most {MAX_HEADER_BYTES}")


def _refuse_foreign_formats(path: Path, head: bytes) -> None:
    """Explain files that are not safetensors, from their first bytes."""
    if head[8:9] == b"{":
        return  # a safetensors header (its 8-byte length prefix may start with any byte)
    if head[:1] == b"\x80":
        raise PresetError(
            path,
            "this is a Python pickle (a torch checkpoint?). neuralfx never unpickles files because "
            f"unpickling can run code; export the model to a {SUFFIX} preset with neuralfx's trainer",
        )
    if head[:4] == b"PK\x03\x04":
        raise PresetError(
            path,
            "this is a zip archive, the layout of torch .pt/.ckpt files. neuralfx does not load torch "
            f"files because they can run code; export the model to a {SUFFIX} preset with neuralfx's trainer",
        )
    if head.lstrip()[:1] == b"{":
        raise PresetError(path, f"this is a JSON file (a NAM .nam model?), not a neuralfx {SUFFIX} preset")
    if not head:
        raise PresetError(path, "the file is empty")
