"""Bytes from a real-time thread to the engine's main thread, which waits on many things at once."""

from __future__ import annotations

import socket


class ByteChannel:
    """A non-blocking socket pair: `send` from any thread (it never waits: when the reader is far
    behind, bytes are dropped), `read` on the main thread, which waits for it to become readable
    with select or multiprocessing.connection.wait (`fileno`)."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def send(self, data: bytes) -> None:
        try:
            self._writer.send(data)
        except OSError:  # full (BlockingIOError) or closing: dropping beats blocking the sender
            pass

    def fileno(self) -> int:
        return self._reader.fileno()

    def read(self) -> bytes:
        """Every byte sent since the last call, in order."""
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
        self._reader.close()
        self._writer.close()
