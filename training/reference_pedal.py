"""The offline Tube Screamer: guitarix's GxTubeScreamer (LV2, Debian `guitarix-lv2`) run in-process.

A preset trained on this is trained on an emulation, not on a hardware TS9. Rendering goes through a
minimal LV2 host in ctypes that calls the plugin's `lv2_descriptor` directly: no lilv, no subprocess.
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

import numpy as np

PLUGIN_URI = "http://guitarix.sourceforge.net/plugins/gxts9#ts9sim"

# "All knobs at 12 o'clock", as in the original PedalNet data.
DRIVE_NOON = 0.5
TONE_NOON = 550.0
LEVEL_DB_NOON = -8.0
NOON = {"drive": DRIVE_NOON, "tone": TONE_NOON, "level_db": LEVEL_DB_NOON}  # render_ts9(dry, **NOON); preset knobs

# The plugin fades in over ~0.2 s after activation; this much silence is rendered first and dropped.
PREROLL_S = 0.5

_BUNDLE = "gxts9.lv2"
_BINARY = "gxts9.so"
_BLOCK = 4096
# Port indices from gxts9.ttl.
_PORT_LEVEL, _PORT_TONE, _PORT_DRIVE, _PORT_OUT, _PORT_IN, _PORT_ENABLED = range(6)


class _Descriptor(ctypes.Structure):
    """LV2_Descriptor from lv2/core/lv2.h."""

    _fields_ = [
        ("URI", ctypes.c_char_p),
        (
            "instantiate",
            ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_char_p, ctypes.c_void_p),
        ),
        ("connect_port", ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)),
        ("activate", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
        ("run", ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32)),
        ("deactivate", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
        ("cleanup", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
        ("extension_data", ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p)),
    ]


def plugin_bundle() -> Path:
    """The installed gxts9.lv2 bundle folder, searched in $LV2_PATH then the usual LV2 folders."""
    folders = [Path(p) for p in os.environ.get("LV2_PATH", "").split(os.pathsep) if p]
    folders += [Path.home() / ".lv2", Path("/usr/local/lib/lv2"), Path("/usr/lib/lv2")]
    folders += sorted(Path("/usr/lib").glob("*-linux-gnu*/lv2"))
    for folder in folders:
        if (folder / _BUNDLE / _BINARY).is_file():
            return folder / _BUNDLE
    raise FileNotFoundError(
        f"guitarix's GxTubeScreamer LV2 plugin ({_BUNDLE}/{_BINARY}) was not found in "
        f"{', '.join(str(f) for f in folders)}; install it with `apt install guitarix-lv2` "
        "or point $LV2_PATH at the folder holding gxts9.lv2"
    )


@functools.cache
def _descriptor() -> tuple[_Descriptor, Path]:
    bundle = plugin_bundle()
    library = ctypes.CDLL(str(bundle / _BINARY))
    library.lv2_descriptor.restype = ctypes.POINTER(_Descriptor)
    library.lv2_descriptor.argtypes = [ctypes.c_uint32]
    index = 0
    while True:
        pointer = library.lv2_descriptor(index)
        if not pointer:
            raise RuntimeError(f"{bundle / _BINARY} does not provide the plugin {PLUGIN_URI}")
        if pointer.contents.URI.decode() == PLUGIN_URI:
            # The library stays loaded: the descriptor's function pointers point into it.
            return pointer.contents, bundle
        index += 1


def render_ts9(
    dry: np.ndarray,
    sample_rate: int = 48000,
    drive: float = DRIVE_NOON,
    tone: float = TONE_NOON,
    level_db: float = LEVEL_DB_NOON,
) -> np.ndarray:
    """Render mono `dry` (1-D float, ±1.0 full scale) through the TS9 emulation.

    Returns float32 of the same length, sample-aligned with the input (the plugin has no latency).
    The plugin's small DC offset is kept, as the pedal makes it. Knobs: `drive` 0..1, `tone` 100..1000,
    `level_db` −20..+4 dB.
    """
    dry = np.asarray(dry)
    if dry.ndim != 1:
        raise ValueError(f"render_ts9 takes mono 1-D audio, got shape {dry.shape}")
    if not np.all(np.isfinite(dry)):
        raise ValueError("render_ts9: the dry audio holds NaN or Inf samples")
    for name, value, low, high in (
        ("drive", drive, 0.0, 1.0),
        ("tone", tone, 100.0, 1000.0),
        ("level_db", level_db, -20.0, 4.0),
    ):
        if not low <= value <= high:
            raise ValueError(f"render_ts9: {name}={value} is outside the pedal's range {low}..{high}")
    descriptor, bundle = _descriptor()

    preroll = round(PREROLL_S * sample_rate)
    source = np.zeros(preroll + len(dry), dtype=np.float32)
    source[preroll:] = dry
    wet = np.zeros_like(source)
    # The host keeps these alive: the plugin reads the controls through raw pointers on every run.
    controls = {
        port: ctypes.c_float(value)
        for port, value in ((_PORT_LEVEL, level_db), (_PORT_TONE, tone), (_PORT_DRIVE, drive), (_PORT_ENABLED, 1.0))
    }
    no_features = (ctypes.c_void_p * 1)(None)
    handle = descriptor.instantiate(ctypes.byref(descriptor), float(sample_rate), f"{bundle}/".encode(), no_features)
    if not handle:
        raise RuntimeError(f"{PLUGIN_URI} failed to instantiate at {sample_rate} Hz")
    try:
        for port, value in controls.items():
            descriptor.connect_port(handle, port, ctypes.addressof(value))
        if descriptor.activate:  # LV2 allows a NULL activate/deactivate
            descriptor.activate(handle)
        item = source.itemsize
        for start in range(0, len(source), _BLOCK):
            count = min(_BLOCK, len(source) - start)
            descriptor.connect_port(handle, _PORT_IN, source.ctypes.data + start * item)
            descriptor.connect_port(handle, _PORT_OUT, wet.ctypes.data + start * item)
            descriptor.run(handle, count)
        if descriptor.deactivate:
            descriptor.deactivate(handle)
    finally:
        descriptor.cleanup(handle)
    return wet[preroll:].copy()
