"""MIDI learn: the next suitable message becomes the trigger of the binding being learned."""

from neuralfx.midi import Action, Binding, Learned, MidiMap, MidiMessage, trigger_text


def cc(number, value=127, channel=0):
    return MidiMessage("control_change", channel, number, value)


def pc(program, channel=0):
    return MidiMessage("program_change", channel, program)


def test_learn_binds_the_next_cc_and_replaces_the_old_trigger():
    mapping = MidiMap.default()
    mapping.learn(Binding("toggle_bypass"))
    assert mapping.learning == Binding("toggle_bypass")
    assert mapping.handle(cc(20)) == []  # while learning, messages trigger nothing
    assert mapping.learn_from(cc(20)) == Learned(Binding("toggle_bypass", control=20), replaced=())
    assert mapping.learning is None
    assert mapping.handle(cc(20)) == [Action("toggle_bypass")]
    assert mapping.handle(cc(102)) == []  # the default CC102 binding was replaced


def test_learn_skips_bank_select_sustain_and_channel_mode_messages():
    mapping = MidiMap()
    mapping.learn(Binding("next_preset"))
    for number in (0, 32, 64, *range(120, 128)):
        assert mapping.learn_from(cc(number)) is None
    assert mapping.learning is not None
    assert mapping.learn_from(cc(21)).binding == Binding("next_preset", control=21)


def test_learn_takes_a_program_change_where_the_command_allows_one():
    mapping = MidiMap()
    mapping.learn(Binding("set_bypass"))
    assert mapping.learn_from(pc(4)) is None  # bypass needs a CC
    mapping.learn(Binding("previous_preset"))
    assert mapping.learn_from(pc(4)).binding == Binding("previous_preset", program=4)
    mapping.learn(Binding("select_preset", slot=2))
    assert mapping.learn_from(cc(30)) is None  # slots are chosen by Program Change
    assert mapping.learn_from(pc(11)).binding == Binding("select_preset", program=11, slot=2)
    assert mapping.handle(pc(11)) == [Action("select_preset", (2,))]
    assert mapping.handle(pc(4)) == [Action("previous_preset")]


def test_a_learned_trigger_is_taken_from_whatever_used_it():
    mapping = MidiMap([Binding("next_preset", control=25)])
    mapping.learn(Binding("set_parameter", parameter="mix", minimum=0.5, maximum=1.0))
    learned = mapping.learn_from(cc(25, 0))
    assert learned.replaced == (Binding("next_preset", control=25),)  # said, not silent
    assert mapping.bindings == [Binding("set_parameter", control=25, parameter="mix", minimum=0.5, maximum=1.0)]
    assert mapping.handle(cc(25, 127)) == [Action("set_parameter", ("mix", 1.0))]


def test_learn_listens_on_the_filtered_channel_only_and_can_be_cancelled():
    mapping = MidiMap(channel=1)
    mapping.learn(Binding("toggle_bypass"))
    assert mapping.learn_from(cc(50, channel=0)) is None
    mapping.cancel_learn()
    assert mapping.handle(cc(50, channel=1)) == []
    assert mapping.bindings == []


def test_learning_the_bypass_cc_for_another_action_says_what_it_replaced():
    mapping = MidiMap.default()
    mapping.learn(Binding("previous_preset"))
    learned = mapping.learn_from(cc(102))
    assert learned == Learned(Binding("previous_preset", control=102), (Binding("toggle_bypass", control=102),))
    assert mapping.handle(cc(102)) == [Action("previous_preset")]
    assert [
        trigger_text(b) for b in (learned.binding, Binding("select_preset"), Binding("next_preset", program=3))
    ] == [
        "CC 102",
        "any Program Change",
        "Program 3",
    ]
