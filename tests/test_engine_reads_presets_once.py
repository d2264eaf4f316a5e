"""A preset file is read and checked once: later loads in the same process reuse it while the file
is unchanged, and the engine process gets the presets with its commands, reading no file."""

import os
import shutil

import numpy as np
from jack_fixtures import ENGINE_CLIENT, JackTester, find_lag, jack, wait_until_loaded  # noqa: F401
from live_helpers import QUIET_DB, TINY, guitar_like

import neuralfx.preset
from neuralfx import Chain, NeuralPedal, load_preset
from neuralfx.engine import EngineSettings, LiveEngine


def count_reads(monkeypatch) -> list:
    reads = []
    read = neuralfx.preset._read_preset

    def counted(path):
        reads.append(path)
        return read(path)

    monkeypatch.setattr(neuralfx.preset, "_read_preset", counted)
    return reads


def test_a_preset_file_is_read_once_while_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "mine.nfx"
    shutil.copy(TINY, path)
    reads = count_reads(monkeypatch)
    engine = LiveEngine(EngineSettings())
    engine.load_preset(path)  # validated here, in the caller
    engine.set_presets([path, str(path)])
    engine.load_chain(engine.settings.chain_dict)
    engine.load_chain(Chain([NeuralPedal.from_preset(path, mix=0.5)]))
    assert load_preset(path).sample_rate == 48000
    assert reads == [path]

    first, again = load_preset(path), load_preset(path)
    assert first.model is again.model  # shared and read-only...
    first.metadata.name = "renamed"
    assert again.metadata.name == "tiny test"  # ...but each load has its own metadata

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the file changed
    load_preset(path)
    assert reads == [path, path]


def test_the_engine_process_reads_no_preset_file(jack, tmp_path):  # noqa: F811
    path = tmp_path / "mine.nfx"
    shutil.copy(TINY, path)
    engine = LiveEngine(EngineSettings(host_api="jack", client_name=ENGINE_CLIENT, crossfade_ms=10.0))
    engine.load_chain(Chain([NeuralPedal.from_preset(path, output_gain_db=QUIET_DB)]))
    path.unlink()  # whatever the engine process plays, it did not read it from this file
    x = guitar_like(1.0)
    x[:2400] = 0.0
    engine.start()
    try:
        wait_until_loaded(engine)
        assert engine.state.program_name == "tiny test"
        recorded = JackTester(x).wait()
    finally:
        engine.stop()
    expected = NeuralPedal(load_preset(TINY), output_gain_db=QUIET_DB)(x, jack.sample_rate)
    lag = find_lag(recorded[2400:], expected[2400:], max_lag=4 * jack.period)
    np.testing.assert_allclose(recorded[lag : lag + x.size], expected, atol=1e-4)
    assert np.abs(expected).max() > 0.3
