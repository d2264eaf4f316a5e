"""A minimal reader and writer for the safetensors format (float32 tensors, string metadata).

Layout: an 8-byte little-endian header length N, N bytes of JSON header, then the raw tensor
data. The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
(relative to the data section) and may carry "__metadata__": {str: str}. Nothing in a file
is ever executed, which is why presets use it.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from .fileio import atomic_write_bytes

_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """The bytes are not a well-formed safetensors file."""


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """Serialise float32 tensors and string metadata; tensors are stored in the given order."""
    header: dict[str, object] = {"__metadata__": dict(metadata)}
    chunks = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(array)), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)  # align the data section to 8 bytes
    return struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks)


def decode(blob: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse a safetensors file's bytes into (tensors, metadata). Raises SafetensorsError."""
    if len(blob) < 8:
        raise SafetensorsError(f"the file is {len(blob)} bytes long, too short for a safetensors header")
    (header_length,) = struct.unpack("<Q", blob[:8])
    if header_length > _MAX_HEADER or 8 + header_length > len(blob):
        raise SafetensorsError(
            f"the header claims {header_length} bytes but the file has {len(blob) - 8}: truncated or not safetensors"
        )
    try:
        header = json.loads(blob[8 : 8 + header_length])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SafetensorsError(f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise SafetensorsError("the header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError("__metadata__ must map strings to strings")
    data = memoryview(blob)[8 + header_length :]
    tensors = {}
    end_of_data = 0
    for name, info in header.items():
        try:
            dtype = _DTYPES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"tensor {name!r}: unsupported dtype or malformed entry {info!r}") from None
        if min(shape, default=0) < 0 or end - begin != math.prod(shape) * dtype.itemsize or begin < 0:
            raise SafetensorsError(f"tensor {name!r}: shape {list(shape)} does not match its byte range")
        if end > len(data):
            raise SafetensorsError(
                f"tensor {name!r} ends at byte {end} of a {len(data)}-byte data section: the file is truncated"
            )
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()
        end_of_data = max(end_of_data, end)
    if end_of_data != len(data):
        raise SafetensorsError(f"{len(data) - end_of_data} trailing bytes after the last tensor")
    return tensors, metadata


def save(path: str | Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write atomically: a reader never sees a half-written file."""
    atomic_write_bytes(Path(path), encode(tensors, metadata))
