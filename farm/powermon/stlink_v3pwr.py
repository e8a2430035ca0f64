"""STLINK-V3PWR driver: the power VCP of ST's probe, over pyserial.

The commands are sent in the forms ST's own host scripts send (x-cube-n6-ai-power-measurement
v2.0.0, ``Utilities/pwr_scripts``), ST's forms winning where our notes differ: ``volt 3300m``
then a settle pause, ``format bin_hex``, ``acqtime inf``, ``freq 100000`` (Hz), ``trigsrc hw``
followed by ``trigdelay 0m``, and ``pwr on`` / ``pwr off`` for the target's supply. What is
confirmed and what is not: farm/powermon/README.md.
"""

from __future__ import annotations

import logging
import time

import serial
from pydantic import BaseModel, ConfigDict, Field

from farm.errors import OptionError, PowerMonitorError
from farm.powermon.binary_codec import STLINK_V3PWR_FRAME_LENGTHS
from farm.powermon.numbers import format_duration
from farm.powermon.port_discovery import find_ports, is_v3pwr_power_port
from farm.powermon.powershield_monitor import PowerShieldMonitor
from farm.powermon.protocols import (
    AcquisitionSettings,
    Capability,
    OutputMode,
    SampleFormat,
    TriggerSource,
)
from farm.powermon.registry import register_powermon
from farm.powermon.section import PowerShieldSection
from farm.powermon.settings_rules import check_common, method_of
from farm.step import step

log = logging.getLogger(__name__)

VOLTAGE_RANGE_MV = (1600, 3600)
#: ``format`` argument per sample format: ST's validator accepts only these two.
FORMAT_TOKENS = {SampleFormat.BINARY: "bin_hex", SampleFormat.ASCII: "ascii_dec"}


class StlinkV3PwrConfig(BaseModel):
    """STLINK-V3PWR power monitor feeding one board."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    port: str | None = Field(None, description="pyserial port/URL; None: find by serial number.")
    serial_number: str | None = Field(None, description="Probe serial number (both VCPs share it).")
    voltage_mv: int = Field(3300, ge=1600, le=3600, description="Default supply voltage.")
    baudrate: int = Field(100000, description="Ignored by USB CDC; ST's scripts open at 100000.")
    supplies_target: bool = Field(
        True, description="The monitor powers the target: `pwr on` at board open, `pwr off` after."
    )
    volt_settle_s: float = Field(
        1.0, ge=0, le=10, description="Pause after the `volt` ack (ST's scripts sleep 1 s)."
    )


class StlinkV3PwrSection(PowerShieldSection):
    """A board's ``power_monitor`` section with ``type: stlink-v3pwr``."""

    kind = "stlink-v3pwr"
    voltage_range_mv = VOLTAGE_RANGE_MV
    triggers = (TriggerSource.SOFTWARE, TriggerSource.HARDWARE)  # HARDWARE: the TGI pin

    supplies_target: bool | None = None
    """The monitor powers the target (default true): the farm sends ``pwr on`` when it opens
    the board (before flashing) and ``pwr off`` when the run ends."""


@register_powermon(
    "stlink-v3pwr",
    config=StlinkV3PwrConfig,
    section=StlinkV3PwrSection,
    recognises=is_v3pwr_power_port,
)
class StlinkV3PwrMonitor(PowerShieldMonitor):
    """Drives an STLINK-V3PWR: ``powershield``, ``version``, ``power_monitor``, then acquisitions."""

    device = "stlink-v3pwr"

    def __init__(
        self,
        name: str,
        config: StlinkV3PwrConfig,
        *,
        board: str | None = None,
        transport: serial.SerialBase | None = None,
    ) -> None:
        super().__init__(
            name, board=board, transport=transport, frame_lengths=STLINK_V3PWR_FRAME_LENGTHS
        )
        self.config = config
        self._voltage_set_mv: int | None = None
        self._settled = False
        caps = {Capability.SET_SUPPLY_VOLTAGE, Capability.HW_TRIGGER, Capability.BINARY_FORMAT}
        if config.supplies_target:
            caps.add(Capability.TARGET_POWER)
        self.capabilities = frozenset(caps)

    def _port_path(self) -> str:
        if self.config.port is not None:
            return self.config.port
        found = find_ports(is_v3pwr_power_port, self.config.serial_number)
        if len(found) != 1:
            raise PowerMonitorError(
                f"power monitor '{self.name}': {len(found)} STLINK-V3PWR power ports found for "
                f"serial number {self.config.serial_number!r} ({', '.join(found) or 'none'}); "
                "set power_monitor.port or the serial number in the inventory",
                board=self.board,
            )
        return found[0]

    def open(self) -> None:
        """Open the power VCP, check the identity and enter power-monitor mode."""
        self._session.open_port(self._port_path(), self.config.baudrate, self._transport)
        self._voltage_set_mv = None
        link = self._session.link
        ident = link.command("powershield", ack_prefixes=("STLINK", "powershield"))
        version = link.command("version")
        try:
            link.command("power_monitor")
        except PowerMonitorError as exc:
            self._session.close_port()
            raise PowerMonitorError(
                f"power monitor '{self.name}': 'power_monitor' refused ({exc.message}); "
                "is this port an STLINK-V3PWR power VCP?",
                board=self.board,
            ) from exc
        self._set_identity(ident, version)
        log.info("%s: %s id %s", self.name, self.device, self._identity["id"])

    def close(self) -> None:
        """Stop any acquisition and release the port."""
        self._session.close_port()

    def check(self, settings: AcquisitionSettings) -> None:
        """Refuse settings this device cannot do, before touching it."""
        check_common(self.name, settings, VOLTAGE_RANGE_MV)
        problems = {
            "output": settings.output is not OutputMode.CURRENT,
            "trigger": settings.trigger is TriggerSource.D7,
            "event_lines": settings.event_lines,
        }
        for field, bad in problems.items():
            if bad:
                raise OptionError(
                    f"power monitor '{self.name}': {field}={getattr(settings, field)!s} not "
                    "supported by stlink-v3pwr; it streams current, triggers on TGI (hw), "
                    "and has no event lines",
                    field=field,
                )

    def _set_voltage(self, voltage_mv: int, *, settle: bool = True) -> None:
        """``volt <mV>m`` (once per voltage per open) and, before a capture, the settle pause
        ST's ``setup`` takes after the ack (its ``power on`` sends ``pwr on`` at once)."""
        if self._voltage_set_mv != voltage_mv:
            self._session.link.command(f"volt {voltage_mv}m")
            self._voltage_set_mv, self._settled = voltage_mv, False
        if settle and not self._settled:
            time.sleep(self.config.volt_settle_s)
            self._settled = True

    @step("configure", args=("settings",))
    def configure(self, settings: AcquisitionSettings) -> None:
        """Voltage, format, acquisition time, rate and trigger, in ST's order and forms."""
        self.check(settings)
        link = self._session.link
        self._set_voltage(settings.voltage_mv)
        link.command(f"format {FORMAT_TOKENS[settings.sample_format]}")
        duration = settings.acquisition_time_s
        link.command(f"acqtime {'inf' if duration is None else format_duration(duration)}")
        link.command(f"freq {settings.sample_rate_hz}")
        if settings.trigger is TriggerSource.SOFTWARE:
            link.command("trigsrc sw")
        else:
            link.command("trigsrc hw")
            link.command("trigdelay 0m")
        self._session.settings = settings
        self._session.method = method_of(self.device, self._identity, settings)

    @step("target power", args=("on",))
    def set_target_power(self, on: bool) -> None:
        """Switch the target's supply (``pwr on`` after ``volt``, as ST's ``power on``)."""
        if Capability.TARGET_POWER not in self.capabilities:
            raise PowerMonitorError(
                f"power monitor '{self.name}': does not supply its target "
                "(power_monitor.supplies_target is false); power the board another way",
                board=self.board,
            )
        if on:
            self._set_voltage(self.config.voltage_mv, settle=False)
        self._session.link.command(f"pwr {'on' if on else 'off'}")
        log.info("%s: target power %s", self.name, "on" if on else "off")
