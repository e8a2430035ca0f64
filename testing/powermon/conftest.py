"""Fixtures: emulators on real ptys and the production drivers pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from farm.powermon.activity import ActivityProfile, ConstantSource
from farm.powermon.emulator import EmulatorHandle, start_emulator
from farm.powermon.lpm01a import Lpm01aConfig, Lpm01aMonitor
from farm.powermon.protocols import AcquisitionSettings, PowerMonitor, SampleFormat
from farm.powermon.stlink_v3pwr import StlinkV3PwrConfig, StlinkV3PwrMonitor

DEVICES = ("stlink-v3pwr", "lpm01a")
# The two wire formats at their usual rates, 50 ms long; tests copy them with other durations.
BINARY = AcquisitionSettings(
    voltage_mv=3000,
    sample_rate_hz=100000,
    sample_format=SampleFormat.BINARY,
    acquisition_time_s=0.05,
)
ASCII = AcquisitionSettings(
    voltage_mv=3000, sample_rate_hz=1000, sample_format=SampleFormat.ASCII, acquisition_time_s=0.05
)


def make_driver(handle: EmulatorHandle, board: str = "virt-01") -> PowerMonitor:
    """The production driver of the emulated device, on the emulator's pty."""
    name = f"{board}/{handle.device}"
    if handle.device == "stlink-v3pwr":
        return StlinkV3PwrMonitor(name, StlinkV3PwrConfig(port=handle.port), board=board)
    return Lpm01aMonitor(name, Lpm01aConfig(port=handle.port), board=board)


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Each conformance test runs once per device."""
    return str(request.param)


@pytest.fixture
def emulator(device: str) -> Iterator[EmulatorHandle]:
    """A device-time emulator streaming 10 mA."""
    handle = start_emulator(device, ConstantSource(0.010), realtime=False)  # type: ignore[arg-type]
    yield handle
    handle.stop()


@pytest.fixture
def monitor(emulator: EmulatorHandle) -> Iterator[PowerMonitor]:
    """An open driver on the emulator."""
    driver = make_driver(emulator)
    driver.open()
    yield driver
    driver.close()


@pytest.fixture
def profile() -> ActivityProfile:
    """1 mA idle, 12 mA during one 100 ms window starting at 20.3 ms (not on a sample edge)."""
    return ActivityProfile(idle_current_a=0.001, active_current_a=0.012, windows=[(0.0203, 0.1203)])
