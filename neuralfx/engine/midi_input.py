"""MIDI ports for the engine process through python-rtmidi (when MIDI does not come through JACK).

rtmidi calls back on its own thread with each message's raw bytes; the callback forwards them
through a ByteChannel to the engine's main thread, which feeds them to neuralfx.midi.MidiParser.
SysEx, clock and active sensing are let through (rtmidi would otherwise filter them with
parser state of its own): our parser skips them, and a broken message cannot wedge it.
"""

from __future__ import annotations

from .byte_channel import ByteChannel
from .devices import match_one, midi_in


class MidiInput:
    """Listens to one existing port and/or one port of its own that others connect to.

    Args:
        api: rtmidi API name ("UNIX_JACK", "LINUX_ALSA"...), None for rtmidi's default.
        port: an existing MIDI output port: its exact name or a substring matching one port.
        virtual_port: the name of a port to create (client "<client_name> midi").
        client_name: the engine's client name.
    """

    def __init__(
        self, api: str | None, port: str | None = None, virtual_port: str | None = None, client_name: str = "neuralfx"
    ) -> None:
        self.channel = ByteChannel()
        self._inputs = []
        self.names: list[str] = []
        client = f"{client_name} midi"
        try:
            if port is not None:
                listener = self._input(api, client)
                names = listener.get_ports()
                index = match_one(port, names, "MIDI port")
                listener.open_port(index, "in")
                self.names.append(names[index])
            if virtual_port is not None:
                self._input(api, client).open_virtual_port(virtual_port)
                self.names.append(f"{client}:{virtual_port}")
        except BaseException:
            self.close()
            raise

    def _input(self, api: str | None, client: str):
        listener = midi_in(api, client)
        self._inputs.append(listener)
        listener.ignore_types(sysex=False, timing=False, active_sense=False)
        listener.set_callback(self._forward)
        return listener

    def fileno(self) -> int:
        """Readable when MIDI bytes are waiting (for select / multiprocessing.connection.wait)."""
        return self.channel.fileno()

    def read(self) -> bytes:
        """Every byte received since the last call, in order."""
        return self.channel.read()

    def close(self) -> None:
        for listener in self._inputs:
            listener.close_port()
            listener.delete()
        self._inputs = []
        self.channel.close()

    def _forward(self, event, data=None) -> None:
        self.channel.send(bytes(event[0]))
