"""One command vocabulary: every `Command` is a method of `LiveEngine` and of the engine process,
the engine process offers nothing else, and MIDI bindings send commands of that vocabulary."""

from neuralfx.commands import Command
from neuralfx.engine import LiveEngine
from neuralfx.engine.engine_process import _Engine
from neuralfx.midi import BINDABLE, Binding, MidiMap, MidiMessage

LIFE_CYCLE = {"run", "close"}  # the engine process's own, called by engine_main


def test_every_command_is_a_method_of_the_controller_and_of_the_engine_process():
    for command in Command:
        assert callable(getattr(LiveEngine, command.value)), command
        assert callable(getattr(_Engine, command.value)), command
    public = {name for name, value in vars(_Engine).items() if callable(value) and not name.startswith("_")}
    assert public - LIFE_CYCLE == {command.value for command in Command}


def test_midi_bindings_send_engine_commands():
    by_cc = [Binding(c, control=10 + i, parameter="mix" if c == Command.SET_PARAMETER else None)
             for i, c in enumerate(BINDABLE) if c != Command.SELECT_PRESET]  # fmt: skip
    mapping = MidiMap([*by_cc, Binding(Command.SELECT_PRESET)])
    sent = [
        action.command for b in by_cc for action in mapping.handle(MidiMessage("control_change", 0, b.control, 127))
    ]
    sent += [action.command for action in mapping.handle(MidiMessage("program_change", 0, 2))]
    assert all(isinstance(command, Command) for command in sent)
    assert set(sent) == set(BINDABLE)
