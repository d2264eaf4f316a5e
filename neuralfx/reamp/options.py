"""What `neuralfx process` and `neuralfx batch` share: their options, the effect they load, the
render settings, and the words for a file that failed."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import soundfile as sf

from ..audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from ..chain import Chain, chain_plugins, chain_presets, read_chain_file
from ..console import add_set_option, print_error
from ..fileio import read_capped
from ..pedal import NeuralPedal
from ..plugins import check_consent
from ..preset import MAX_PRESET_BYTES, PresetError, load_preset, preset_path
from .render import FORMAT_SUFFIXES, MAX_TAIL_S, RenderSettings, WriteError

FORMATS = {name.lower(): name for name in FORMAT_SUFFIXES}  # --format wav → "WAV"
_MARKER_PREFIX = "neuralfx render "


class UsageError(Exception):
    """Bad arguments: exit code 2."""


# --- the effect ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectSource:
    """Where the effect comes from; workers load it from here once each. `plugins`: the real
    paths of the chain's plugins that were consented to (see `neuralfx.plugins`)."""

    kind: str  # "preset" or "chain"
    path: Path
    plugins: tuple[str, ...] = ()  # the native plugins the command consented to
    parameters: tuple[tuple[str, float | str], ...] = ()  # --set NAME=VALUE, in order

    def load(self) -> Any:
        if self.kind == "preset":
            effect = NeuralPedal(load_preset(self.path))
        else:
            effect = Chain.load(self.path, allow_plugins=self.plugins)
        for name, value in self.parameters:
            effect.set_parameter(name, value)
        return effect


def effect_from_args(args: argparse.Namespace, load: bool = True) -> tuple[EffectSource, Any, str]:
    """(source, the loaded effect, its `fingerprint`).

    A chain's plugins must be trusted or allowed (--allow-plugins). With load=False (a dry run)
    they are checked but not loaded, so no plugin code runs, and the effect is None.
    """
    try:
        parameters = tuple(args.set)
        if args.preset:
            source = EffectSource("preset", preset_path(args.preset).resolve(), parameters=parameters)
            effect = source.load()
        else:
            source, effect = _chain(Path(args.chain), args.allow_plugins, parameters, load)
        return source, effect, fingerprint(source)
    except (PresetError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{exc.filename or args.chain or args.preset}: cannot read it ({exc.strerror})") from None


def _chain(path: Path, allow_plugins: bool, parameters: tuple, load: bool) -> tuple[EffectSource, Any]:
    chain_dict = read_chain_file(path)
    base, name = path.resolve().parent, str(path)
    plugins = chain_plugins(chain_dict, base, name)
    check_consent(plugins, allow_plugins, name)
    source = EffectSource("chain", path.resolve(), tuple(map(str, plugins)), parameters)
    if load:
        return source, source.load()
    for preset in chain_presets(chain_dict, base, name):
        load_preset(preset)  # presets are data: a dry run checks them too
    return source, None


def fingerprint(source: EffectSource) -> str:
    """A sha256 over what the effect is made of: its kind, its --set parameters and its files (the
    preset, or the chain file and its presets). Raises OSError or ValueError."""
    digest = hashlib.sha256(source.kind.encode())
    if source.parameters:
        digest.update(repr(source.parameters).encode())
    files = [source.path]
    if source.kind == "chain":
        files += chain_presets(read_chain_file(source.path), source.path.parent, str(source.path))
    for file in files:
        digest.update(read_capped(file, MAX_PRESET_BYTES, "an effect's file"))
    return digest.hexdigest()


def add_common_options(parser: argparse.ArgumentParser) -> None:
    effect = parser.add_mutually_exclusive_group(required=True)
    effect.add_argument("--preset", metavar="NAME|PATH", help="a preset name, or a .nfx or .nam file")
    effect.add_argument("--chain", metavar="CHAIN.json", help="a chain file (see neuralfx.Chain.save)")
    add_set_option(parser)
    parser.add_argument(
        "--allow-plugins",
        action="store_true",
        help="let the chain load native (VST3) plugins that are not trusted: their code runs with your rights",
    )
    parser.add_argument(
        "--tail",
        type=tail_seconds,
        default=0.0,
        metavar="SECONDS",
        help=f"ring-out appended after the input (at most {MAX_TAIL_S:g})",
    )
    parser.add_argument(
        "--normalize-db",
        type=float,
        metavar="LUFS",
        help="scale each output to this integrated loudness (ITU-R BS.1770-4, LUFS), e.g. -18",
    )
    parser.add_argument("--format", choices=sorted(FORMATS), help="output format (default: the input's; mp3 → wav)")
    parser.add_argument(
        "--subtype", type=str.upper, help="output subtype, e.g. PCM_16, PCM_24, FLOAT (default: input's)"
    )
    parser.add_argument(
        "--sample-rate",
        type=sample_rate,
        metavar="HZ",
        help=f"output sample rate, {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} (default: the input's)",
    )


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def tail_seconds(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and 0 <= value <= MAX_TAIL_S):
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds from 0 to {MAX_TAIL_S:g} (reverbs and delays ring out within it), got {text}"
        )
    return value


def sample_rate(text: str) -> int:
    value = int(text)
    if not MIN_SAMPLE_RATE <= value <= MAX_SAMPLE_RATE:
        raise argparse.ArgumentTypeError(f"must be a rate from {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz, got {text}")
    return value


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def render_settings(args: argparse.Namespace, output_format: str | None = None) -> RenderSettings:
    fmt = output_format or (FORMATS[args.format] if args.format else None)
    if args.subtype and args.subtype not in sf.available_subtypes():
        raise UsageError(f"unknown subtype {args.subtype!r} (try PCM_16, PCM_24, PCM_32, FLOAT, DOUBLE)")
    if fmt and args.subtype and not sf.check_format(fmt, args.subtype):
        raise UsageError(f"{fmt} files cannot hold subtype {args.subtype}")
    if args.normalize_db is not None and not math.isfinite(args.normalize_db):
        raise UsageError(f"--normalize-db must be a finite loudness in LUFS, got {args.normalize_db}")
    return RenderSettings(args.tail, args.normalize_db, fmt, args.subtype, args.sample_rate)


def usage_errors(command: str):
    """Decorator: a UsageError becomes a message and exit code 2."""

    def wrap(handler):
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except UsageError as exc:
                print_error(command, exc)
                return 2

        return run

    return wrap


def explain(path: Path, exc: BaseException) -> str:
    """A specific message for a file that failed."""
    if isinstance(exc, ValueError | WriteError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or path})"
    if not isinstance(exc, sf.LibsndfileError):  # soundfile's reading errors; anything else is the effect's
        return f"{type(exc).__name__}: {exc}"
    message = str(exc).replace(f"Error opening {str(path)!r}: ", "")
    try:
        with path.open("rb") as file:
            head = file.read(48)
    except OSError as err:
        return f"cannot read the file ({err.strerror})"
    if not head:
        return "empty file (0 bytes)"
    if "not recognised" in message:  # libsndfile: "Format not recognised."
        text = head.decode("utf-8", "replace").rstrip("\ufffd")  # the cut may split a character
        if "\ufffd" not in text and all(c.isprintable() or c.isspace() for c in text):
            return f"not audio: a text file (starts {text[:24]!r})"
        return f"not a recognised audio file ({message})"
    return f"cannot decode: {message}"


def marker(fingerprint: str, settings: RenderSettings, *input_identity: object) -> str:
    """The comment stored in each output, naming the effect, settings and input it was made from.
    Outputs are renamed into place only when complete, so a matching marker means complete."""
    text = json.dumps([fingerprint, asdict(settings), *input_identity])
    return _MARKER_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]
