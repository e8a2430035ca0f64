"""Emulated power monitors served on a real pty, for drivers that open it with pyserial.

Wiring API for the virtual lab::

    handle = start_emulator("stlink-v3pwr", ActivityProfile(...), realtime=False)
    monitor = StlinkV3PwrMonitor("twin-1/v3pwr", StlinkV3PwrConfig(port=handle.port))
    ...  # configure(trigger=hw), start() arms, then:
    handle.fire_trigger()          # TGI / D7 edge: the acquisition starts at device time 0
    handle.stop()

With ``realtime=False`` the stream runs in device time (sample k covers (k/f, (k+1)/f] whatever
the wall clock), as fast as the reader takes it; ``realtime=True`` paces it at most at f.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import random
import select
import struct
import termios
import threading
import time
import tty
from collections.abc import Sequence
from typing import Literal

from farm.errors import EmulatorError
from farm.powermon.activity import CurrentSource
from farm.powermon.emulator_device import EmulatedPowerShield
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.emulator_traits import DeviceTraits, WireVariant
from farm.powermon.lpm01a_emulator import LPM01A_TRAITS
from farm.powermon.stlink_v3pwr_emulator import STLINK_V3PWR_TRAITS

log = logging.getLogger(__name__)
trace_log = logging.getLogger(__name__ + ".trace")

EmulatedDevice = Literal["stlink-v3pwr", "lpm01a"]
TRAITS: dict[str, DeviceTraits] = {"stlink-v3pwr": STLINK_V3PWR_TRAITS, "lpm01a": LPM01A_TRAITS}
_POLL_S = 0.005


class EmulatorHandle:
    """A running emulator: its pty path, its current source and its trigger pin."""

    def __init__(self, device: EmulatedPowerShield, *, split_writes: bool, seed: int) -> None:
        self._device = device
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation before pyserial opens it
        os.set_blocking(self._master, False)
        self.port: str = os.ttyname(self._slave)
        self.device: str = device.traits.device
        self._wake_r, self._wake_w = os.pipe()
        self._requests: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._split = split_writes
        self._random = random.Random(seed)
        self._pending = bytearray()
        self._thread = threading.Thread(target=self._serve, name=f"emulator-{self.device}")
        self._thread.daemon = True
        self._thread.start()

    # --- API used by the virtual lab -------------------------------------------------------

    def set_source(self, source: CurrentSource) -> None:
        """Replace the current source (it applies from the next generated sample)."""
        self._request("source", source)

    def fire_trigger(self, at_s: float | None = None) -> None:
        """One TGI / D7 falling edge.

        Armed (``trigsrc hw|d7`` after ``start``): the acquisition starts now (device time 0).
        Running with ``eventsrc d7``: an event line at device time ``at_s`` (None: now).
        Idle with ``at_s``: the edge is kept for the next acquisition (see schedule_edges).
        """
        self._request("edge", at_s)

    def schedule_edges(self, times_s: Sequence[float]) -> None:
        """Edges at device times of the next acquisition (the DUT's GPIO around N inferences)."""
        for at_s in times_s:
            self._request("edge", float(at_s))

    def stop(self) -> None:
        """Stop serving and release the pty."""
        self._stopping.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        for fd in (self._wake_r, self._wake_w, self._slave):
            os.close(fd)
        self._close_master()

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def target_powered(self) -> bool:
        """Whether the emulated monitor powers its target (``pwr on`` / ``pwr off``)."""
        return self._device.target_powered

    @property
    def alive(self) -> bool:
        """False once the emulator closed its port (fault) or was stopped."""
        return self._thread.is_alive()

    # --- serving thread --------------------------------------------------------------------

    def _request(self, kind: str, value: object) -> None:
        self._requests.put((kind, value))
        os.write(self._wake_w, b"x")

    def _close_master(self) -> None:
        if self._master >= 0:
            os.close(self._master)
            self._master = -1

    def _serve(self) -> None:
        lines = bytearray()
        device = self._device
        try:
            while not self._stopping.is_set() and self._master >= 0:
                self._handle_requests()
                self._move_output()
                while (end := lines.find(b"\n")) >= 0 and not device.busy():
                    raw = bytes(lines[:end]).rstrip(b"\r")
                    del lines[: end + 1]
                    trace_log.debug("%s rx %r", self.device, raw)
                    device.on_line(raw.decode("ascii", errors="replace"))
                    self._move_output()
                device.pump(len(self._pending))
                self._move_output()
                if device.close_requested:
                    log.info("emulator %s closes its port (fault injection)", self.device)
                    self._write_all_now()
                    self._close_master()
                    return
                lines += self._wait_and_transfer()
        except OSError as exc:
            if not self._stopping.is_set():
                log.warning("emulator %s stopped serving: %s", self.device, exc)

    def _handle_requests(self) -> None:
        while True:
            try:
                kind, value = self._requests.get_nowait()
            except queue.Empty:
                return
            if kind == "source":
                self._device.source = value  # type: ignore[assignment]
                if self._device.stream is not None:
                    self._device.stream.source = value  # type: ignore[assignment]
            elif kind == "edge":
                self._device.on_edge(value)  # type: ignore[arg-type]

    def _move_output(self) -> None:
        """Move due replies from the device queue to the bytes waiting for the pty."""
        queued = self._device.output
        while queued and queued[0][0] <= time.monotonic():
            self._pending += queued.popleft()[1]

    def _wait_and_transfer(self) -> bytes:
        want_write = [self._master] if self._pending else []
        idle = not self._pending and self._device.state != "running"
        readable, writable, _ = select.select(
            [self._master, self._wake_r], want_write, [], _POLL_S * (4 if idle else 1)
        )
        if self._wake_r in readable:
            os.read(self._wake_r, 4096)
        if writable:
            self._write_some()
        if self._master in readable:
            return os.read(self._master, 4096)
        return b""

    def _write_some(self) -> None:
        size = len(self._pending)
        if self._split:  # fault: small pieces, each its own write, so reads see them apart
            size = min(size, self._random.randint(1, 61))
        try:
            written = os.write(self._master, self._pending[:size])
        except BlockingIOError:
            return
        trace_log.debug("%s tx %r", self.device, bytes(self._pending[:written]))
        del self._pending[:written]
        if self._split and len(self._pending) < 512:
            threading.Event().wait(0.0005)

    def _write_all_now(self) -> None:
        """Flush, and let the reader drain the pty: closing the master discards unread input."""
        deadline = time.monotonic() + 2.0
        while self._pending and time.monotonic() < deadline:
            _, writable, _ = select.select([], [self._master], [], 0.1)
            if writable:
                self._write_some()
        # FIONREAD can read 0 while written bytes still sit in the pty's flip buffer: wait for
        # the input queue to stay empty for a while, not just once.
        empty_since = None
        while time.monotonic() < deadline:
            unread = struct.unpack("i", fcntl.ioctl(self._slave, termios.FIONREAD, b"\0" * 4))[0]
            now = time.monotonic()
            if unread:
                empty_since = None
            elif empty_since is None:
                empty_since = now
            elif now - empty_since > 0.1:
                return
            time.sleep(0.005)


def start_emulator(
    device: EmulatedDevice,
    source: CurrentSource,
    *,
    realtime: bool,
    fault: FaultInjection | None = None,
    recalibration_s: float = 0.05,
    uid: str = "0019003F3331510B33323639",
    trigger_after_s: float | None = None,
    variant: WireVariant | None = None,
) -> EmulatorHandle:
    """Start an emulated power monitor on a new pty.

    Args:
        device: ``"stlink-v3pwr"`` or ``"lpm01a"``.
        source: Current in amps as a function of device time since the trigger.
        realtime: Pace the stream at most at the sample rate (False: device time, as fast as
            the reader takes it).
        fault: Optional fault injection.
        recalibration_s: Delay of the ``volt`` ack (the real device takes about a second).
        uid: Board id answered to ``powershield``.
        trigger_after_s: Fire the TGI / D7 edge this long after each ``start`` that arms a
            hardware trigger (a stand-in for a DUT's pin, for third-party clients).
        variant: Alternative answers for wire facts no reference confirms (tests of drivers).

    Raises:
        EmulatorError: Unknown device or the pty could not be created.
    """
    traits = TRAITS.get(device)
    if traits is None:
        raise EmulatorError(f"emulator '{device}': unknown device; known: {', '.join(TRAITS)}")
    fault = fault or FaultInjection()
    if variant is not None:
        traits = variant.apply(traits)
    emulated = EmulatedPowerShield(
        traits,
        source,
        fault=fault,
        recalibration_s=recalibration_s,
        realtime=realtime,
        uid=uid,
        trigger_after_s=trigger_after_s,
    )
    try:
        return EmulatorHandle(emulated, split_writes=fault.split_writes, seed=fault.seed)
    except OSError as exc:
        raise EmulatorError(f"emulator '{device}': cannot open a pty: {exc}") from exc
