"""The same driver tests against both emulators, over a real pty with pyserial."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from farm.errors import OptionError, PowerMonitorError
from farm.powermon.emulator import EmulatorHandle
from farm.powermon.protocols import (
    AcquisitionSettings,
    Capability,
    CurrentTrace,
    OutputMode,
    PowerMonitor,
    SampleFormat,
    TriggerSource,
)

from .conftest import ASCII, BINARY, make_driver


def _check_trace(trace: CurrentTrace, settings: AcquisitionSettings) -> None:
    assert settings.acquisition_time_s is not None
    assert len(trace.samples) == round(settings.acquisition_time_s * settings.sample_rate_hz)
    assert trace.samples.dtype == np.float64
    assert np.allclose(trace.samples, 0.010, rtol=2e-3)
    stamps = [m for m in trace.marks if m.kind == "timestamp"]
    assert stamps[0].sample_index == 0
    assert all(b.sample_index - a.sample_index == 1000 for a, b in itertools.pairwise(stamps))
    assert trace.method["device"] in ("stlink-v3pwr", "lpm01a")
    assert trace.method["sample_rate_hz"] == settings.sample_rate_hz


def test_protocol_and_identity(monitor: PowerMonitor, device: str) -> None:
    assert isinstance(monitor, PowerMonitor)
    assert {Capability.HW_TRIGGER, Capability.SET_SUPPLY_VOLTAGE} <= monitor.capabilities
    ident = monitor.identify()
    assert ident["device"] == device
    assert ident["id"] == "0019003F3331510B33323639"
    assert ident["version"]


@pytest.mark.parametrize("settings", [BINARY, ASCII], ids=["binary-100k", "ascii-1k"])
def test_capture_software_trigger(monitor: PowerMonitor, settings: AcquisitionSettings) -> None:
    with monitor.capture_session(settings) as cap:
        pass
    _check_trace(cap.trace, settings)
    with monitor.capture_session(settings) as cap:  # a second acquisition on the same link
        pass
    _check_trace(cap.trace, settings)


def test_hardware_trigger_arms_then_fires(monitor: PowerMonitor, emulator: EmulatorHandle) -> None:
    settings = BINARY.model_copy(update={"trigger": TriggerSource.HARDWARE})
    monitor.configure(settings)
    monitor.start()
    time.sleep(0.1)
    assert len(monitor.stop(timeout_s=5).samples) == 0  # armed only: nothing before the edge
    monitor.start()
    time.sleep(0.02)
    emulator.fire_trigger()
    _check_trace(monitor.wait(timeout_s=10), settings)


def test_wait_timeout_leaves_the_link_usable(monitor: PowerMonitor) -> None:
    monitor.configure(BINARY.model_copy(update={"trigger": TriggerSource.HARDWARE}))
    monitor.start()
    with pytest.raises(PowerMonitorError, match="did not complete"):
        monitor.wait(timeout_s=0.2)
    with monitor.capture_session(ASCII) as cap:
        pass
    assert len(cap.trace.samples) == 50


def test_stop_ends_an_open_ended_acquisition(monitor: PowerMonitor) -> None:
    settings = BINARY.model_copy(update={"acquisition_time_s": None})
    monitor.configure(settings)
    monitor.start()
    time.sleep(0.05)
    trace = monitor.stop(timeout_s=5)
    assert len(trace.samples) > 0
    assert monitor.query("status") == ["ok"]  # type: ignore[attr-defined]


def test_voltage_readback(monitor: PowerMonitor) -> None:
    monitor.configure(ASCII.model_copy(update={"voltage_mv": 2500}))
    (text,) = monitor.query("volt get")  # type: ignore[attr-defined]
    assert text == "2500-03"


def test_device_refusal_carries_device_words(monitor: PowerMonitor) -> None:
    with pytest.raises(
        PowerMonitorError, match="Error detail: frequency '3k' not supported"
    ) as info:
        monitor.query("freq 3k")  # type: ignore[attr-defined]
    assert info.value.board == "virt-01"
    monitor.configure(ASCII)  # the link is still in step afterwards


@pytest.mark.parametrize(
    ("update", "field"),
    [({"voltage_mv": 1700}, "voltage_mv"), ({"sample_rate_hz": 3000}, "sample_rate_hz"),
     ({"sample_rate_hz": 10000, "acquisition_time_s": 2.0}, "sample_format")],
)  # fmt: skip
def test_bad_settings_refused_before_device(
    monitor: PowerMonitor, device: str, update: dict[str, object], field: str
) -> None:
    if device == "stlink-v3pwr" and field == "voltage_mv":
        monitor.configure(ASCII.model_copy(update=update))  # 1700 is fine on the V3PWR
        update = {"voltage_mv": 1500}
    with pytest.raises(OptionError) as info:
        monitor.configure(ASCII.model_copy(update=update))
    assert info.value.field == field


def test_not_open_error(emulator: EmulatorHandle) -> None:
    driver = make_driver(emulator)
    with pytest.raises(PowerMonitorError, match="is not open; call open"):
        driver.configure(ASCII)


def test_error_inside_session_stops_acquisition(monitor: PowerMonitor) -> None:
    settings = BINARY.model_copy(update={"acquisition_time_s": None})
    with pytest.raises(RuntimeError), monitor.capture_session(settings):
        raise RuntimeError("workload failed")
    with monitor.capture_session(ASCII) as cap:
        pass
    assert len(cap.trace.samples) == 50


def test_device_specific_settings_refused(monitor: PowerMonitor, device: str) -> None:
    if device == "stlink-v3pwr":
        refused = [
            {"output": OutputMode.ENERGY},
            {"event_lines": True},
            {"trigger": TriggerSource.D7},
        ]
    else:
        refused = [{"event_lines": True, "sample_format": SampleFormat.BINARY}]
    for update in refused:
        with pytest.raises(OptionError):
            monitor.configure(ASCII.model_copy(update=update))
    assert (Capability.EVENT_LINES in monitor.capabilities) == (device == "lpm01a")
