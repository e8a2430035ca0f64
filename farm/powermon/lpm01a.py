"""X-NUCLEO-LPM01A driver (PowerShield firmware), over pyserial."""

from __future__ import annotations

import logging

import serial
from pydantic import BaseModel, ConfigDict, Field

from farm.errors import OptionError, PowerMonitorError
from farm.powermon.binary_codec import LPM01A_FRAME_LENGTHS
from farm.powermon.port_discovery import find_ports, is_lpm01a_port
from farm.powermon.powershield_monitor import PowerShieldMonitor
from farm.powermon.protocols import (
    AcquisitionSettings,
    Capability,
    SampleFormat,
    TriggerSource,
)
from farm.powermon.registry import register_powermon
from farm.powermon.section import PowerShieldSection
from farm.powermon.settings_rules import acqtime_token, check_common, method_of, rate_token
from farm.step import step

log = logging.getLogger(__name__)

VOLTAGE_RANGE_MV = (1800, 3300)


class Lpm01aConfig(BaseModel):
    """X-NUCLEO-LPM01A power monitor feeding one board (MLPerf Tiny's reference)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    port: str | None = Field(None, description="pyserial port/URL; None: the only LPM01A found.")
    serial_number: str | None = Field(None, description="USB serial number of the board.")
    voltage_mv: int = Field(3000, ge=1800, le=3300, description="Default supply voltage.")
    baudrate: int = Field(3686400, description="8N1 on its UART connector; ignored over USB.")


class Lpm01aSection(PowerShieldSection):
    """A board's ``power_monitor`` section with ``type: lpm01a``."""

    kind = "lpm01a"
    voltage_range_mv = VOLTAGE_RANGE_MV
    triggers = (TriggerSource.SOFTWARE, TriggerSource.D7)  # D7: the Arduino D7 event input


@register_powermon("lpm01a", config=Lpm01aConfig, section=Lpm01aSection, recognises=is_lpm01a_port)
class Lpm01aMonitor(PowerShieldMonitor):
    """Drives an LPM01A: ``powershield``, ``htc`` ... acquisitions ... ``hrc``."""

    capabilities = frozenset(
        {
            Capability.SET_SUPPLY_VOLTAGE,
            Capability.HW_TRIGGER,
            Capability.EVENT_LINES,
            Capability.ENERGY_OUTPUT,
            Capability.BINARY_FORMAT,
        }
    )
    device = "lpm01a"

    def __init__(
        self,
        name: str,
        config: Lpm01aConfig,
        *,
        board: str | None = None,
        transport: serial.SerialBase | None = None,
    ) -> None:
        super().__init__(name, board=board, transport=transport, frame_lengths=LPM01A_FRAME_LENGTHS)
        self.config = config

    def _port_path(self) -> str:
        if self.config.port is not None:
            return self.config.port
        found = find_ports(is_lpm01a_port, self.config.serial_number)
        if len(found) != 1:
            raise PowerMonitorError(
                f"power monitor '{self.name}': {len(found)} ports with the LPM01A VID/PID "
                f"0483:5740 found ({', '.join(found) or 'none'}); set power_monitor.port",
                board=self.board,
            )
        return found[0]

    def open(self) -> None:
        """Open the port, check the identity and take control (``htc``)."""
        self._session.open_port(self._port_path(), self.config.baudrate, self._transport)
        link = self._session.link
        try:
            ident = link.command("powershield")
        except PowerMonitorError as exc:
            self._session.close_port()
            raise PowerMonitorError(
                f"power monitor '{self.name}': no PowerShield identity ({exc.message}); "
                "VID/PID 0483:5740 is shared with other ST gadgets: check the port",
                board=self.board,
            ) from exc
        link.command("htc")
        version = link.command("version")
        self._set_identity(ident, version)
        log.info("%s: %s id %s", self.name, self.device, self._identity["id"])

    def close(self) -> None:
        """Stop any acquisition, give control back (``hrc``) and release the port."""
        if self._identity:
            try:
                if self._session.running:
                    self._session.stop(timeout_s=2.0)
                self._session.link.command("hrc")
            except PowerMonitorError as exc:
                log.warning("%s: 'hrc' at close failed: %s", self.name, exc)
        self._identity = {}
        self._session.close_port()

    def check(self, settings: AcquisitionSettings) -> None:
        """Refuse settings this device cannot do, before touching it."""
        check_common(self.name, settings, VOLTAGE_RANGE_MV)
        if settings.event_lines and settings.sample_format is not SampleFormat.ASCII:
            raise OptionError(
                f"power monitor '{self.name}': event_lines need sample_format=ascii_dec "
                "(event lines exist only in the ASCII stream)",
                field="event_lines",
            )

    @step("configure", args=("settings",))
    def configure(self, settings: AcquisitionSettings) -> None:
        """Voltage, rate, time, format, output, trigger (hw means D7) and event source."""
        self.check(settings)
        link = self._session.link
        link.command(f"volt {settings.voltage_mv}m")
        link.command(f"freq {rate_token(settings.sample_rate_hz)}")
        link.command(f"acqtime {acqtime_token(settings)}")
        link.command(f"format {settings.sample_format.value}")
        link.command(f"output {settings.output.value}")
        link.command(f"trigsrc {'sw' if settings.trigger is TriggerSource.SOFTWARE else 'd7'}")
        if settings.event_lines:  # undocumented (fw >= 1.0.7): only sent when wanted
            link.command("eventsrc d7 fal")
        self._session.settings = settings
        self._session.method = method_of(self.device, self._identity, settings)
