"""`neuralfx process`: render one audio file through a preset or a chain.

    neuralfx process di.wav -o reamped.wav --preset ts9 --tail 2

Exit codes: 0 done, 1 the file failed, 2 usage error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..console import printable
from ..fileio import check_replaceable, same_file
from .options import (
    FORMATS,
    UsageError,
    add_common_options,
    effect_from_args,
    explain,
    marker,
    render_settings,
    usage_errors,
)
from .outcome import Outcome
from .render import render_file

_SUFFIX_FORMATS = {".wav": "WAV", ".wave": "WAV", ".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF", ".ogg": "OGG"}


def register(commands: argparse._SubParsersAction) -> None:
    process = commands.add_parser("process", help="render one audio file through a preset or a chain")
    process.add_argument("input", type=Path, help="the audio file to process (wav, flac, aiff, ogg, mp3)")
    process.add_argument(
        "-o", "--output", type=Path, required=True, help="the file to write; its suffix picks the format"
    )
    process.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    add_common_options(process)
    process.set_defaults(handler=_process)


@usage_errors("process")
def _process(args: argparse.Namespace) -> int:
    input_path, output = args.input, args.output
    if not input_path.is_file():
        what = "not a regular file (a pipe, device or folder)" if input_path.exists() else "no such file"
        raise UsageError(f"{input_path}: {what}")
    if same_file(output, input_path):
        raise UsageError(f"{output} is the input file: refusing to write over it (choose another output)")
    if output.exists() and not args.force:
        raise UsageError(f"{output} exists: pass --force to overwrite it")
    try:
        check_replaceable(output)  # --force replaces files, never a device or a pipe
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such folder")
    output_format = _SUFFIX_FORMATS.get(output.suffix.lower())
    if args.format and output_format not in (None, FORMATS[args.format]):
        raise UsageError(f"{output.name!r} names a {output_format} file but --format is {args.format}: make them agree")
    if not args.format and output_format is None:
        raise UsageError(f"cannot tell the format from {output.name!r}: name it .wav, .flac, .aiff or .ogg")
    settings = render_settings(args, output_format)
    _, effect, fingerprint = effect_from_args(args)
    started = time.perf_counter()
    try:
        result = render_file(effect, input_path, output, settings, marker=marker(fingerprint, settings))
    except Exception as exc:
        print(printable(f"neuralfx process: {input_path}: {explain(input_path, exc)}"), file=sys.stderr)
        return 1
    outcome = Outcome(str(input_path), str(output), "todo")
    outcome.record(result, time.perf_counter() - started)
    print(printable(f"{output}: {outcome.describe()}; {outcome.seconds:.1f} s of audio in {outcome.elapsed_s:.1f} s"))
    return 0
