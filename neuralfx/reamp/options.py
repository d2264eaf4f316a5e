"""What `neuralfx process` and `neuralfx batch` share: their options, the effect they load, the
render settings, and the words for a file that failed."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import soundfile as sf

from ..chain import Chain
from ..pedal import NeuralPedal
from ..preset import PresetError, load_preset, preset_path
from .render import FORMAT_SUFFIXES, RenderSettings

FORMATS = {name.lower(): name for name in FORMAT_SUFFIXES}  # --format wav → "WAV"
_MARKER_PREFIX = "neuralfx render "


class UsageError(Exception):
    """Bad arguments: exit code 2."""


# --- the effect ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectSource:
    """Where the effect comes from; workers load it from here once each."""

    kind: str  # "preset" or "chain"
    path: Path

    def load(self) -> Any:
        return NeuralPedal(load_preset(self.path)) if self.kind == "preset" else Chain.load(self.path)


def effect_from_args(args: argparse.Namespace) -> tuple[EffectSource, Any, str]:
    """(source, the loaded effect, a fingerprint of every file it is made of)."""
    try:
        if args.preset:
            source = EffectSource("preset", preset_path(args.preset).resolve())
        else:
            source = EffectSource("chain", Path(args.chain).resolve())
        effect = source.load()
    except (PresetError, ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    return source, effect, fingerprint(source, effect)


def fingerprint(source: EffectSource, effect: Any) -> str:
    """A sha256 over every file `effect`, loaded from `source`, is made of."""
    digest = hashlib.sha256(source.kind.encode())
    digest.update(source.path.read_bytes())
    for pedal in effect if isinstance(effect, Chain) else []:
        if isinstance(pedal, NeuralPedal):
            digest.update(pedal.preset.path.read_bytes())
    return digest.hexdigest()


def add_common_options(parser: argparse.ArgumentParser) -> None:
    effect = parser.add_mutually_exclusive_group(required=True)
    effect.add_argument("--preset", metavar="NAME|PATH", help="a preset name or .nfx file")
    effect.add_argument("--chain", metavar="CHAIN.json", help="a chain file (see neuralfx.Chain.save)")
    parser.add_argument(
        "--tail", type=non_negative_float, default=0.0, metavar="SECONDS", help="ring-out appended after the input"
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
        "--sample-rate", type=positive_int, metavar="HZ", help="output sample rate (default: the input's)"
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


def non_negative_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number ≥ 0, got {text}")
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
                print(f"neuralfx {command}: error: {exc}", file=sys.stderr)
                return 2

        return run

    return wrap


def explain(path: Path, exc: BaseException) -> str:
    """A specific message for a file that failed."""
    if isinstance(exc, ValueError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or path})"
    if not isinstance(exc, RuntimeError):  # soundfile's errors are RuntimeErrors; anything else is the effect's
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
