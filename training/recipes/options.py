"""The options every recipe takes, and the training settings they give."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..settings import TrainSettings


def recipe_parser(prog: str, description: str, minutes: float) -> argparse.ArgumentParser:
    """A recipe's parser with the options all recipes share (`minutes`: the default budget)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder for audio, checkpoint, report")
    parser.add_argument("--minutes", type=float, default=minutes, help=f"training time budget (default {minutes:g})")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--batch-size", type=int, default=4, help="windows per step (default 4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--di-folder", type=Path, help="use the DI an earlier run wrote in its workdir")
    parser.add_argument("--resume", action="store_true", help="resume the training run in --workdir")
    parser.add_argument("--force", action="store_true", help="start afresh, replacing the training run in --workdir")
    parser.add_argument("--preset", type=Path, help="where the preset goes (default: among the shipped presets)")
    parser.add_argument(
        "--from-workdir",
        action="store_true",
        help="measure and publish what an earlier run trained in --workdir (e.g. on a GPU machine) instead of training",
    )
    return parser


def recipe_settings(args: argparse.Namespace, **fields: Any) -> TrainSettings:
    """The training settings of a recipe's options: the time budget ends the run."""
    return TrainSettings(
        time_budget_min=args.minutes,
        epochs=100_000,
        patience=100_000,
        batch_size=args.batch_size,
        threads=args.threads,
        seed=args.seed,
        device=args.device,
        **fields,
    )
