"""`neuralfx train` and `neuralfx capture-signal`.

Imports only the standard library (and progress.py, which needs nothing else) at module level: the
`neuralfx` command builds its parser without loading torch. The handlers import the training modules
when they run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from .progress import say

# Every training option: name → (default, type, help). A JSON config file may set any of them;
# flags given on the command line override the file.
OPTIONS: dict[str, tuple[object, type, str]] = {
    "channels": (16, int, "channels per layer"),
    "kernel_size": (3, int, "convolution kernel size"),
    "dilation_depth": (8, int, "dilations 1, 2, 4 … 2^(depth−1) per stack"),
    "repeats": (3, int, "stacks of dilations (layers = depth × repeats)"),
    "epochs": (100, int, "most epochs to train (an epoch covers the training audio once)"),
    "time_budget_min": (None, float, "stop after this many minutes (validation included)"),
    "patience": (20, int, "stop after this many epochs without a better validation ESR"),
    "batch_size": (4, int, "windows per step"),
    "window": (8192, int, "output samples per window (each also reads its receptive field)"),
    "learning_rate": (3e-3, float, "peak Adam learning rate"),
    "final_learning_rate": (3e-5, float, "learning rate at the end of the cosine decay"),
    "warmup_steps": (30, int, "steps of linear learning-rate warm-up"),
    "grad_clip": (2.0, float, "gradient-norm clipping"),
    "stft_weight": (0.0, float, "weight of a multi-resolution STFT term added to the ESR loss"),
    "seed": (0, int, "random seed (model init and window order)"),
    "device": ("auto", str, "cpu, cuda, or auto (CUDA when present)"),
    "threads": (None, int, "CPU threads for torch (default: torch's choice)"),
    "latency": (None, int, "the target's delay behind the input in samples, instead of detecting it"),
    "validation_s": (None, float, "seconds held out from the end for validation (default 10 %%)"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a preset from a dry input and the pedal's recorded output",
        description="Train a PedalNet preset from an input/target pair. Options come from the flags, a JSON "
        "config file (--config) holding the same names with underscores, or the defaults, in that order.",
    )
    train.add_argument("--input", required=True, type=Path, help="the dry signal played into the pedal")
    train.add_argument("--target", required=True, type=Path, help="the pedal's output, recorded")
    train.add_argument("-o", "--output", required=True, type=Path, help="the preset to write (.nfx)")
    train.add_argument("--name", help="the preset's display name (default: the output file's name)")
    train.add_argument("--pedal", help="what was captured, said honestly (e.g. 'Ibanez TS9, serial …')")
    train.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE", help="a knob setting (repeat)")
    train.add_argument("--config", type=Path, help="a JSON file of training options")
    train.add_argument("--report-dir", type=Path, help="where the report, plots and checkpoint go")
    train.add_argument("--resume", action="store_true", help="continue from the report folder's checkpoint")
    train.add_argument("--ignore-checks", action="store_true", help="train even if the data checks fail")
    for name, (default, kind, text) in OPTIONS.items():
        shown = "" if default is None else f" (default {default})"
        train.add_argument("--" + name.replace("_", "-"), type=kind, default=None, help=text + shown)
    train.set_defaults(handler=_train)

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


def resolve_options(args: argparse.Namespace) -> dict[str, object]:
    """Defaults, then the config file, then the flags given."""
    options = {name: default for name, (default, _, _) in OPTIONS.items()}
    if args.config:
        try:
            loaded = json.loads(args.config.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{args.config}: cannot read the config file ({exc})") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{args.config}: the config file must hold a JSON object of option names")
        unknown = sorted(set(loaded) - set(OPTIONS))
        if unknown:
            raise ValueError(f"{args.config}: unknown options {unknown}; known: {', '.join(OPTIONS)}")
        for name, value in loaded.items():
            kind = OPTIONS[name][1]
            options[name] = value if value is None else kind(value)
    options.update({name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None})
    return options


def _output_path(path: Path, sources: tuple[Path, ...]) -> Path:
    if path.suffix == "":
        path = path.with_suffix(".nfx")
    if path.suffix != ".nfx":
        raise ValueError(f"{path}: a preset file must end in .nfx")
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
    import torch

    import neuralfx
    from neuralfx.models import PedalNetConfig

    from .data import prepare_pair
    from .export import export_preset
    from .loop import Trainer, TrainSettings
    from .report import build_report, write_json, write_plots

    options = resolve_options(args)
    output = _output_path(args.output, (args.input, args.target))
    report_dir = args.report_dir or output.with_name(output.stem + ".training")
    knobs = _knobs(args.knob)
    config = PedalNetConfig(
        channels=options["channels"],
        kernel_size=options["kernel_size"],
        dilations=tuple(2**i for i in range(options["dilation_depth"])) * options["repeats"],
    )
    budget_min = options["time_budget_min"]
    settings = TrainSettings(
        time_budget_s=None if budget_min is None else 60 * budget_min,
        **{f.name: options[f.name] for f in dataclasses.fields(TrainSettings) if f.name in options},
    )
    if options["threads"]:
        torch.set_num_threads(options["threads"])

    data = prepare_pair(args.input, args.target, options["latency"], options["validation_s"], args.ignore_checks)
    alignment, summary = data.alignment, data.summary()
    say(f"latency: the target lags the input by {alignment.delay_samples} samples ({alignment.method})")
    for finding in data.findings:
        say(f"{finding.severity}: {finding.message}")
    if data.self_esr is not None:
        say(f"self-ESR of the two validation passes: {data.self_esr:.5f}")
    say(
        f"training on {summary['training_s']:.1f} s, validating on {summary['validation_s']:.1f} s; "
        f"{config.num_parameters()} parameters, receptive field {config.receptive_field} samples"
    )

    report_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(data, config, settings, checkpoint_path=report_dir / "checkpoint.pt")
    result = trainer.run(resume=args.resume)
    say(
        f"best validation ESR {result.validation_esr:.4f} ({result.grade}) at epoch {result.best_epoch}; "
        f"{result.epochs} epochs in {result.elapsed_s / 60:.1f} min, {result.samples_per_s / 1e3:.0f}k samples/s, "
        f"stopped: {result.stopped}"
    )

    provenance = {
        "trainer": "neuralfx train",
        "data": {
            "input": args.input.name,
            "target": args.target.name,
            **{key: summary[key] for key in ("training_s", "validation_s", "sample_rate")},
        },
        "latency_samples": alignment.delay_samples,
        "latency_method": alignment.method,
        "validation_esr_measured_on": data.validation_description,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "training_time_s": round(result.elapsed_s, 1),
        "samples_per_s": round(result.samples_per_s),
        "device": result.device,
        "seed": settings.seed,
        "neuralfx_version": neuralfx.__version__,
        "torch_version": torch.__version__,
    }
    preset = export_preset(
        result.model,
        data.sample_rate,
        output,
        name=args.name or output.stem,
        pedal=args.pedal or f"captured from {args.target.name}",
        knobs=knobs,
        validation_esr=result.validation_esr,
        provenance=provenance,
    )
    report = build_report(result, data, options, preset=str(output), loudness_db=preset.metadata.loudness_db)
    write_json(report, report_dir / "report.json")
    write_plots(result, data, report_dir)
    say(f"wrote {output} (loudness {preset.metadata.loudness_db:.1f} dBFS) and its report in {report_dir}/")
    return 130 if result.stopped == "interrupted" else 0


def _capture_signal(args: argparse.Namespace) -> int:
    from .capture import capture_layout, write_capture_signal

    if args.sample_rate < 8000:
        raise ValueError(f"--sample-rate {args.sample_rate} is too low: use your interface's rate, e.g. 48000")
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
