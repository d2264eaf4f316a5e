"""Whole-signal inference with the torch model, and the validation ESR users compare."""

from __future__ import annotations

import numpy as np
import torch

from .data import TrainingSet
from .loss import plain_esr
from .model import PedalNet

CHUNK = 65536  # outputs per forward pass: ~3× faster than one huge pass, which spills the caches


@torch.no_grad()
def predict(
    model: PedalNet, x: np.ndarray, history: np.ndarray | None = None, knobs: np.ndarray | None = None
) -> np.ndarray:
    """The model's output for 1-D `x`, exactly as one whole-signal forward pass.

    The network hears `history` (its last RF − 1 samples, zero-padded if shorter) before `x`;
    None means silence, as a freshly reset pedal. `knobs` (K,) are its knob positions, scaled
    0..1. Returns float32, len(x).
    """
    context = model.receptive_field - 1
    before = np.zeros(context, np.float32)
    if history is not None and context:
        tail = history[-context:]
        before[context - len(tail) :] = tail
    device = next(model.parameters()).device
    signal = torch.from_numpy(np.concatenate([before, np.asarray(x, np.float32)])).to(device)
    was_training = model.training
    model.eval()
    positions = None if knobs is None or not len(knobs) else torch.from_numpy(np.asarray(knobs, np.float32)[None])
    positions = positions.to(device) if positions is not None else None
    out = [model(signal[None, s : s + CHUNK + context], positions)[0] for s in range(0, len(x), CHUNK)]
    model.train(was_training)
    return torch.cat(out).cpu().numpy() if out else np.zeros(0, np.float32)


def validate(model: PedalNet, data: TrainingSet) -> tuple[float, list[float], np.ndarray]:
    """Plain ESR over the whole validation range of every validated pair, the network hearing
    the real input before it.

    Returns (the mean of the pairs' ESRs, each pair's ESR, the first pair's prediction over its
    validation range). Each setting counts alike, however loud.
    """
    esrs, first = [], None
    for pair in data.validated:
        start, stop = pair.validation
        knobs = data.knob_vector(pair)
        prediction = predict(model, pair.input[start:stop], history=pair.input[:start], knobs=knobs)
        esrs.append(plain_esr(prediction, pair.target[start:stop]))
        first = prediction if first is None else first
    return float(np.mean(esrs)), esrs, first
