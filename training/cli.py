"""`neuralfx train` and `neuralfx capture-signal`.

Imports no torch at module level (settings.py and progress.py need none): the `neuralfx` command
builds its parser without loading it. The handlers import the training modules when they run.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from neuralfx.audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE

from .architectures import check_output, output_suffixes
from .progress import say
from .settings import TrainSettings, flag


def register_train(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a preset from a dry input and the pedal's recorded output",
        description="Train a PedalNet preset from an input/target pair, or a preset with knobs from captures at "
        "several settings (--captures). Options come from the flags, a JSON config file (--config) holding the "
        "same names with underscores, or the defaults, in that order.",
    )
    train.add_argument("--input", type=Path, help="the dry signal played into the pedal")
    train.add_argument("--target", type=Path, help="the pedal's output, recorded")
    train.add_argument(
        "--captures",
        type=Path,
        metavar="MANIFEST.json",
        help="instead of --input/--target: the pedal recorded at several knob settings (see docs/capture.md)",
    )
    train.add_argument("-o", "--output", required=True, type=Path, help="the preset to write (.nfx or .nam)")
    train.add_argument("--name", help="the preset's display name (default: the output file's name)")
    train.add_argument("--pedal", help="what was captured, said honestly (e.g. 'Ibanez TS9, serial …')")
    train.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE", help="a knob setting (repeat)")
    train.add_argument("--config", type=Path, help="a JSON file of training options")
    train.add_argument("--report-dir", type=Path, help="where the report, plots and checkpoint go")
    train.add_argument("--resume", action="store_true", help="continue from the report folder's checkpoint")
    train.add_argument(
        "--force", action="store_true", help="start afresh, replacing an existing output preset and checkpoint"
    )
    train.add_argument("--ignore-checks", action="store_true", help="train even if the data checks fail")
    for option in dataclasses.fields(TrainSettings):
        shown = "" if option.default is None else f" (default {option.default})"
        kind, text = option.metadata["type"], option.metadata["help"]
        train.add_argument(flag(option.name), type=kind, default=None, help=text + shown)
    train.set_defaults(handler=_train)


def register_capture_signal(subparsers: argparse._SubParsersAction) -> None:
    capture = subparsers.add_parser(
        "capture-signal",
        help="write the reamp signal to play through your pedal",
        description="Write the capture signal: play it through your pedal, record the output from its first "
        "sample to its last, then `neuralfx train --input SIGNAL --target RECORDING`.",
    )
    capture.add_argument("output", type=Path, help="the audio file to write (e.g. capture.wav)")
    capture.add_argument("--sample-rate", type=int, default=48000, help="sample rate in Hz (default 48000)")
    capture.add_argument(
        "--subtype", default="FLOAT", choices=("FLOAT", "PCM_24", "PCM_16"), help="sample format (default FLOAT)"
    )
    capture.add_argument("--force", action="store_true", help="replace the output file if it exists")
    capture.set_defaults(handler=_capture_signal)


def train_settings(args: argparse.Namespace) -> TrainSettings:
    """The defaults, then the config file, then the flags given."""
    given = {
        f.name: getattr(args, f.name) for f in dataclasses.fields(TrainSettings) if getattr(args, f.name) is not None
    }
    return TrainSettings.from_config_file(args.config, **given) if args.config else TrainSettings(**given)


def _output_path(path: Path, sources: tuple[Path, ...], architecture: str) -> Path:
    """The preset to write (its suffix added when none is given)."""
    if path.suffix == "":
        path = path.with_suffix(output_suffixes(architecture)[0])
    check_output(path, architecture)
    if any(path.resolve() == s.resolve() for s in sources):
        raise ValueError(f"{path}: the output would overwrite one of the audio files")
    if not path.parent.is_dir():
        raise ValueError(f"{path}: the folder {path.parent} does not exist")
    return path


def _knobs(pairs: list[str]) -> dict[str, float | str]:
    knobs: dict[str, float | str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--knob {pair!r}: write it as NAME=VALUE, e.g. --knob drive=0.5")
        try:
            knobs[name] = float(value)
        except ValueError:
            knobs[name] = value
    return knobs


def _train(args: argparse.Namespace) -> int:
    from .train import train, train_captures

    one_pair = args.input is not None and args.target is not None and args.captures is None
    if not one_pair and (args.captures is None or args.input is not None or args.target is not None):
        raise ValueError("give --input and --target (one pair), or --captures (a pedal at several knob settings)")
    if args.captures and args.knob:
        raise ValueError("--knob records one setting's knobs; with --captures the manifest gives each capture's")
    settings = train_settings(args)
    common = {"name": args.name, "pedal": args.pedal, "report_dir": args.report_dir, "resume": args.resume}
    common.update(ignore_checks=args.ignore_checks, force=args.force)
    if args.captures:
        output = _output_path(args.output, (args.captures,), settings.architecture)
        run = train_captures(args.captures, output, settings, **common)
    else:
        output = _output_path(args.output, (args.input, args.target), settings.architecture)
        run = train(args.input, args.target, output, settings, knobs=_knobs(args.knob), **common)
    return 130 if run.result.stopped == "interrupted" else 0


def _capture_signal(args: argparse.Namespace) -> int:
    from .capture import capture_layout, write_capture_signal

    if not MIN_SAMPLE_RATE <= args.sample_rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"--sample-rate {args.sample_rate} is not an interface's rate: give one from {MIN_SAMPLE_RATE} to "
            f"{MAX_SAMPLE_RATE} Hz, e.g. 48000"
        )
    if args.output.exists() and not args.force:
        raise ValueError(f"{args.output} exists: pass --force to replace it, or name another file")
    write_capture_signal(args.output, args.sample_rate, args.subtype)
    seconds = capture_layout(args.sample_rate).total_samples / args.sample_rate
    say(
        f"wrote {args.output} ({seconds:.0f} s at {args.sample_rate} Hz). Play it through your pedal at the "
        "settings you want, record the pedal's output (mono, same sample rate, no other effects, peaks below "
        "-1 dBFS) from the signal's first sample to its last, then run:\n"
        f"  neuralfx train --input {args.output} --target recording.wav --name 'My pedal' -o my_pedal.nfx"
    )
    return 0
