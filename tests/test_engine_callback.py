"""What the live engine's timing rests on, as functional facts (the timing itself is measured by
benchmarks/live.py, never asserted here): in a steady stream the audio callback allocates no
array, it shares memory with the controller without a lock, and it goes on while nobody reads the
engine's pipe."""

import multiprocessing
import time
import tracemalloc

import numpy as np
from jack_fixtures import JackTester, jack, running_engine  # noqa: F401  (jack is a fixture)
from live_helpers import guitar_like, random_pedalnet_preset, tiny_chain

from neuralfx import Chain, NeuralPedal, load_preset
from neuralfx.engine.audio_callback import AudioCallback
from neuralfx.engine.meters import SharedMeters
from neuralfx.engine.program import LiveProgram
from neuralfx.engine.recorder import Recorder
from neuralfx.engine.signal_path import SignalPath

RATE = 48000
BLOCK = 2048  # an array temporary of one block is 8 kB: far above Python's own small objects


def playing_callback(tmp_path) -> tuple[AudioCallback, callable]:
    """A callback playing two full-size neural pedals in series, recording, its meters published."""
    preset = load_preset(random_pedalnet_preset(tmp_path / "full.nfx"))
    path = SignalPath(RATE, 20.0, capacity=8192)
    path.load(LiveProgram(Chain([NeuralPedal(preset), NeuralPedal(preset, mix=0.7, output_gain_db=-3.0)]), "two"))
    recorder = Recorder(RATE)
    recorder.start(tmp_path / "take.wav")
    callback = AudioCallback(path, SharedMeters(multiprocessing.get_context("spawn")), recorder, RATE)
    x = guitar_like(4.0)
    indata, outdata = np.zeros((BLOCK, 1), np.float32), np.zeros((BLOCK, 2), np.float32)
    position = 0

    def play(blocks: int) -> None:
        nonlocal position
        for _ in range(blocks):
            position = (position + BLOCK) % (x.size - BLOCK)
            indata[:, 0] = x[position : position + BLOCK]
            callback(indata, outdata, BLOCK, None, None)
            recorder.drain()  # the engine's main thread does this between callbacks

    return callback, play


def test_a_steady_callback_allocates_no_array(tmp_path):
    callback, play = playing_callback(tmp_path)
    while callback.signal_path.loading:  # the program is built in the callbacks' spare time
        play(1)
    play(100)  # every buffer plan of this block size made
    tracemalloc.start()
    try:
        play(5)
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        play(100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < 4096  # bytes: Python's small objects only, no block-sized array
    assert callback.callbacks > 200 and callback.meters.read().output_peak_db > -40  # it really played
    callback.recorder.stop()


def test_the_meters_memory_has_no_lock():
    meters = SharedMeters(multiprocessing.get_context("spawn"))
    for shared in (meters._values_raw, meters._scope_raw):
        assert not hasattr(shared, "get_lock")  # a RawArray: the reader can never hold up the writer
    staging = meters.staging()
    staging[meters.index("output_peak")] = 0.5
    meters.publish(staging)
    assert meters.read().output_peak_db == 20 * np.log10(0.5)


def test_the_audio_goes_on_while_nobody_reads_the_engine(jack):  # noqa: F811
    with running_engine(chain_dict=tiny_chain().to_dict()) as engine:
        before = engine.meters().callbacks
        for i in range(200):  # each answered by a state event: far more than the pipe holds unread
            engine.set_parameter("mix", 0.5 + i / 1000)
        deadline = time.monotonic() + 30
        while engine.meters().callbacks < before + 200:  # the callback counts on, the pipe full
            assert time.monotonic() < deadline, "the audio stopped while the engine's pipe was full"
            time.sleep(0.05)
        events = []
        while len(events) < 200 and time.monotonic() < deadline:
            events += engine.poll(0.5)
        assert len([e for e in events if e.kind == "state"]) == 200
        assert engine.state.chain_dict["effects"][0]["parameters"]["mix"] == 0.5 + 199 / 1000
