"""The training loop: Adam with warm-up and cosine decay, gradient clipping, divergence recovery,
early stopping, a time budget, per-epoch checkpoints and resume.

Guarding against divergence: a non-finite or exploding loss (or gradient) is never applied. The
model and optimiser roll back to the last good snapshot, the learning rate halves, and the user
is told. Pooled ESR and clipping make this rare; the guard makes it loud rather than silent.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import statistics
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from neuralfx.fileio import atomic_path, check_regular_file

from .architectures import build_network
from .data import DataError, TrainingData, TrainingSet, TrainingWindows
from .evaluate import validate
from .loss import esr_grade, multi_resolution_stft, pooled_esr
from .progress import ProgressBar, say
from .settings import RESUMABLE_CHANGES, TrainSettings, flag

if TYPE_CHECKING:
    from .architectures import Network

CHECKPOINT_FORMAT = "neuralfx.training-checkpoint"
CHECKPOINT_VERSION = 2  # 2: settings named as TrainSettings's fields
SNAPSHOT_STEPS = 50
EXPLOSION_FACTOR = 20.0  # a loss this many times the recent median (and above 1) is an explosion
MAX_RECOVERIES = 6
ENERGY_FLOOR = 0.01  # of a typical batch's energy: bounds the loss of an all-quiet batch


@dataclass
class TrainingResult:
    """The best model (by validation ESR) and how the run went."""

    model: Network
    validation_esr: float
    validation_prediction: np.ndarray
    best_epoch: int
    epochs: int
    steps: int
    stopped: str  # "epochs", "time budget", "early stopping", "interrupted" or "diverged"
    elapsed_s: float
    samples_per_s: float
    history: list[dict]
    step_losses: list[float]
    loss_name: str  # what step_losses measure
    setting_esrs: list[float]  # the best model's ESR for each pair of `TrainingSet.validated`
    events: list[str] = field(default_factory=list)
    device: str = "cpu"

    @property
    def grade(self) -> str:
        return esr_grade(self.validation_esr)


def resolve_device(name: str) -> torch.device:
    """The torch device for --device; on a GPU, float32 stays float32 (see below)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("CUDA was asked for but torch sees no CUDA device: use --device cpu")
    if name.startswith("cuda"):
        # TF32 convolutions (cuDNN's default) round to 10 mantissa bits: the validation would not
        # measure what the float32 engine plays, nor pass the export's 1e-5 check. These small
        # networks are bound by kernel launches, not arithmetic, so exact float32 costs little.
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    return torch.device(name)


class Trainer:
    """Trains the network `settings` name on `data`. `checkpoint_path`, if given, is written after every epoch."""

    def __init__(
        self,
        data: TrainingData | TrainingSet,
        settings: TrainSettings,
        checkpoint_path: Path | None = None,
        log: Callable[[str], None] = say,
        progress: bool = True,
    ) -> None:
        self.data, self.settings = TrainingSet.of(data), settings
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.log = log
        self.device = resolve_device(settings.device)
        torch.manual_seed(settings.seed)
        self.model = build_network(settings, self.data.knobs).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.learning_rate)
        self.windows = TrainingWindows(
            self.data, self.model.receptive_field, settings.window, settings.batch_size, settings.seed
        )
        self.energy_floor = ENERGY_FLOOR * self.windows.mean_energy * settings.batch_size * settings.window
        self.total_steps = settings.epochs * self.windows.steps_per_epoch
        self.progress = ProgressBar(enabled=progress)
        # Everything below is saved in checkpoints.
        self.epoch = 0
        self.step = 0
        self.elapsed_s = 0.0
        self.step_time_s = 0.0
        self.samples = 0
        self.lr_scale = 1.0
        self.history: list[dict] = []
        self.step_losses: list[float] = []
        self.events: list[str] = []
        self.best_state = copy.deepcopy(self.model.state_dict())
        self.best_esr = math.inf
        self.best_epoch = -1
        self.best_prediction = np.zeros(0, np.float32)
        self.best_setting_esrs: list[float] = []

    # ---- schedule ---------------------------------------------------------------------------------------------

    def progress_fraction(self) -> float:
        fraction = self.step / self.total_steps
        if self.settings.time_budget_s:
            fraction = max(fraction, self.elapsed_s / self.settings.time_budget_s)
        return min(fraction, 1.0)

    def learning_rate(self) -> float:
        s = self.settings
        cosine = 0.5 * (1 + math.cos(math.pi * self.progress_fraction()))
        warmup = min(1.0, (self.step + 1) / s.warmup_steps) if s.warmup_steps else 1.0
        return warmup * self.lr_scale * (s.final_learning_rate + (s.learning_rate - s.final_learning_rate) * cosine)

    # ---- the loop ---------------------------------------------------------------------------------------------

    def run(self, resume: bool = False) -> TrainingResult:
        if resume:
            self.load_checkpoint()
        s = self.settings
        stopped = "epochs"
        self._snapshot()
        started = time.perf_counter() - self.elapsed_s
        try:
            while self.epoch < s.epochs and stopped == "epochs":
                if s.time_budget_s and self.elapsed_s >= s.time_budget_s:
                    stopped = "time budget"
                    break
                stopped, losses = self._train_epoch(started)
                self._end_epoch(started, losses)
                if stopped == "epochs" and self.epoch - self.best_epoch >= s.patience:
                    stopped = "early stopping"
                self.save_checkpoint()
        except KeyboardInterrupt:
            stopped = "interrupted"
            self.progress.close()
            self.log("interrupted: keeping the best model so far")
            try:
                self._consider(self.epoch + 1, *validate(self.model, self.data))  # mid-epoch
            except KeyboardInterrupt:
                pass
        except _Diverged as exc:
            stopped = "diverged"
            self.progress.close()
            self.log(f"training diverged: {exc}. Keeping the best model so far; try a lower --learning-rate")
        if self.best_epoch < 0:
            raise DataError("training stopped before any validation: no model to keep")
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.best_state)
        return TrainingResult(
            model=model,
            validation_esr=self.best_esr,
            validation_prediction=self.best_prediction,
            setting_esrs=self.best_setting_esrs,
            best_epoch=self.best_epoch,
            epochs=self.epoch,
            steps=self.step,
            stopped=stopped,
            elapsed_s=self.elapsed_s,
            samples_per_s=self.samples / self.step_time_s if self.step_time_s else 0.0,
            history=self.history,
            step_losses=self.step_losses,
            loss_name=s.loss_name,
            events=self.events,
            device=str(self.device),
        )

    def _train_epoch(self, started: float) -> tuple[str, list[float]]:
        """One pass over the training windows. Returns (why it ended, the losses of its steps)."""
        s = self.settings
        losses: list[float] = []
        self.progress.start(f"epoch {self.epoch + 1}/{s.epochs}", self.windows.steps_per_epoch)
        for inputs, targets, knobs, weights in self.windows.batches(self.epoch):
            if s.time_budget_s and time.perf_counter() - started >= s.time_budget_s:
                return "time budget", losses
            tick = time.perf_counter()
            tensors = [
                None if a is None else torch.from_numpy(a).to(self.device) for a in (inputs, targets, knobs, weights)
            ]
            loss = self._step(*tensors)
            self.step_time_s += time.perf_counter() - tick
            self.elapsed_s = time.perf_counter() - started
            if loss is not None:
                losses.append(loss)
                self.samples += targets.size
            rate = self.samples / self.step_time_s if self.step_time_s else 0.0
            self.progress.update(
                f"loss {np.mean(losses[-50:]) if losses else math.nan:.4f}  {rate / 1e3:.0f}k samples/s"
            )
        return "epochs", losses

    def _step(
        self, inputs: torch.Tensor, targets: torch.Tensor, knobs: torch.Tensor, weights: torch.Tensor | None
    ) -> float | None:
        """One optimiser step; None if the step was refused and the model rolled back."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate()
        prediction = self.model(inputs, knobs if knobs.shape[1] else None)
        loss = pooled_esr(prediction, targets, self.energy_floor, weights)
        if self.settings.stft_weight:
            loss = loss + self.settings.stft_weight * multi_resolution_stft(prediction, targets)
        value = float(loss.detach())
        recent = self.step_losses[-100:]
        if not math.isfinite(value):
            return self._recover(f"the loss is {value}")
        if recent and value > 1.0 and value > EXPLOSION_FACTOR * statistics.median(recent):
            return self._recover(f"the loss exploded to {value:.3g} (recent median {statistics.median(recent):.3g})")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.grad_clip))
        if not math.isfinite(norm):
            return self._recover(f"the gradient norm is {norm}")
        self.optimizer.step()
        self.step += 1
        self.step_losses.append(value)
        if self.step % SNAPSHOT_STEPS == 0:
            self._snapshot()
        return value

    def _snapshot(self) -> None:
        self._good = (copy.deepcopy(self.model.state_dict()), copy.deepcopy(self.optimizer.state_dict()), self.step)

    def _recover(self, problem: str) -> None:
        """Roll back to the last good snapshot and halve the learning rate; raise after too many."""
        if len(self.events) >= MAX_RECOVERIES:
            raise _Diverged(f"{problem} after {MAX_RECOVERIES} recoveries")
        model_state, optimizer_state, good_step = self._good
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optimizer_state)
        self.lr_scale *= 0.5
        event = (
            f"step {self.step}: {problem}; rolled back to step {good_step} and halved the learning rate "
            f"(now {self.learning_rate():.2g})"
        )
        self.events.append(event)
        self.progress.close()
        self.log("warning: " + event)
        return None

    def _end_epoch(self, started: float, losses: list[float]) -> None:
        esr, setting_esrs, prediction = validate(self.model, self.data)
        if not math.isfinite(esr):
            self._recover(f"the validation ESR is {esr}")
        self._consider(self.epoch + 1, esr, setting_esrs, prediction)
        self.epoch += 1
        self.elapsed_s = time.perf_counter() - started
        record = {
            "epoch": self.epoch,
            "step": self.step,
            "train_loss": float(np.mean(losses)) if losses else None,
            "validation_esr": esr,
            "learning_rate": self.learning_rate(),
            "elapsed_s": round(self.elapsed_s, 2),
        }
        self.history.append(record)
        best = " (best)" if self.best_epoch == self.epoch else ""
        self.progress.close()
        self.log(
            f"epoch {self.epoch}/{self.settings.epochs}  loss {record['train_loss'] or math.nan:.4f}  "
            f"validation ESR {esr:.4f} ({esr_grade(esr)}){best}  lr {record['learning_rate']:.2g}  "
            f"{self.samples / max(self.step_time_s, 1e-9) / 1e3:.0f}k samples/s  {_clock(self.elapsed_s)}"
        )

    def _consider(self, epoch: int, esr: float, setting_esrs: list[float], prediction: np.ndarray) -> None:
        if math.isfinite(esr) and esr < self.best_esr:
            self.best_esr, self.best_epoch, self.best_prediction = esr, epoch, prediction
            self.best_setting_esrs = setting_esrs
            self.best_state = copy.deepcopy(self.model.state_dict())

    # ---- checkpoints ------------------------------------------------------------------------------------------

    @functools.cached_property
    def fingerprint(self) -> str:
        """Identifies the data and model a checkpoint belongs to."""
        digest = hashlib.sha256()
        digest.update(repr(self.model.config_dict()).encode())
        for pair in self.data.validated:
            digest.update(repr((pair.sample_rate, pair.training, pair.validation, pair.knobs)).encode())
            digest.update(pair.input.tobytes())
            digest.update(pair.target.tobytes())
        return digest.hexdigest()

    def save_checkpoint(self) -> None:
        if not self.checkpoint_path:
            return
        state = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "fingerprint": self.fingerprint,
            "settings": asdict(self.settings),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "best_model": self.best_state,
            "best_prediction": torch.from_numpy(self.best_prediction),
            **{name: getattr(self, name) for name in _CHECKPOINTED},
        }
        with atomic_path(self.checkpoint_path) as tmp:
            torch.save(state, tmp)

    def load_checkpoint(self) -> None:
        path = self.checkpoint_path
        if not path or not path.is_file():
            raise DataError(f"nothing to resume: no checkpoint at {path}")
        state = _read_checkpoint(path, self.device)
        if state.get("format") != CHECKPOINT_FORMAT or state.get("version") != CHECKPOINT_VERSION:
            raise DataError(f"{path} is not a neuralfx training checkpoint of this version")
        if state["fingerprint"] != self.fingerprint:
            raise DataError(
                f"{path} was made with other data or another model size: resume with the same files and "
                "options, or start afresh without --resume"
            )
        saved, current = state["settings"], asdict(self.settings)
        for name, value in current.items():
            if name not in RESUMABLE_CHANGES and saved.get(name) != value:
                raise DataError(
                    f"{path} was trained with {flag(name)} {saved.get(name)}, this run asks for {value}: "
                    f"resume with the same options (only {', '.join(map(flag, RESUMABLE_CHANGES))} may change), "
                    "or start afresh without --resume"
                )
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.best_state = state["best_model"]
            self.best_prediction = state["best_prediction"].cpu().numpy()
            for name in _CHECKPOINTED:
                setattr(self, name, state[name])
        except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:
            raise DataError(f"{path} is damaged ({type(exc).__name__}: {exc}); {_START_AFRESH}") from None
        self.log(f"resuming after epoch {self.epoch} (step {self.step}, best validation ESR {self.best_esr:.4f})")


MAX_CHECKPOINT_BYTES = 1 << 30
_START_AFRESH = "delete it, or pass --force without --resume, to start afresh"


def _read_checkpoint(path: Path, device: torch.device) -> dict:
    """A checkpoint's contents. Our own files, written by save_checkpoint (torch's zip format);
    weights_only keeps any file from running code. Raises DataError for anything else."""
    try:
        check_regular_file(path, MAX_CHECKPOINT_BYTES, "a training checkpoint")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: {exc}") from None
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not a checkpoint written by neuralfx train (empty or damaged?); {_START_AFRESH}")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises all sorts for a damaged file (EOF, zip, unpickling...)
        raise DataError(f"{path} cannot be read ({type(exc).__name__}: {exc}); {_START_AFRESH}") from None
    if not isinstance(state, dict):
        raise DataError(f"{path} is not a neuralfx training checkpoint")
    return state


_CHECKPOINTED = (
    "epoch",
    "step",
    "elapsed_s",
    "step_time_s",
    "samples",
    "lr_scale",
    "history",
    "step_losses",
    "events",
    "best_esr",
    "best_epoch",
    "best_setting_esrs",
)


class _Diverged(RuntimeError):
    pass


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
