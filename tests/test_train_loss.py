"""The loss is pre-emphasised ESR pooled over the batch; validation reports plain ESR with NAM's grades."""

import numpy as np
import pytest
import torch

from neuralfx_training.loss import esr_grade, multi_resolution_stft, plain_esr, pooled_esr


@pytest.mark.parametrize(
    ("esr", "grade"),
    [(0.0, "great"), (0.0099, "great"), (0.01, "good"), (0.0349, "good"), (0.035, "ok"), (0.099, "ok"),
     (0.1, "poor"), (0.299, "poor"), (0.3, "failed"), (float("inf"), "failed")],
)  # fmt: skip
def test_grades(esr, grade):
    assert esr_grade(esr) == grade


def test_pooled_esr_is_pre_emphasised_and_pooled_over_the_batch():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(3, 100))
    target[1] = 0.0  # a silent window does not blow up the pooled loss
    prediction = target + rng.normal(scale=0.1, size=target.shape)

    def emphasise(x):
        return x[:, 1:] - 0.95 * x[:, :-1]

    errors = np.sum((emphasise(prediction) - emphasise(target)) ** 2)
    expected = errors / (np.sum(emphasise(target) ** 2) + 2.0)
    assert pooled_esr(torch.from_numpy(prediction), torch.from_numpy(target), 2.0).item() == pytest.approx(expected)


def test_plain_esr():
    target = np.array([1.0, -1.0, 2.0])
    assert plain_esr(target, target) == 0.0
    assert plain_esr(np.zeros(3), target) == 1.0
    assert plain_esr(target * 0.9, target) == pytest.approx(0.01)
    assert plain_esr(target, np.zeros(3)) == float("inf")


def test_multi_resolution_stft_term_is_zero_only_for_a_match():
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(2, 8192)))
    assert multi_resolution_stft(x, x).item() == pytest.approx(0.0, abs=1e-6)
    assert multi_resolution_stft(0.5 * x, x).item() > 0.5
