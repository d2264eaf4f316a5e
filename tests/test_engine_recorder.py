"""Recording: the audio thread only copies into a ring; the file appears, complete, when recording stops."""

import numpy as np
import pytest
import soundfile as sf

from neuralfx.engine.recorder import Recorder


def test_recording_writes_every_pushed_sample_and_appears_only_when_finished(tmp_path):
    recorder = Recorder(48000, ring_seconds=0.1)
    x = np.random.default_rng(0).uniform(-1, 1, 48000).astype(np.float32)
    recorder.push(x[:128])  # before start: not recorded
    path = tmp_path / "take.wav"
    recorder.start(path)
    for start in range(0, x.size, 1000):  # drained often enough that the small ring never fills
        recorder.push(x[start : start + 1000])
        if start % 3000 == 0:
            recorder.drain()
        assert not path.exists()
    assert recorder.stop() == path and not recorder.recording
    audio, rate = sf.read(path, dtype="float32")
    assert rate == 48000 and sf.info(path).subtype == "FLOAT"
    np.testing.assert_array_equal(audio, x)
    assert recorder.dropped == 0
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


def test_a_full_ring_drops_and_counts_instead_of_blocking(tmp_path):
    recorder = Recorder(1000, ring_seconds=1.0)
    recorder.start(tmp_path / "take.flac")
    for _ in range(12):
        recorder.push(np.full(100, 0.5, np.float32))
    assert recorder.dropped == 200
    recorder.stop()
    assert sf.info(tmp_path / "take.flac").frames == 1000
    recorder.start(tmp_path / "next.flac")  # a new recording starts with nothing dropped
    assert recorder.dropped == 0
    recorder.stop()


def test_a_failing_write_discards_the_recording_and_leaves_no_file(tmp_path):
    recorder = Recorder(1000)
    recorder.start(tmp_path / "take.wav")
    recorder.push(np.full(100, 0.5, np.float32))
    recorder._file.close()  # as good as a full disk: the next write fails
    with pytest.raises(RuntimeError):
        recorder.drain()
    recorder.abort()
    assert not recorder.recording and list(tmp_path.iterdir()) == []


def test_bad_destinations_are_refused(tmp_path):
    recorder = Recorder(48000)
    with pytest.raises(ValueError, match="does not exist"):
        recorder.start(tmp_path / "missing" / "take.wav")
    with pytest.raises(ValueError, match="unknown audio file type"):
        recorder.start(tmp_path / "take.xyz")
    (tmp_path / "mine.wav").write_bytes(b"a user's take")
    with pytest.raises(ValueError, match="the file exists"):
        recorder.start(tmp_path / "mine.wav")
    assert (tmp_path / "mine.wav").read_bytes() == b"a user's take"
    recorder.start(tmp_path / "take.wav")
    with pytest.raises(ValueError, match="already recording"):
        recorder.start(tmp_path / "other.wav")
    recorder.stop()
