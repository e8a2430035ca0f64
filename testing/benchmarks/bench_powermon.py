"""Power-monitor figures: binary decoding throughput and energy accuracy on the virtual lab.

Run: ``.venv/bin/python testing/benchmarks/bench_powermon.py``
"""

from __future__ import annotations

import time

import numpy as np

from farm.powermon.activity import ActivityProfile
from farm.powermon.binary_codec import STLINK_V3PWR_FRAME_LENGTHS, encode_samples, timestamp_frame
from farm.powermon.binary_stream import BinaryStreamParser
from farm.powermon.emulator import start_emulator
from farm.powermon.energy import InferenceWindow, energy_from_events, energy_from_windows
from farm.powermon.lpm01a import Lpm01aConfig, Lpm01aMonitor
from farm.powermon.protocols import (
    AcquisitionSettings,
    OutputMode,
    SampleFormat,
    TriggerSource,
)
from farm.powermon.stlink_v3pwr import StlinkV3PwrConfig, StlinkV3PwrMonitor

DEVICE_RATE_HZ = 100_000


def build_stream(samples: int) -> bytes:
    """A V3PWR-style binary stream: an F3 timestamp before every 1000 samples."""
    rng = np.random.default_rng(1)
    values = rng.uniform(1e-4, 5e-2, samples)
    encoded = encode_samples(values)
    parts = []
    for block in range(samples // 1000):
        parts.append(timestamp_frame(block * 10, 3))
        parts.append(encoded[block * 2000 : (block + 1) * 2000])
    return b"".join(parts)


def decode_throughput(stream: bytes, chunk_bytes: int, repeats: int = 3) -> float:
    """Best samples per second over ``repeats`` full decodes in reads of ``chunk_bytes``."""
    best = 0.0
    for _ in range(repeats):
        parser = BinaryStreamParser(STLINK_V3PWR_FRAME_LENGTHS)
        count = 0
        began = time.perf_counter()
        for at in range(0, len(stream), chunk_bytes):
            count += len(parser.feed(stream[at : at + chunk_bytes]).samples)
        best = max(best, count / (time.perf_counter() - began))
    return best


def energy_error(device: str, fmt: SampleFormat, rate_hz: int) -> float:
    """Relative error of the hw-trigger window method against the profile's exact energy."""
    window = (0.0203, 0.1203)
    profile = ActivityProfile(idle_current_a=0.001, active_current_a=0.012, windows=[window])
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=rate_hz, sample_format=fmt,
        trigger=TriggerSource.HARDWARE, acquisition_time_s=0.15,
    )  # fmt: skip
    with start_emulator(device, profile, realtime=False) as handle:  # type: ignore[arg-type]
        monitor = (
            StlinkV3PwrMonitor("bench", StlinkV3PwrConfig(port=handle.port))
            if device == "stlink-v3pwr"
            else Lpm01aMonitor("bench", Lpm01aConfig(port=handle.port))
        )
        with monitor:
            monitor.configure(settings)
            monitor.start()
            handle.fire_trigger()
            trace = monitor.wait(timeout_s=10)
    measured = energy_from_windows(trace, [InferenceWindow(*window, 10)]).energy_uj
    return measured / (profile.energy_j(*window, 3.0) * 1e6 / 10) - 1


def events_error() -> float:
    """MLPerf's LPM01A method: output energy, 1 kHz ASCII, event lines around the window."""
    window = (0.0203, 0.1203)
    profile = ActivityProfile(idle_current_a=0.001, active_current_a=0.012, windows=[window])
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=1000, sample_format=SampleFormat.ASCII,
        output=OutputMode.ENERGY, event_lines=True, acquisition_time_s=0.15,
    )  # fmt: skip
    with start_emulator("lpm01a", profile, realtime=False) as handle:
        handle.schedule_edges(window)
        with Lpm01aMonitor("bench", Lpm01aConfig(port=handle.port)) as monitor:
            with monitor.capture_session(settings) as cap:
                pass
    measured = energy_from_events(cap.trace, 10).energy_uj
    return measured / (profile.energy_j(*window, 3.0) * 1e6 / 10) - 1


def main() -> None:
    """Print the figures."""
    stream = build_stream(10_000_000)
    print(f"binary stream: {len(stream) / 1e6:.1f} MB, 10,000,000 samples, F3 every 1000")
    for chunk in (1 << 20, 1 << 16, 1 << 12):
        rate = decode_throughput(stream, chunk)
        print(
            f"decode in {chunk:>8} B reads: {rate / 1e6:7.1f} M samples/s "
            f"= {rate / DEVICE_RATE_HZ:6.0f} x the device's 100 kHz"
        )
    for device in ("stlink-v3pwr", "lpm01a"):
        for fmt, rate_hz in ((SampleFormat.BINARY, 100_000), (SampleFormat.ASCII, 1000)):
            error = energy_error(device, fmt, rate_hz)
            print(f"energy error {device:12} {fmt.value:9} {rate_hz:>6} Hz: {error * 100:+.4f} %")
    print(f"energy error lpm01a events (energy output, 1 kHz ascii): {events_error() * 100:+.4f} %")


if __name__ == "__main__":
    main()
