"""MIDI ports for the engine process (mido's rtmidi backend, JACK MIDI included).

rtmidi calls back on its own thread. The callback only forwards the message's bytes through a
socket pair; the engine's main thread waits on the socket together with its command pipe and
runs the MIDI map there. So MIDI never does Python work on the audio thread.
"""

from __future__ import annotations

import socket

from .devices import match_one, midi_backend


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
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._ports = []
        self.names: list[str] = []
        try:
            backend = midi_backend(api)
            if port is not None:
                names = backend.get_input_names()
                name = names[match_one(port, names, "MIDI port")]
                self._ports.append(backend.open_input(name, callback=self._forward))
                self.names.append(name)
            if virtual_port is not None:
                client = f"{client_name} midi"
                self._ports.append(backend.open_input(virtual_port, client_name=client, callback=self._forward))
                self.names.append(f"{client}:{virtual_port}")
        except BaseException:
            self.close()
            raise

    def fileno(self) -> int:
        """Readable when MIDI bytes are waiting (for select / multiprocessing.connection.wait)."""
        return self._reader.fileno()

    def read(self) -> bytes:
        """Every byte received since the last call (complete messages, in order)."""
        chunks = []
        while True:
            try:
                chunk = self._reader.recv(4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        for port in self._ports:
            port.close()
        self._ports = []
        self._reader.close()
        self._writer.close()

    def _forward(self, message) -> None:
        try:
            self._writer.send(bytes(message.bytes()))
        except (BlockingIOError, OSError):
            pass  # the main thread is far behind or closing: dropping MIDI beats blocking rtmidi
