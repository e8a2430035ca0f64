"""Checks of acquisition settings that both devices share, raised before the device is touched."""

from __future__ import annotations

from typing import Any

from farm.errors import OptionError
from farm.powermon.numbers import format_duration
from farm.powermon.protocols import SAMPLE_RATES_HZ, AcquisitionSettings, SampleFormat

#: ASCII stream limits: unlimited up to 5 kHz, 10 kHz for 1 s, 20 kHz for 0.5 s.
ASCII_LIMITS_S = {10000: 1.0, 20000: 0.5}
ASCII_FREE_RATE_HZ = 5000


def rate_token(rate_hz: int) -> str:
    """``freq`` argument: 100000 -> ``100k``, 500 -> ``500``."""
    return f"{rate_hz // 1000}k" if rate_hz >= 1000 and rate_hz % 1000 == 0 else str(rate_hz)


def acqtime_token(settings: AcquisitionSettings) -> str:
    """``acqtime`` argument: ``0`` (until stop) or a duration without ``s`` suffix."""
    if settings.acquisition_time_s is None:
        return "0"
    return format_duration(settings.acquisition_time_s)


def check_common(
    name: str, settings: AcquisitionSettings, voltage_range_mv: tuple[int, int]
) -> None:
    """Voltage range, sample rate, ASCII rate limits.

    Raises:
        OptionError: With the allowed values.
    """
    low, high = voltage_range_mv
    if not low <= settings.voltage_mv <= high:
        raise OptionError(
            f"power monitor '{name}': voltage_mv={settings.voltage_mv} out of range; "
            f"allowed {low}..{high}",
            field="voltage_mv",
        )
    if settings.sample_rate_hz not in SAMPLE_RATES_HZ:
        raise OptionError(
            f"power monitor '{name}': sample_rate_hz={settings.sample_rate_hz} not supported; "
            f"one of {', '.join(map(str, SAMPLE_RATES_HZ))}",
            field="sample_rate_hz",
        )
    rate = settings.sample_rate_hz
    if settings.sample_format is SampleFormat.ASCII and rate > ASCII_FREE_RATE_HZ:
        limit = ASCII_LIMITS_S.get(rate)
        duration = settings.acquisition_time_s
        if limit is None or duration is None or duration > limit:
            allowed = "not at all" if limit is None else f"for at most {limit:g} s"
            raise OptionError(
                f"power monitor '{name}': ascii format at {rate} Hz is allowed {allowed}; "
                "use the binary format or a lower rate",
                field="sample_format",
            )


def method_of(
    device: str, identity: dict[str, str], settings: AcquisitionSettings
) -> dict[str, Any]:
    """The measurement method stored with every trace and energy figure."""
    return {
        "device": device,
        "device_id": identity.get("id", ""),
        "firmware": identity.get("version", ""),
        "sample_rate_hz": settings.sample_rate_hz,
        "format": settings.sample_format.value,
        "output": settings.output.value,
        "trigger": settings.trigger.value,
        "voltage_mv": settings.voltage_mv,
        "acquisition_time_s": settings.acquisition_time_s,
    }
