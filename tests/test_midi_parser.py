"""MidiParser: Control Change and Program Change out of any byte stream; everything else dropped."""

from neuralfx.midi import MidiMessage, MidiParser


def cc(channel, number, value):
    return MidiMessage("control_change", channel, number, value)


def pc(channel, program):
    return MidiMessage("program_change", channel, program)


def test_control_and_program_changes():
    assert MidiParser().feed(bytes([0xB0, 102, 127, 0xC3, 5])) == [cc(0, 102, 127), pc(3, 5)]


def test_running_status_reuses_the_last_status_byte():
    assert MidiParser().feed(bytes([0xB1, 7, 100, 7, 90, 8, 0])) == [cc(1, 7, 100), cc(1, 7, 90), cc(1, 8, 0)]
    assert MidiParser().feed(bytes([0xC0, 1, 2])) == [pc(0, 1), pc(0, 2)]


def test_real_time_bytes_inside_a_message_change_nothing():
    assert MidiParser().feed(bytes([0xB0, 0xF8, 102, 0xFE, 64])) == [cc(0, 102, 64)]


def test_a_message_split_across_feeds():
    parser = MidiParser()
    assert parser.feed(bytes([0xB2, 20])) == []
    assert parser.feed(bytes([33])) == [cc(2, 20, 33)]


def test_other_messages_are_skipped():
    note_on_off = [0x90, 60, 100, 0x80, 60, 0]
    pitch_bend_aftertouch = [0xE0, 0, 64, 0xD0, 50, 0xA0, 60, 10]
    sysex = [0xF0, 0x7E, 0x01, 0x02, 0xF7]
    song_position = [0xF2, 1, 2]
    data = bytes([*note_on_off, *pitch_bend_aftertouch, *sysex, *song_position, 0xB0, 1, 2])
    assert MidiParser().feed(data) == [cc(0, 1, 2)]


def test_malformed_bytes_are_ignored():
    parser = MidiParser()
    assert parser.feed(bytes([5, 6, 7])) == []  # data bytes without a status
    assert parser.feed(bytes([0xB0, 102, 0xC0, 4])) == [pc(0, 4)]  # a CC cut short by a new status
    assert parser.feed(bytes([0xB0, 0xF0, 1, 2])) == []  # sysex data is skipped...
    assert parser.feed(bytes([0xF7, 3, 4, 0xB5, 1, 2])) == [cc(5, 1, 2)]  # ...and it cancelled running status
    assert parser.feed(bytes([0xF0, 9, 0xB0, 1, 2])) == [cc(0, 1, 2)]  # any status byte ends a sysex
    assert parser.feed([0xB0, 300, -1, "x", 102, 127]) == []  # not bytes: resynchronise on a status byte
    assert parser.feed([0xB0, 102, 127]) == [cc(0, 102, 127)]
    assert parser.feed(b"") == []


def test_no_garbage_can_wedge_the_parser():
    """Whatever came before (random bytes, a SysEx never ended, half messages, running status, active
    sensing), a complete Control Change is always read: the footswitch never goes dead."""
    import numpy as np

    rng = np.random.default_rng(0)
    pieces = [[0xF0, 1, 2, 3], [0xB0, 102], [0xC0], [5, 6], [0xFE], [0xF8], [0x90, 60], [0xF7], [0xF2, 1]]
    for _ in range(3000):
        garbage = list(rng.integers(0, 256, rng.integers(0, 40)))
        for i in rng.integers(0, len(pieces), rng.integers(0, 6)):
            garbage += pieces[i]
        rng.shuffle(garbage)
        parser = MidiParser()
        parser.feed(bytes(int(b) for b in garbage))
        press = [0xB0, 102, 0xFE, 127] if rng.random() < 0.3 else [0xB0, 102, 127]  # active sensing inside
        assert parser.feed(bytes(press)) == [cc(0, 102, 127)]
