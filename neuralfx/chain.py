"""Chain: neural pedals and pedalboard plugins (VST3 included) in series, streaming exactly.

pedalboard cannot host Python effects inside its native chains, so a Chain groups each run
of consecutive native plugins into one `pedalboard.Pedalboard` (one C++ call, GIL released)
and calls Python effects such as NeuralPedal in between.

NaN and Inf never pass from one effect to the next: the chain's input and every effect's output
are checked, and non-finite samples replaced by silence and counted (`non_finite_samples`).

A chain file names native plugins (VST3) by path; loading one runs its code, so `Chain.load` and
`Chain.from_dict` load only trusted or allowed plugins (see `neuralfx.plugins`).

Two pedalboard streaming pitfalls are handled here:
- A native plugin re-prepares, wiping its state, whenever a block is longer than any block
  it has seen. At each stream start every native run is primed with `buffer_size` samples
  of silence, and later blocks reach it in pieces of at most that size.
- Some plugins return fewer samples than given (GSM, MP3). Each run's output is padded in
  front with silence to the length it was given; the padding counts as latency.
"""

from __future__ import annotations

import json
import math
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, MutableSequence
from pathlib import Path
from typing import Any

import numpy as np
import pedalboard

from .audio import as_channels_first, restore_layout, silence_non_finite
from .fileio import atomic_write_text, check_regular_file, read_json
from .pedal import NeuralPedal
from .plugins import AllowPlugins, check_consent, check_plugin_file, real_path
from .preset import PRESET_SUFFIXES, Preset, load_preset, preset_dirs, preset_path
from .resampling import SampleFifo

CHAIN_FORMAT = "neuralfx.chain"
CHAIN_FORMAT_VERSION = 1
MAX_CHAIN_BYTES = 1024 * 1024
"""The largest chain file read (a chain of ten effects is about 3 kB)."""
MAX_AUDIO_FILE_BYTES = 256 * 1024 * 1024
"""The largest file a chain's effect reads (Convolution's impulse response)."""

_plugin_paths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Containers and wrappers are not effects a chain file can describe by class and parameters.
_NOT_NATIVE_EFFECTS = {"Plugin", "Pedalboard", "Chain", "Mix", "PluginContainer", "ExternalPlugin", "VST3Plugin"}


def load_plugin(path: str | Path, parameters: dict[str, float] | None = None) -> pedalboard.Plugin:
    """Load a VST3 (or AU) plugin with pedalboard, remembering its file so a Chain can save it.

    This runs the plugin's code: naming it here is the caller's consent (a chain file's plugins
    are checked first, see `Chain.from_dict`).

    Args:
        path: the plugin bundle, e.g. /usr/lib/vst3/ZamComp.vst3.
        parameters: parameter name → raw value in 0..1 (as saved in chain files).
    Raises:
        ValueError: no such plugin, not a plugin, or a parameter it does not have.
    """
    path = real_path(path)
    check_plugin_file(path)
    try:
        plugin = pedalboard.load_plugin(str(path))
    except ImportError as exc:  # pedalboard's word for "cannot load": a broken or foreign bundle
        raise ValueError(f"cannot load the plugin {path}: {str(exc).splitlines()[-1].strip()}") from None
    _plugin_paths[plugin] = str(path)
    for name, raw in (parameters or {}).items():
        if name not in plugin.parameters:
            raise ValueError(f"plugin {path} has no parameter {name!r}")
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not 0.0 <= raw <= 1.0:
            raise ValueError(f"plugin parameter {name!r} must be a raw value from 0 to 1, got {raw!r}")
        plugin.parameters[name].raw_value = float(raw)
    return plugin


def settable_parameters(plugin_class: type) -> list[str]:
    """The parameters of a native pedalboard plugin class (its settable properties), in the
    class's order: what a chain file saves and a GUI shows."""
    return [
        name
        for name, attribute in vars(plugin_class).items()
        if isinstance(attribute, property) and attribute.fset is not None and not name.startswith("_")
    ]


def _is_native(effect: object) -> bool:
    return isinstance(effect, pedalboard.Plugin)


class Chain(MutableSequence):
    """Effects in series: NeuralPedal, any pedalboard plugin, or any object with pedalboard's
    `process(audio, sample_rate, buffer_size, reset)` method.

    A list: `append`, `insert`, `remove`, indexing, `len`, iteration. Processing follows
    pedalboard's contract (see NeuralPedal), and a stream of blocks equals the whole-signal
    call for every effect that streams exactly.
    """

    def __init__(self, effects: Iterable[Any] = ()) -> None:
        self._effects: list[Any] = []
        self._segments: list[_Segment] | None = None
        self._stream: tuple[float, int, int] | None = None
        self._silenced_blocks = 0  # at the chain's boundaries (neural pedals count their own)
        self._silenced_samples = 0
        self.extend(effects)

    # --- the list -------------------------------------------------------------------------
    def __getitem__(self, index):
        return self._effects[index]

    def __setitem__(self, index, effect) -> None:
        if isinstance(index, slice):
            effect = [_checked(e) for e in effect]
        else:
            effect = _checked(effect)
        self._effects[index] = effect
        self._changed()

    def __delitem__(self, index) -> None:
        del self._effects[index]
        self._changed()

    def __len__(self) -> int:
        return len(self._effects)

    def insert(self, index: int, effect: Any) -> None:
        self._effects.insert(index, _checked(effect))
        self._changed()

    def __repr__(self) -> str:
        return f"<neuralfx.Chain with {len(self)} effects: {self._effects!r}>"

    def _changed(self) -> None:
        # Regroup on the next call; the stream restarts, because new native runs need priming.
        self._segments = None
        self._stream = None

    # --- processing -----------------------------------------------------------------------
    @property
    def latency_samples(self) -> int:
        """Samples by which a stream's output lags its input (known once streaming has begun
        for plugins that reveal latency only by returning short blocks)."""
        return sum(segment.latency_samples for segment in self._grouped())

    @property
    def non_finite_samples(self) -> int:
        """NaN and Inf samples replaced by silence, in the chain's input or an effect's output,
        since the chain was made (neural pedals' own counts included)."""
        return self._silenced_samples + sum(getattr(e, "non_finite_samples", 0) for e in self._neural())

    @property
    def non_finite_blocks(self) -> int:
        """Blocks in which `non_finite_samples` were found (at one boundary each)."""
        return self._silenced_blocks + sum(e.non_finite_blocks for e in self._neural())

    def _neural(self) -> Iterator[NeuralPedal]:
        return (e for e in self._effects if isinstance(e, NeuralPedal))

    def reset(self) -> None:
        """Clear all effects' state; the next call starts a new stream."""
        for segment in self._grouped():
            segment.reset()
        self._stream = None

    def process(
        self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192, reset: bool = True
    ) -> np.ndarray:
        """Process audio through every effect in order. `buffer_size` is the largest block
        handed to native plugins; it is fixed when a stream starts (`reset=True`)."""
        audio, was_1d = as_channels_first(input_array)
        out = self.stream_block(audio, sample_rate, buffer_size, reset)
        return restore_layout(out.copy() if out is not audio else out, was_1d)

    __call__ = process

    def stream_block(
        self, audio: np.ndarray, sample_rate: float, buffer_size: int = 8192, reset: bool = False
    ) -> np.ndarray:
        """`process` for a host that owns its buffers (the live engine): `audio` is float32
        (channels, n) and may be changed; the result may be a buffer of an effect's, valid until
        the next call. Between neural pedals nothing is allocated; pedalboard's plugins return
        new arrays."""
        channels = audio.shape[0]
        if reset or self._stream is None:
            if buffer_size < 1:
                raise ValueError(f"buffer_size must be positive, got {buffer_size}")
            self._stream = (sample_rate, channels, int(buffer_size))
            for segment in self._grouped():
                segment.start(sample_rate, channels, int(buffer_size))
        elif self._stream[:2] != (sample_rate, channels):
            raise ValueError(
                f"the stream runs at {self._stream[0]} Hz with {self._stream[1]} channel(s), this block is "
                f"{sample_rate} Hz with {channels}: pass reset=True to start a new stream"
            )
        self._silence(audio)
        for segment in self._grouped():
            audio = segment.process(audio)
            self._silence(audio)
        return audio

    def _silence(self, audio: np.ndarray) -> None:
        silenced = silence_non_finite(audio)
        if silenced:
            self._silenced_blocks += 1
            self._silenced_samples += silenced

    def _grouped(self) -> list[_Segment]:
        if self._segments is None:
            segments: list[_Segment] = []
            for effect in self._effects:
                if _is_native(effect) and segments and isinstance(segments[-1], _NativeRun):
                    segments[-1].plugins.append(effect)
                else:
                    segments.append(_NativeRun([effect]) if _is_native(effect) else _PythonEffect(effect))
            self._segments = segments
        return self._segments

    def set_parameter(self, name: str, value: Any) -> None:
        """Set a neural-pedal parameter (`mix`, a model's `drive`...) on every neural pedal of the
        chain that has it. Raises ValueError when none has it, or the value is out of range."""
        pedals = [e for e in self._effects if isinstance(e, NeuralPedal) and e.has_parameter(name)]
        if not pedals:
            raise ValueError(f"no neural pedal of this chain has a parameter {name!r}")
        for pedal in pedals:
            pedal.set_parameter(name, value)

    # --- chain files ----------------------------------------------------------------------
    def to_dict(self, base_dir: str | Path | None = None) -> dict:
        """The chain file's content. Presets in a preset folder are saved by name; others by
        path, relative to `base_dir` (the chain file's folder) when they lie under it."""
        return {
            "format": CHAIN_FORMAT,
            "format_version": CHAIN_FORMAT_VERSION,
            "effects": [_describe(effect, Path(base_dir) if base_dir else None) for effect in self._effects],
        }

    def save(self, path: str | Path) -> None:
        """Write the chain as JSON (atomically): native plugins by class and parameters,
        VST3 plugins by file and parameters, neural pedals by preset and parameters."""
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(path.parent), indent=2) + "\n")

    @classmethod
    def from_dict(
        cls,
        chain_dict: dict,
        source: str = "chain",
        base_dir: str | Path | None = None,
        presets: Mapping[str, Preset] | None = None,
        allow_plugins: AllowPlugins = (),
    ) -> Chain:
        """Build a chain from `to_dict` content; relative paths resolve against `base_dir`.

        Args:
            presets: neural entries' "preset" references → presets already loaded (nothing is
                read for those).
            allow_plugins: native plugins that may load besides the trusted ones (True: any);
                see `neuralfx.plugins`. Consent is checked before any plugin loads.
        Raises:
            ValueError naming `source` and the problem (UntrustedPluginError for plugins).
        """
        base = Path(base_dir) if base_dir else None
        check_consent(chain_plugins(chain_dict, base, source), allow_plugins, source)
        chain = cls()
        for i, entry in _entries(chain_dict, source):
            try:
                chain.append(_build(entry, base, presets or {}))
            except (ValueError, TypeError, KeyError, AttributeError, RuntimeError) as exc:  # Runtime: pedalboard
                raise ValueError(f"{source}: effect {i}: {exc}") from None
        return chain

    @classmethod
    def load(cls, path: str | Path, allow_plugins: AllowPlugins = ()) -> Chain:
        """Read a chain file written by `save` (see `from_dict`). Raises ValueError naming the file
        and the problem."""
        return cls.from_dict(read_chain_file(path), str(path), Path(path).parent, allow_plugins=allow_plugins)


def read_chain_file(path: str | Path) -> dict:
    """A chain file's content, read safely: a regular file of at most MAX_CHAIN_BYTES, JSON
    nested at most 64 deep. Raises ValueError naming the file."""
    try:
        return read_json(Path(path), MAX_CHAIN_BYTES, "a chain file")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the chain file ({exc})") from None


def chain_plugins(chain_dict: dict, base_dir: str | Path | None = None, source: str = "chain") -> list[Path]:
    """The real paths of the native plugins a chain file names, in order. Loads nothing."""
    base = Path(base_dir) if base_dir else None
    return [
        real_path(_beside(_text(entry, "path", source, i), base))
        for i, entry in _entries(chain_dict, source)
        if entry.get("type") == "plugin"
    ]


def chain_presets(chain_dict: dict, base_dir: str | Path | None = None, source: str = "chain") -> list[Path]:
    """The preset files a chain file's neural pedals play, in order. Reads none of them.
    Raises ValueError (PresetError) for a preset that does not exist."""
    base = Path(base_dir) if base_dir else None
    return [
        preset_path(_preset_location(_text(entry, "preset", source, i), base))
        for i, entry in _entries(chain_dict, source)
        if entry.get("type") == "neural"
    ]


def _entries(chain_dict: object, source: str) -> Iterator[tuple[int, dict]]:
    """A chain file's effect entries, numbered; raises ValueError for anything else."""
    if not isinstance(chain_dict, dict) or chain_dict.get("format") != CHAIN_FORMAT:
        raise ValueError(f'{source}: not a neuralfx chain file (no "format": "{CHAIN_FORMAT}")')
    if chain_dict.get("format_version") != CHAIN_FORMAT_VERSION:
        raise ValueError(f"{source}: unsupported chain format_version {chain_dict.get('format_version')!r}")
    effects = chain_dict.get("effects")
    if not isinstance(effects, list):
        raise ValueError(f'{source}: "effects" must be a list')
    for i, entry in enumerate(effects):
        if not isinstance(entry, dict):
            raise ValueError(f"{source}: effect {i}: an effect entry must be a JSON object")
        yield i, entry


def _text(entry: dict, key: str, source: str, index: int) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{source}: effect {index}: {key!r} must be a file name or path, got {value!r}")
    return value


def _checked(effect: Any) -> Any:
    if _is_native(effect) or callable(getattr(effect, "process", None)):
        return effect
    raise TypeError(
        f"{effect!r} is not an effect: add a pedalboard plugin, a NeuralPedal, or an object with "
        "process(audio, sample_rate, buffer_size, reset)"
    )


class _Segment(ABC):
    """One step of a chain. Output is kept as long as the input by padding in front."""

    def __init__(self) -> None:
        self._padding = 0
        self._fifo: SampleFifo | None = None

    @property
    def latency_samples(self) -> int:
        return self._padding

    def start(self, sample_rate: float, channels: int, block: int) -> None:
        self._rate, self._block = sample_rate, block
        self._first = True
        self._padding = 0
        self._fifo = SampleFifo(channels, 0)

    def process(self, audio: np.ndarray) -> np.ndarray:
        n = audio.shape[1]
        out = self._run(audio)
        self._first = False
        if out.shape[1] == n and not len(self._fifo):
            return out  # the usual case: as long as the input, nothing queued
        self._fifo.push(out)
        short = n - len(self._fifo)
        if short > 0:
            self._fifo.push_front_silence(short)
            self._padding += short
        return self._fifo.pop(n)

    @abstractmethod
    def reset(self) -> None: ...

    @abstractmethod
    def _run(self, audio: np.ndarray) -> np.ndarray: ...


class _NativeRun(_Segment):
    def __init__(self, plugins: list[pedalboard.Plugin]) -> None:
        super().__init__()
        self.plugins = plugins

    @property
    def latency_samples(self) -> int:
        reported = sum(getattr(p, "reported_latency_samples", 0) for p in self.plugins)
        return reported + self._padding

    def start(self, sample_rate: float, channels: int, block: int) -> None:
        super().start(sample_rate, channels, block)
        self._board = pedalboard.Pedalboard(self.plugins)
        self._board(np.zeros((channels, block), np.float32), sample_rate, buffer_size=block, reset=True)

    def reset(self) -> None:
        for plugin in self.plugins:
            plugin.reset()

    def _run(self, audio: np.ndarray) -> np.ndarray:
        pieces = []
        for start in range(0, audio.shape[1], self._block):
            piece = audio[:, start : start + self._block]
            pieces.append(self._board(piece, self._rate, buffer_size=self._block, reset=self._first and start == 0))
        return np.concatenate(pieces, axis=1) if len(pieces) != 1 else pieces[0]


class _PythonEffect(_Segment):
    def __init__(self, effect: Any) -> None:
        super().__init__()
        self.effect = effect

    @property
    def latency_samples(self) -> int:
        return int(getattr(self.effect, "latency_samples", 0)) + self._padding

    def reset(self) -> None:
        self.effect.reset()

    def _run(self, audio: np.ndarray) -> np.ndarray:
        if isinstance(self.effect, NeuralPedal):
            return self.effect.stream_block(audio, self._rate, reset=self._first)
        out = self.effect.process(audio, self._rate, buffer_size=self._block, reset=self._first)
        return np.asarray(out, dtype=np.float32).reshape(audio.shape[0], -1)


# --- chain file entries -------------------------------------------------------------------
def _preset_reference(path: Path, base_dir: Path | None) -> str:
    path = path.resolve()
    if any(path.parent == folder.resolve() for folder in preset_dirs()):
        return path.stem
    if base_dir is not None and path.is_relative_to(base_dir.resolve()):
        return str(path.relative_to(base_dir.resolve()))
    return str(path)


def _describe(effect: Any, base_dir: Path | None) -> dict:
    if isinstance(effect, NeuralPedal):
        if effect.preset.path is None:
            raise ValueError(f"{effect!r} was built from an unsaved preset; save the preset first")
        return {
            "type": "neural",
            "preset": _preset_reference(effect.preset.path, base_dir),
            "parameters": effect.parameters(),
        }
    if isinstance(effect, pedalboard.ExternalPlugin):
        path = _plugin_paths.get(effect)
        if path is None:
            raise ValueError(
                f"cannot save {effect.name!r}: its file is unknown. Load it with neuralfx.chain.load_plugin(path)"
            )
        return {
            "type": "plugin",
            "path": path,
            "parameters": {name: p.raw_value for name, p in effect.parameters.items()},
        }
    if _is_native(effect) and type(effect).__name__ not in _NOT_NATIVE_EFFECTS:
        return {"type": "native", "class": type(effect).__name__, "parameters": _native_parameters(effect)}
    raise ValueError(f"cannot save {effect!r} in a chain file: only neural pedals and pedalboard plugins")


def _native_parameters(plugin: pedalboard.Plugin) -> dict[str, Any]:
    cls = type(plugin)
    names = settable_parameters(cls) + [n for n in _constructor_files(cls) if getattr(plugin, n) is not None]
    if any(getattr(plugin, n) is None for n in _constructor_files(cls)):
        raise ValueError(f"cannot save {plugin!r}: it was not made from a file")
    values = {}
    for name in names:
        value = getattr(plugin, name)
        values[name] = value.name if hasattr(type(value), "__members__") else value  # enums by name
    return values


def _constructor_files(plugin_class: type) -> list[str]:
    """Read-only file properties set through the constructor (Convolution's impulse response)."""
    return [
        name
        for name, attribute in vars(plugin_class).items()
        if isinstance(attribute, property) and attribute.fset is None and name.endswith("_filename")
    ]


def _build(entry: dict, base_dir: Path | None, presets: Mapping[str, Preset]) -> Any:
    kind = entry.get("type")
    parameters = entry.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ValueError('"parameters" must be an object')
    if kind == "neural":
        reference = str(entry["preset"])
        if reference in presets:
            return NeuralPedal(presets[reference], **parameters)
        return NeuralPedal(load_preset(_preset_location(reference, base_dir)), **parameters)
    if kind == "plugin":
        return load_plugin(_beside(str(entry["path"]), base_dir), parameters)  # consent was checked first
    if kind == "native":
        name = entry.get("class")
        cls = getattr(pedalboard, str(name), None)
        if not (isinstance(cls, type) and issubclass(cls, pedalboard.Plugin)) or name in _NOT_NATIVE_EFFECTS:
            raise ValueError(f"unknown pedalboard plugin class {name!r}")
        settable = set(settable_parameters(cls))
        for key, value in parameters.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name} parameter {key!r} must be a finite number, got {value}")
        for key in _constructor_files(cls):  # read by pedalboard: only regular files of bounded size
            if parameters.get(key) is not None:
                _check_audio_file(Path(parameters[key]), f"{name}'s {key}")
        plugin = cls(**{k: v for k, v in parameters.items() if k not in settable})
        for key, value in parameters.items():
            if key not in settable:
                continue
            current = getattr(plugin, key)
            if hasattr(type(current), "__members__"):  # a pybind11 enum, saved by name
                value = type(current).__members__[value]
            setattr(plugin, key, value)
        return plugin
    raise ValueError(f"unknown effect type {kind!r} (expected neural, native or plugin)")


def _check_audio_file(path: Path, what: str) -> None:
    try:
        check_regular_file(path, MAX_AUDIO_FILE_BYTES, what)
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path} ({exc.strerror})") from None


def _beside(path: str, base_dir: Path | None) -> Path:
    """A path from a chain file: relative ones are relative to the chain file's folder."""
    return base_dir / path if base_dir is not None and not Path(path).is_absolute() else Path(path)


def _preset_location(reference: str, base_dir: Path | None) -> str | Path:
    """A neural entry's "preset": a file (beside the chain file) when it looks like one, else a name."""
    if Path(reference).suffix.lower() in PRESET_SUFFIXES or len(Path(reference).parts) > 1:
        return _beside(reference, base_dir)
    return reference
