"""README's Python example runs as written, on the bundled DI clip and the shipped preset."""

import re

from conftest import REPO


def test_readme_python_example_runs(tmp_path, monkeypatch):
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README.md has no python example"
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    import soundfile as sf

    written, rate = sf.read(tmp_path / "di_clip_ts9.wav", dtype="float32", always_2d=True)
    assert rate == namespace["sample_rate"]
    assert written.shape == namespace["whole"].T.shape
