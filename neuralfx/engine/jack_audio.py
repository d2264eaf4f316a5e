"""The engine as one JACK client (JACK-Client): audio ports, a MIDI port and one process callback.

Nothing stands between the callback and the JACK server (PortAudio would: its JACK layer keeps
a shutdown to itself and knows only the remote ports' latencies), so the engine:
- has ports "<client>:in_0" (none while a file plays), "<client>:out_0"... and a MIDI input port;
- runs the AudioCallback in JACK's process callback, which also hands each MIDI event's raw bytes
  to the main thread (`midi`), where neuralfx.midi.MidiParser reads them: no MIDI library's
  parser state, which a broken message could wedge, sits in between;
- hears of a server shutdown at once (`alarm` becomes readable, `lost` says why);
- reads the round trip from its own ports' latency ranges, which JACK keeps for the whole path
  through the sound card's buffers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import time

import numpy as np

from .audio_callback import AudioCallback
from .byte_channel import ByteChannel
from .devices import match_one

_CAPTURE_LATENCY, _PLAYBACK_LATENCY = 0, 1  # jack_latency_callback_mode_t


class _LatencyRange(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


def load_jack():
    """The JACK-Client module, or an OSError that says what to install."""
    try:
        import jack
    except ImportError:
        raise OSError("live audio through JACK needs the JACK-Client package: pip install 'neuralfx[gui]'") from None
    except OSError:  # JACK-Client found no libjack
        raise OSError(
            "live audio through JACK needs the JACK library: apt install jackd2 (Debian, Ubuntu), "
            "dnf install jack-audio-connection-kit (Fedora), or your system's JACK package"
        ) from None
    return jack


def no_server_message(name: str | None) -> str:
    server = f" named {name!r}" if name else ""
    return (
        f"no JACK server{server} is running: start one (QjackCtl, or `jackd -d alsa -d hw:0 -r 48000 -p 128` "
        "for your sound card; with none, `jackd -d dummy -r 48000 -p 128` runs one to route programs), then start again"
    )


class JackAudio:
    """The engine's JACK client. Construct (the server's `rate` and `blocksize` are then known),
    then `start(callback)`; `close()` at the end.

    Args:
        client_name: the client's name; another client of that name is an error.
        has_input: register "in_0" (False while a file plays).
        input_device, output_device: a JACK client whose ports to connect (e.g. "system"; name or
            part of one); None: the physical capture and playback ports.
        input_channel: which of those capture ports feeds in_0, from 0.
        output_channels: outputs the mono result is copied to, at most as many as there are
            playback ports to connect (when there are any).
        sample_rate: the rate asked for; None takes the server's, another raises ValueError.
    """

    def __init__(
        self,
        client_name: str,
        has_input: bool,
        input_device: str | None,
        input_channel: int,
        output_device: str | None,
        output_channels: int,
        sample_rate: int | None,
    ) -> None:
        jack = load_jack()
        try:
            self.client = jack.Client(client_name, use_exact_name=True, no_start_server=True)
        except jack.JackOpenError as exc:
            if exc.status.name_not_unique:
                raise ValueError(
                    f"a JACK client named {client_name!r} is already running (another neuralfx?): stop it, "
                    "or give this one another name (--client-name)"
                ) from None
            raise OSError(no_server_message(os.environ.get("JACK_DEFAULT_SERVER"))) from None
        try:
            self._open(has_input, input_device, input_channel, output_device, output_channels, sample_rate)
        except BaseException:
            self.client.close()
            raise

    def _open(self, has_input, input_device, input_channel, output_device, output_channels, sample_rate) -> None:
        client = self.client
        self.rate, self.blocksize = client.samplerate, client.blocksize
        if sample_rate is not None and sample_rate != self.rate:
            raise ValueError(
                f"the JACK server runs at {self.rate} Hz, not {sample_rate} Hz: restart it with -r {sample_rate}, "
                "or leave the sample rate to the server"
            )
        self.callback: AudioCallback | None = None
        self.lost: str | None = None
        """Why the server went away (set by JACK's shutdown callback), or None."""
        self.alarm = ByteChannel()
        """Readable once the server has gone away."""
        self.midi: ByteChannel | None = None
        """The MIDI port's raw bytes, once `add_midi_input` made one."""
        self._midi_port = None
        self._midi_sources: list[str] = []
        self._active = False

        self.input_name, self._sources = "", []
        if has_input:
            self.input_name, capture = self._device(input_device, "capture")
            if capture and input_channel >= len(capture):
                raise ValueError(
                    f"input_channel {input_channel} does not exist: {self.input_name!r} has {len(capture)} "
                    "capture port(s), numbered from 0"
                )
            self._sources = capture[input_channel : input_channel + 1]
        self.output_name, self._targets = self._device(output_device, "playback")
        count = min(output_channels, len(self._targets)) if self._targets else output_channels
        self._in = client.inports.register("in_0") if has_input else None
        self._outs = [client.outports.register(f"out_{i}") for i in range(count)]
        client.set_process_callback(self._process)
        self._last_cycle: int | None = None  # JACK's frame time at the last cycle's start
        self._late = False
        client.set_shutdown_callback(self._shutdown)

    def _device(self, device: str | None, kind: str) -> tuple[str, list[str]]:
        """(the name shown, the ports to connect) for a capture or playback device."""
        if device is not None and (isinstance(device, int) or str(device).isdigit()):
            raise ValueError(f"with JACK, name the client whose ports to connect (such as 'system'), not {device!r}")
        capture = kind == "capture"  # a capture device's ports are outputs we read from
        ports = [p.name for p in self.client.get_ports(is_audio=True, is_output=capture, is_input=not capture)]
        if device is None:
            physical = self.client.get_ports(is_audio=True, is_physical=True, is_output=capture, is_input=not capture)
            names = [p.name for p in physical]
            return (names[0].split(":")[0] if names else f"no {kind} ports"), names
        clients = list(dict.fromkeys(name.split(":")[0] for name in ports))
        chosen = clients[match_one(str(device), clients, f"JACK {kind} client")]
        return chosen, [name for name in ports if name.split(":")[0] == chosen]

    def add_midi_input(self, port_name: str, source: str | None = None) -> list[str]:
        """Register the MIDI input port `port_name` (before `start`), connected at start to the
        existing MIDI output port `source` (its name or a unique part of it) if given; returns
        the names of the ports listened to. Raises ValueError if no port matches `source`."""
        if source is not None:
            outputs = [p.name for p in self.client.get_ports(is_midi=True, is_output=True)]
            self._midi_sources = [outputs[match_one(source, outputs, "MIDI port")]]
        if self._midi_port is None:
            self._midi_port = self.client.midi_inports.register(port_name)
            self.midi = ByteChannel()
        return [self._midi_port.name, *self._midi_sources]

    def start(self, callback: AudioCallback) -> None:
        """Activate the client, `callback` processing each block (it gets the capture port's
        buffer, or None without one), then connect its ports."""
        self.callback = callback
        self.client.activate()
        self._active = True
        pairs = [(source, self._in) for source in self._sources]
        pairs += [(out, target) for out, target in zip(self._outs, self._targets, strict=False)]
        pairs += [(source, self._midi_port) for source in self._midi_sources]
        for source, destination in pairs:
            self.client.connect(source, destination)

    @property
    def latency(self) -> tuple[int, int]:
        """(input, output) latency in samples: the largest capture latency reaching in_0 (0 when a
        file plays) and the largest playback latency from out_0 (JACK updates them as ports connect)."""
        capture = _latency_range(self._in, _CAPTURE_LATENCY) if self._in is not None else 0
        playback = _latency_range(self._outs[0], _PLAYBACK_LATENCY) if self._outs else 0
        return capture, playback

    def close(self) -> None:
        if self._active and self.lost is None:  # after a shutdown the server can no longer answer
            self.client.deactivate()
        self._active = False
        self.client.close()
        for channel in (self.alarm, self.midi):
            if channel is not None:
                channel.close()

    # --- JACK's threads ---------------------------------------------------------------------------
    def _process(self, frames: int) -> None:
        # The xruns are counted here, not by a JACK xrun callback: that would run Python on JACK's
        # notification thread, whose hold on the interpreter can make this callback wait.
        cycle_start = time.perf_counter() - self.client.frames_since_cycle_start / self.rate
        cycle = self.client.last_frame_time
        skipped = self._last_cycle is not None and not self._late and (cycle - self._last_cycle) % 2**32 > frames
        y = self.callback.process(self._in.get_array() if self._in is not None else None, frames, cycle_start)
        for port in self._outs:
            np.copyto(port.get_array(), y)
        if self._midi_port is not None:
            for _, data in self._midi_port.incoming_midi_events():
                self.midi.send(bytes(data))
        self._late = time.perf_counter() - cycle_start > frames / self.rate
        if self._late or skipped:  # a late block, or cycles JACK ran without us: a dropout
            self.callback.xruns += 1
        self._last_cycle = cycle

    def _shutdown(self, status, reason: str) -> None:
        self.lost = f"the JACK server stopped ({reason.strip() or 'no reason given'})"
        self.alarm.send(b"!")


def _latency_range(port, mode: int) -> int:
    """The maximum of a port's latency range (JACK-Client 0.5 does not wrap this call)."""
    import jack

    library = _libjack()
    latency = _LatencyRange()
    library.jack_port_get_latency_range(int(jack._ffi.cast("uintptr_t", port._ptr)), mode, ctypes.byref(latency))
    return int(latency.max)


@functools.cache
def _libjack() -> ctypes.CDLL:
    library = ctypes.CDLL(ctypes.util.find_library("jack"))
    library.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_LatencyRange)]
    library.jack_port_get_latency_range.restype = None
    return library
