"""Our trainer against NAM's: the same architecture, the same TS9 pair, the same wall-clock budget, one
trainer at a time on the same cores, both scored by the same code on the same held-out audio.

NAM's trainer is the `neural-amp-modeler` package's full trainer (`python -m nam.cli`, the `nam-full`
command), run on CPU with its default recipe for each architecture and Lightning's `max_time` as its
budget; it lives in its own environment, given by --nam-python (its dependencies are not ours):

    python -m venv --system-site-packages /work/venv-nam
    /work/venv-nam/bin/pip install -c constraints.txt neural-amp-modeler   # constraints.txt: torch==2.13.0
    flock /tmp/neuralfx-cpu.lock python benchmarks/training_vs_nam.py --workdir /tmp/vsnam \
        --nam-python /work/venv-nam/bin/python --output vsnam.json [--minutes 20] [--threads 2]

Architectures (--architectures, our names):
- nam-standard: NAM's A1 standard WaveNet. NAM 0.13 dropped A1 from its simplified trainer, so NAM's
  run uses 0.12.3's defaults for it (the last release that trained A1 standard by default): Adam
  lr 0.004, ExponentialLR gamma 0.993 per epoch, MSE + 2e-4 × pre-emphasised (0.85) multi-resolution
  STFT, ESR for model selection, batch 16 × 8192, no output normalisation.
- nam-a2-full, nam-a2-lite: NAM 0.13's default, the A2 WaveNet at 8 and 3 channels trained together
  as one packed model (its own config file, read from the installed package), exported as a
  SlimmableContainer, with its data recipe (batch 16 × 8192, output normalised to −18 dBFS RMS
  for training, compensated in the export). That one NAM run is scored at 8 channels against our
  nam-a2-full and at 3 channels against our nam-a2-lite; ours trains each size for the full budget.

Data: `neuralfx_training.recipes.ts9_material` (180 s of training DI through the reference TS9 at
noon; 20 s of held-out FluidR3 DI). Both trainers train on the same samples and validate on the same
last 10 % (our trainer's split, given to NAM as explicit ranges). Scoring: each `.nam` plays through
`neuralfx.NeuralPedal(..., output_mode="raw")` from silence; `held_out_esr` (plain ESR against the
target with its DC drift removed) on the held-out clip and on the validation range; NAM Core's
renderer (`namrun --no-fast-tanh`, when built) plays the same files as a cross-check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import torch

import neuralfx
from neuralfx import NeuralPedal
from neuralfx.preset import load_preset
from neuralfx_training.architectures import NAM_CONFIGS
from neuralfx_training.data import prepare_pair
from neuralfx_training.recipes.ts9_material import (
    PEDAL,
    SAMPLE_RATE,
    di_material,
    held_out_esr,
    render_pair,
)
from neuralfx_training.reference_pedal import NOON
from neuralfx_training.settings import TrainSettings
from neuralfx_training.train import train

ARCHITECTURES = ("nam-standard", "nam-a2-full", "nam-a2-lite")
NAMRUN = Path.home() / ".cache/namcore/native/namrun"
A2_SIZE = {"nam-a2-lite": 0.0, "nam-a2-full": 1.0}  # model_size of each in NAM's packed container
NAM_BATCH, NAM_WINDOW = 16, 8192  # NAM's simplified trainer's defaults (0.12 and 0.13)
PLAY_MARGIN = SAMPLE_RATE  # history played before a scored range: more than any receptive field here


@dataclass
class Material:
    """The pair both trainers train on, the split, and the held-out clip (paths and samples)."""

    dry: Path
    wet: Path
    training: tuple[int, int]
    validation: tuple[int, int]
    delay: int
    held_dry: Path
    train_x: np.ndarray
    train_y: np.ndarray
    held_x: np.ndarray
    held_y: np.ndarray


def make_material(workdir: Path, di_folder: Path | None) -> Material:
    training_di, held_out_di = di_material(workdir, di_folder)
    dry, wet = render_pair(training_di, workdir, "train", **NOON)
    held_dry, held_wet = render_pair(held_out_di, workdir, "held_out", **NOON)
    data = prepare_pair(dry, wet)  # our trainer's split and alignment, given to NAM as well
    read = [soundfile.read(p, dtype="float32")[0] for p in (dry, wet, held_dry, held_wet)]
    return Material(dry, wet, data.training, data.validation, data.alignment.delay_samples, held_dry, *read)


# ---- scoring (the same for every .nam) -------------------------------------------------------------------------


def score(path: Path, material: Material, size: float | None) -> dict:
    """Held-out and validation-range figures of the .nam at `path` (a container played at `size`)."""
    preset = load_preset(path)
    controls = {} if size is None else {"model_size": size}

    def play(x: np.ndarray) -> np.ndarray:
        return NeuralPedal(preset, output_mode="raw", **controls)(x, SAMPLE_RATE)

    start, stop = material.validation
    history = max(start - PLAY_MARGIN, 0)
    validation = held_out_esr(play(material.train_x[history:stop])[start - history :], material.train_y[start:stop])
    played = play(material.held_x)
    figures = {"validation": validation, "held_out": held_out_esr(played, material.held_y)}
    if NAMRUN.is_file():
        figures["nam_core"] = nam_core_check(path, size, material, played)
    return figures


def nam_core_check(path: Path, size: float | None, material: Material, ours: np.ndarray) -> dict:
    """The held-out clip through NAM Core's renderer: its ESR, and how far it is from our engine's output."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        slim = [] if size is None else ["--slim", str(size)]
        command = [str(NAMRUN), "--no-fast-tanh", "render", str(path), str(material.held_dry), str(out), *slim]
        subprocess.run(command, check=True, capture_output=True, text=True)
        core = soundfile.read(out, dtype="float32")[0]
    esr = held_out_esr(core, material.held_y)["esr"]
    return {"held_out_esr": esr, "max_abs_diff": float(np.abs(core - ours).max())}


# ---- our trainer -----------------------------------------------------------------------------------------------


def run_ours(architecture: str, material: Material, folder: Path, minutes: float, threads: int) -> dict:
    settings = TrainSettings(
        architecture=architecture, time_budget_min=minutes, threads=threads, epochs=100_000, patience=100_000
    )
    folder.mkdir(parents=True)
    load = os.getloadavg()[0]
    run = train(material.dry, material.wet, folder / "model.nam", settings, pedal=PEDAL, knobs=NOON)
    result = run.result
    samples = result.steps * settings.batch_size * settings.window
    return {
        "trainer": "neuralfx",
        "architecture": architecture,
        "model": str(folder / "model.nam"),
        "size": None,
        "steps": result.steps,
        "batch": f"{settings.batch_size} x {settings.window}",
        "samples": samples,
        "epochs": samples / (material.training[1] - material.training[0]),
        "own_validation_esr": result.validation_esr,
        "training_s": result.elapsed_s,
        "load_average": [load, os.getloadavg()[0]],
        "recipe": "neuralfx defaults: " + json.dumps({k: v for k, v in settings.to_dict().items() if v is not None}),
    }


# ---- NAM's trainer ---------------------------------------------------------------------------------------------


def nam_a1_model_config(architecture: str) -> dict:
    """NAM 0.12.3's default model config for an A1 shape, in the form NAM 0.13's WaveNet reads (a
    `head` object where 0.12 had `head_size` and `head_bias`: the same 1×1 head)."""
    config = json.loads(json.dumps(NAM_CONFIGS[architecture]))  # NAM's own config, key for key
    for array in config["layers"]:
        array["head"] = {"out_channels": array.pop("head_size"), "kernel_size": 1, "bias": array.pop("head_bias")}
    return {
        "net": {"name": "WaveNet", "config": {"layers_configs": config["layers"], "head_scale": config["head_scale"]}},
        "loss": {"val_loss": "esr", "pre_emph_mrstft_weight": 2e-4, "pre_emph_mrstft_coef": 0.85},
        "optimizer": {"lr": 0.004},
        "lr_scheduler": {"class": "ExponentialLR", "kwargs": {"gamma": 0.993}},
    }


def nam_packed_model_config(nam_python: str) -> dict:
    """NAM 0.13's default: the packed A2 config its simplified trainer reads from its own resources."""
    read = (
        "import importlib.resources as r; "
        "print(r.files('nam.train._resources').joinpath('config_model_packed.json').read_text())"
    )
    return json.loads(subprocess.run([nam_python, "-c", read], check=True, capture_output=True, text=True).stdout)


def nam_configs(model: dict, material: Material, minutes: float, normalise: bool) -> tuple[dict, dict, dict]:
    """(data, model, learning) configs of `nam-full` for `model` on our pair, split and budget."""
    data = {
        "train": {"start_samples": material.training[0], "stop_samples": material.training[1], "ny": NAM_WINDOW},
        "validation": {
            "start_samples": material.validation[0],
            "stop_samples": material.validation[1],
            "ny": None,
            "require_input_pre_silence": None,  # our DI is not NAM's capture file, with its silences
        },
        "common": {"x_path": str(material.dry), "y_path": str(material.wet), "delay": material.delay},
    }
    if normalise:  # what NAM 0.13's simplified trainer adds to every run
        data["joint"] = [{"name": "nam.data.normalize_joint_dataset_output", "kwargs": {"level_rms_dbfs": -18.0}}]
    learning = {
        "train_dataloader": {
            "batch_size": NAM_BATCH,
            "shuffle": True,
            "pin_memory": True,
            "drop_last": True,
            "num_workers": 0,
        },
        "val_dataloader": {},
        "trainer": {"max_epochs": 100_000, "accelerator": "cpu", "max_time": {"seconds": round(60 * minutes)}},
    }
    return data, model, learning


def run_nam(architecture: str, material: Material, folder: Path, minutes: float, threads: int, nam_python: str) -> dict:
    """NAM's full trainer on our pair; raises NamFailed with its output when it fails."""
    packed = architecture != "nam-standard"
    model = nam_packed_model_config(nam_python) if packed else nam_a1_model_config(architecture)
    configs = nam_configs(model, material, minutes, packed)
    paths = [folder / f"{name}.json" for name in ("data", "model", "learning")]
    for path, config in zip(paths, configs, strict=True):
        path.write_text(json.dumps(config, indent=1))
    env = os.environ | {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    command = [nam_python, "-m", "nam.cli", *map(str, paths), str(folder / "out"), "--no-show", "--no-plots"]
    load, started = os.getloadavg()[0], time.perf_counter()
    with open(folder / "log.txt", "w") as log:
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=60 * minutes + 1200)
    wall_s = time.perf_counter() - started
    if done.returncode:
        tail = (folder / "log.txt").read_text(errors="replace")[-3000:]
        raise NamFailed(f"{' '.join(command)} exited with {done.returncode}:\n{tail}")
    (out,) = (folder / "out").iterdir()  # nam-full writes into a timestamped folder
    last = torch.load(next(out.glob("lightning_logs/*/checkpoints/checkpoint_epoch_*.ckpt")), weights_only=True)
    if packed:
        best = json.loads((out / "packed_best.json").read_text())["submodels"]
        own = {b["submodel_name"]: b["best_metric"] for b in best}
    else:
        names = out.glob("lightning_logs/*/checkpoints/epoch=*_ESR=*.ckpt")
        own = min(float(p.stem.split("ESR=")[1].split("_")[0]) for p in names)
    steps = last["global_step"]
    samples = steps * NAM_BATCH * NAM_WINDOW
    return {
        "trainer": "NAM",
        "architecture": "A2 packed (3 and 8 channels)" if packed else architecture,
        "model": str(out / "model.nam"),
        "steps": steps,
        "batch": f"{NAM_BATCH} x {NAM_WINDOW}",
        "samples": samples,
        "epochs": samples / (material.training[1] - material.training[0]),
        "own_validation_esr": own,
        "training_s": minutes * 60,  # Lightning's max_time; the wall clock below adds start-up and export
        "wall_s": wall_s,
        "load_average": [load, os.getloadavg()[0]],
        "recipe": ("NAM 0.13 default (packed A2)" if packed else "NAM 0.12.3 default for A1 standard")
        + ": "
        + json.dumps({"model": model, "learning": configs[2]}),
    }


class NamFailed(RuntimeError):
    pass


def versions(nam_python: str) -> dict:
    ours = {"python": platform.python_version(), "neuralfx": neuralfx.__version__, "torch": torch.__version__}
    probe = (
        "import json, platform, nam, pytorch_lightning, torch; print(json.dumps({'python': platform.python_version(),"
        " 'neural-amp-modeler': nam.__version__, 'pytorch-lightning': pytorch_lightning.__version__,"
        " 'torch': torch.__version__}))"
    )
    done = subprocess.run([nam_python, "-c", probe], capture_output=True, text=True)
    nam = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr.strip()[-2000:]}
    return {"neuralfx": ours, "nam": nam}


# ---- the run ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder: audio, trained models, logs")
    parser.add_argument("--nam-python", default=sys.executable, help="python of an environment with NAM installed")
    parser.add_argument("--minutes", type=float, default=20.0, help="training budget per trainer and run")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for both trainers")
    parser.add_argument("--architectures", nargs="+", choices=ARCHITECTURES, default=list(ARCHITECTURES))
    parser.add_argument("--di-folder", type=Path, help="reuse the DI an earlier run wrote (no fluidsynth needed)")
    parser.add_argument("--output", type=Path, help="write what was measured here (JSON)")
    args = parser.parse_args(argv)

    args.workdir.mkdir(parents=True, exist_ok=True)
    found = versions(args.nam_python)
    print(f"neuralfx {found['neuralfx']}\nNAM {found['nam']}")
    material = make_material(args.workdir, args.di_folder)
    rows, errors = [], {}
    nam_a2: dict | Exception | None = None  # NAM trains both A2 sizes in one run
    for architecture in args.architectures:
        folder = Path(tempfile.mkdtemp(prefix=f"{architecture}-", dir=args.workdir))
        print(f"\n== {architecture}: neuralfx, {args.minutes:g} min on {args.threads} threads")
        ours = run_ours(architecture, material, folder / "neuralfx", args.minutes, args.threads)
        rows.append(ours | score(Path(ours["model"]), material, None))
        nam = nam_a2 if architecture in A2_SIZE else None
        if nam is None:
            print(f"== {architecture}: NAM, {args.minutes:g} min on {args.threads} threads")
            (folder / "nam").mkdir()
            try:
                nam = run_nam(architecture, material, folder / "nam", args.minutes, args.threads, args.nam_python)
            except (NamFailed, subprocess.TimeoutExpired, OSError, ValueError, StopIteration) as exc:
                nam = exc
            if architecture in A2_SIZE:
                nam_a2 = nam
        if isinstance(nam, Exception):
            errors[architecture] = f"{type(nam).__name__}: {nam}"
            print(f"NAM failed on {architecture}: {errors[architecture]}")
            continue
        size = A2_SIZE.get(architecture)
        row = nam | {"size": size} | score(Path(nam["model"]), material, size)
        if size is not None:
            row["own_validation_esr"] = nam["own_validation_esr"][f"channels_{3 if size == 0 else 8}"]
            row["architecture"] = f"{architecture} (packed, played at model_size {size:g})"
        rows.append(row)

    print_table(rows, args.minutes, args.threads)
    if args.output:
        report = {
            "minutes": args.minutes,
            "threads": args.threads,
            "versions": found,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "data": {
                "pedal": PEDAL,
                "training": material.training,
                "validation": material.validation,
                "delay": material.delay,
            },
            "rows": rows,
            "errors": errors,
        }
        args.output.write_text(json.dumps(report, indent=1, default=float))
        print(f"wrote {args.output}")
    return 1 if errors else 0


def print_table(rows: list[dict], minutes: float, threads: int) -> None:
    print(f"\n{minutes:g} min per trainer and architecture, {threads} threads, one trainer at a time")
    print("k/s: thousands of output samples trained per second of budget; load: the 1-minute load average")
    print("before and after (a shared machine: throughput swings with other work)")
    head = f"{'trainer':9} {'architecture':48} {'steps':>6} {'batch':>9} {'epochs':>6} {'k/s':>4} {'own val':>8} "
    print(head + f"{'val ESR':>8} {'held-out':>8} {'NAM Core':>8} {'load':>9}")
    for r in rows:
        own = r["own_validation_esr"]
        core = r.get("nam_core", {}).get("held_out_esr", float("nan"))
        load = "{:.1f}-{:.1f}".format(*r["load_average"])
        print(
            f"{r['trainer']:9} {r['architecture']:48} {r['steps']:6d} {r['batch']:>9} {r['epochs']:6.1f} "
            f"{r['samples'] / r['training_s'] / 1e3:4.0f} {own:8.4f} "
            f"{r['validation']['esr']:8.4f} {r['held_out']['esr']:8.4f} {core:8.4f} {load:>9}"
        )
    by = {(r["trainer"], r["architecture"].split(" ")[0]): r["held_out"]["esr"] for r in rows}
    for arch in dict.fromkeys(a for _, a in by):
        if ("neuralfx", arch) in by and ("NAM", arch) in by:
            ratio = by["neuralfx", arch] / by["NAM", arch]
            print(f"{arch}: held-out ESR ours / NAM's = {ratio:.2f} ({'ours lower' if ratio < 1 else 'NAM lower'})")


if __name__ == "__main__":
    raise SystemExit(main())
