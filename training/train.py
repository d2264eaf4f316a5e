"""Training from Python: `train()` turns an input/target pair into a preset, its report and plots.
`neuralfx train` and the recipes call it.

    from neuralfx_training.settings import TrainSettings
    from neuralfx_training.train import train

    run = train("capture.wav", "recorded.wav", "my_ts9.nfx", TrainSettings(time_budget_min=20), name="My TS9")
    print(run.result.validation_esr, run.report_dir)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

import neuralfx
from neuralfx.preset import Preset

from .data import DataError, TrainingData, prepare_pair
from .export import export_preset
from .loop import Trainer, TrainingResult
from .progress import say
from .report import build_report, write_json, write_plots
from .settings import TrainSettings


@dataclass
class TrainingRun:
    """What `train` made: the preset (written), the run's result, its report (written as
    report.json in `report_dir`, beside the plots) and the data it trained on."""

    preset: Preset
    result: TrainingResult
    report: dict
    report_dir: Path
    data: TrainingData


def train(
    input_path: str | Path,
    target_path: str | Path,
    output: str | Path,
    settings: TrainSettings | None = None,
    *,
    name: str | None = None,
    pedal: str | None = None,
    knobs: dict[str, float | str] | None = None,
    report_dir: str | Path | None = None,
    resume: bool = False,
    ignore_checks: bool = False,
    force: bool = False,
    log: Callable[[str], None] = say,
) -> TrainingRun:
    """Train a preset on a dry input and the pedal's recorded output, and write it to `output`.

    Args:
        settings: the training options (default: `TrainSettings()`).
        name: the preset's display name (default: the output file's name).
        pedal: what was captured, said honestly.
        knobs: the pedal's knob settings at capture.
        report_dir: where the report, plots and checkpoint go (default: beside the output).
        resume: continue from the report folder's checkpoint (and replace that run's preset).
        ignore_checks: train even if the data checks fail.
        force: start afresh even if `output` or the report folder's checkpoint exists (replacing
            them); without it, or `resume`, an existing one stops the run before it starts.
    Raises:
        ValueError (DataError, PresetError): the files or settings are unusable.
    """
    settings = settings or TrainSettings()
    input_path, target_path, output = Path(input_path), Path(target_path), Path(output)
    report_dir = Path(report_dir) if report_dir else output.with_name(output.stem + ".training")
    checkpoint = report_dir / "checkpoint.pt"
    if not (force or resume):
        for existing, what in ((output, "a preset"), (checkpoint, "the checkpoint of an earlier run")):
            if existing.exists():
                raise DataError(
                    f"{existing} exists ({what}): pass --force to replace it, --resume to continue that run, "
                    "or write elsewhere"
                )
    if settings.threads:
        torch.set_num_threads(settings.threads)

    data = prepare_pair(input_path, target_path, settings.latency, settings.validation_s, ignore_checks)
    alignment, summary = data.alignment, data.summary()
    config = settings.model_config()
    log(f"latency: the target lags the input by {alignment.delay_samples} samples ({alignment.method})")
    for finding in data.findings:
        log(f"{finding.severity}: {finding.message}")
    if data.self_esr is not None:
        log(f"self-ESR of the two validation passes: {data.self_esr:.5f}")
    log(
        f"training on {summary['training_s']:.1f} s, validating on {summary['validation_s']:.1f} s; "
        f"{config.num_parameters()} parameters, receptive field {config.receptive_field} samples"
    )

    report_dir.mkdir(parents=True, exist_ok=True)
    result = Trainer(data, settings, checkpoint_path=checkpoint, log=log).run(resume=resume)
    log(
        f"best validation ESR {result.validation_esr:.4f} ({result.grade}) at epoch {result.best_epoch}; "
        f"{result.epochs} epochs in {result.elapsed_s / 60:.1f} min, {result.samples_per_s / 1e3:.0f}k samples/s, "
        f"stopped: {result.stopped}"
    )

    provenance = {
        "trainer": "neuralfx train",
        "data": {
            "input": input_path.name,
            "target": target_path.name,
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
        name=name or output.stem,
        pedal=pedal or f"captured from {target_path.name}",
        knobs=dict(knobs or {}),
        validation_esr=result.validation_esr,
        provenance=provenance,
    )
    report = build_report(result, data, settings.to_dict(), preset=str(output), loudness_db=preset.metadata.loudness_db)
    write_json(report, report_dir / "report.json")
    write_plots(result, data, report_dir)
    log(f"wrote {output} (loudness {preset.metadata.loudness_db:.1f} dBFS) and its report in {report_dir}/")
    return TrainingRun(preset, result, report, report_dir, data)
