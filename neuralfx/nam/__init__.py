"""NAM (Neural Amp Modeler) models: `.nam` files read into `neuralfx.models.Model` objects.

`read_nam(path)` returns a file's model, sample rate and metadata; `neuralfx.preset.load_preset`
calls it for `.nam` files. The engines (numba) are compiled, or loaded from numba's cache, when the first
model is built, never at `import neuralfx`. See docs/nam.md.
"""

from .reader import MAX_NAM_BYTES, NAM_SUFFIX, read_nam

__all__ = ["MAX_NAM_BYTES", "NAM_SUFFIX", "read_nam"]
