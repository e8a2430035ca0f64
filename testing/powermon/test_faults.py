"""Injected faults: absorbed (NULs, split writes) or ending the measurement as an infra error."""

from __future__ import annotations

import numpy as np
import pytest

from farm.errors import PowerMonitorError
from farm.powermon.activity import ConstantSource
from farm.powermon.emulator import start_emulator
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.energy import InferenceWindow, energy_from_windows
from farm.powermon.protocols import AcquisitionSettings, CaptureHandle

from . import conftest
from .conftest import make_driver

# Long enough for the injected faults to land inside the capture.
BINARY = conftest.BINARY.model_copy(update={"acquisition_time_s": 0.08})
ASCII = conftest.ASCII.model_copy(update={"acquisition_time_s": 2.5})


@pytest.mark.parametrize("settings", [BINARY, ASCII], ids=["binary", "ascii"])
def test_nul_bytes_and_split_writes_are_absorbed(
    device: str, settings: AcquisitionSettings
) -> None:
    fault = FaultInjection(nul_bytes=True, split_writes=True, seed=7)
    with start_emulator(device, ConstantSource(0.004), realtime=False, fault=fault) as handle:  # type: ignore[arg-type]
        with make_driver(handle) as monitor, monitor.capture_session(settings) as cap:
            pass
    assert settings.acquisition_time_s is not None
    assert len(cap.trace.samples) == round(settings.acquisition_time_s * settings.sample_rate_hz)
    assert np.allclose(cap.trace.samples, 0.004, rtol=2e-3)


FATAL = [
    (FaultInjection(drop_samples_at=1500, drop_count=37),
     "37 samples lost: 963 samples between the timestamps 10 ms and 20 ms .* other periods "
     "hold 1000 \\(cadence break\\)"),
    (FaultInjection(overrun_at=2000), "device reported 'error overrun: acquisition buffer full"),
    (FaultInjection(close_at=3000), "port closed mid-stream"),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "words"), FATAL, ids=["dropped", "overrun", "closed"])
def test_fatal_faults_void_the_measurement(device: str, fault: FaultInjection, words: str) -> None:
    computed: list[float] = []
    handle_seen: list[CaptureHandle] = []
    with start_emulator(device, ConstantSource(0.004), realtime=False, fault=fault) as handle:  # type: ignore[arg-type]
        monitor = make_driver(handle, board="virt-07")
        monitor.open()
        with pytest.raises(PowerMonitorError, match=words) as info:
            with monitor.capture_session(BINARY) as cap:
                handle_seen.append(cap)
            window = InferenceWindow(0.001, 0.07, inferences=5)
            computed.append(energy_from_windows(cap.trace, [window]).energy_uj)
        monitor.close()
    assert info.value.board == "virt-07"
    assert info.value.kind == "powermon"
    assert computed == []  # no energy figure for a void measurement
    with pytest.raises(RuntimeError):
        _ = handle_seen[0].trace  # and no partial trace either


def test_overrun_shows_the_buffer_load_ramp(device: str) -> None:
    fault = FaultInjection(overrun_at=2000)
    with start_emulator(device, ConstantSource(0.004), realtime=False, fault=fault) as handle:  # type: ignore[arg-type]
        with make_driver(handle) as monitor:
            monitor.configure(BINARY)
            monitor.start()
            with pytest.raises(PowerMonitorError, match="overrun"):
                monitor.wait(timeout_s=5)
            assert monitor.query("status") == [
                "error: error overrun: acquisition buffer full, samples lost"
            ]  # type: ignore[attr-defined]
            assert monitor.query("status") == ["ok"]  # type: ignore[attr-defined]
