"""Fuzzing: a preset with random bytes changed either loads or raises PresetError, whatever the
change; nothing else escapes (no RecursionError, OverflowError, MemoryError, library errors)."""

import collections

import numpy as np
import pytest
from conftest import TINY_PRESET
from safetensors import safe_open
from safetensors.numpy import load, save

from neuralfx.preset import PresetError, load_preset

CASES = 600
JSONISH = b'0123456789-+.eE{}[]":, tfnul'


def changed_bytes(original: bytes, rng: np.random.Generator) -> bytes:
    """`original` with 1 to 4 bytes overwritten, most in the safetensors header, as often by JSON's
    characters as by any byte; now and then a run cut out, repeated, or the end cut off."""
    data = bytearray(original)
    header_end = 8 + int.from_bytes(original[:8], "little")
    for _ in range(int(rng.integers(1, 5))):
        where = int(rng.integers(0, header_end if rng.random() < 0.8 else len(data)))
        data[where] = int(rng.choice(list(JSONISH))) if rng.random() < 0.6 else int(rng.integers(0, 256))
    kind = rng.random()
    where = int(rng.integers(8, len(data)))
    if kind < 0.05:
        del data[where:]
    elif kind < 0.1:
        data[where:where] = data[where : where + int(rng.integers(1, 64))]
    return bytes(data)


def changed_metadata(original: bytes, rng: np.random.Generator) -> bytes:
    """`original` with its neuralfx JSON text changed (a few characters overwritten, a run repeated
    or cut), in a well-formed safetensors file: the changes reach neuralfx's own checks."""
    tensors = load(original)
    with safe_open(TINY_PRESET, framework="numpy") as file:
        text = bytearray(file.metadata()["neuralfx"].encode())
    for _ in range(int(rng.integers(1, 4))):
        where = int(rng.integers(0, len(text)))
        kind = rng.random()
        if kind < 0.6:
            text[where] = int(rng.choice(list(JSONISH)))
        elif kind < 0.8:
            text[where:where] = text[where : where + int(rng.integers(1, 40))] * int(rng.integers(1, 400))
        else:
            del text[where : where + int(rng.integers(1, 20))]
    return save(tensors, {"neuralfx": text.decode("utf-8", "replace")})


@pytest.mark.parametrize("mutate", [changed_bytes, changed_metadata])
def test_random_changes_raise_only_preset_errors(tmp_path, mutate):
    original = TINY_PRESET.read_bytes()
    outcomes: collections.Counter = collections.Counter()
    for seed in range(CASES // 2):
        path = tmp_path / f"case{seed}.nfx"  # a new file each time: loads are cached by file identity
        path.write_bytes(mutate(original, np.random.default_rng(seed)))
        try:
            preset = load_preset(path)
        except PresetError as exc:
            assert exc.path == path and exc.problem
            outcomes[exc.problem[:30]] += 1
        else:
            assert all(np.isfinite(w).all() for w in preset.model.weights.values())
            outcomes["loaded"] += 1
    assert outcomes["loaded"] > 0  # some changes (in the weights, in a name) leave a valid preset...
    assert len(outcomes) > 8  # ...and the rest fail in many different ways
    assert not any(problem.startswith(str(path.parent)) for problem in outcomes)  # the file is named once
