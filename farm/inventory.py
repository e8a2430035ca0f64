"""Schema of ``inventory.yaml``: the boards of the lab and how to reach them.

Shape and per-field rules are declared here (pydantic v2, unknown keys rejected). Rules that
need the catalog or several boards (known target, kind, backend needs, unique ids) and the
mapping of errors back to ``file:line:column`` live in :mod:`farm.inventory_loader`, whose
``load_inventory`` is the one loader.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from farm.catalog import TargetKind
from farm.powermon.protocols import SampleFormat, TriggerSource

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


def config_error(text: str) -> PydanticCustomError:
    """A validation error whose message is used verbatim after ``<field>=<value>``."""
    return PydanticCustomError("farm", "{text}", {"text": text})


class Backend(enum.StrEnum):
    """How the farm drives a board: pyocd (real Nucleo), qemu (virtual twin), ssh (Linux)."""

    PYOCD = "pyocd"
    QEMU = "qemu"
    SSH = "ssh"


class ConnectMode(enum.StrEnum):
    """pyocd ``connect_mode``; an enum so ``halted`` is rejected instead of guessed."""

    HALT = "halt"
    PRE_RESET = "pre-reset"
    UNDER_RESET = "under-reset"
    ATTACH = "attach"


class PowerMonitorType(enum.StrEnum):
    """Kinds of power monitor a board can have."""

    STLINK_V3PWR = "stlink-v3pwr"
    LPM01A = "lpm01a"
    INA3221 = "ina3221"
    EXTERNAL = "external"
    NONE = "none"


# The inventory spells the powermon's SampleFormat by member name (``format: binary``); the
# enum's values are wire tokens.
SampleFormatName = Literal["ascii", "binary"]


# Supply ranges and sample rates from specs/powermon.md.
VOLTAGE_RANGE_MV: dict[PowerMonitorType, tuple[int, int]] = {
    PowerMonitorType.STLINK_V3PWR: (1600, 3600),
    PowerMonitorType.LPM01A: (1800, 3300),
}
SAMPLE_RATES_HZ: tuple[int, ...] = (
    100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
)  # fmt: skip
ASCII_MAX_RATE_HZ = 5_000
TRIGGERS: dict[PowerMonitorType, tuple[TriggerSource, ...]] = {
    PowerMonitorType.STLINK_V3PWR: (TriggerSource.SOFTWARE, TriggerSource.HARDWARE),
    PowerMonitorType.LPM01A: (TriggerSource.SOFTWARE, TriggerSource.D7),
}


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProbeConfig(_Config):
    """Debug probe of an MCU board (ST-LINK, driven by pyocd)."""

    uid: str | None = None
    """Probe unique id (``pyocd list``); required for the pyocd backend."""
    pyocd_target: str | None = None
    """Overrides the catalog's pyocd target name."""
    pack: Path | None = None
    """Local CMSIS pack file (relative paths are relative to the inventory file)."""
    frequency_hz: int = Field(4_000_000, gt=0, le=50_000_000)
    connect_mode: ConnectMode = ConnectMode.HALT


class ConsoleConfig(_Config):
    """The DUT's UART: an explicit port, a pyserial URL, or (neither) the probe's VCP."""

    port: str | None = None
    url: str | None = None
    baud: int = Field(115_200, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> ConsoleConfig:
        if self.port and self.url:
            raise config_error("has both port and url; give one (or neither to use the probe VCP)")
        return self


class PowerMonitorConfig(_Config):
    """Power monitor on the board's supply rail.

    ``type`` is one of :class:`PowerMonitorType` or the name of a monitor a third-party
    package registers (``farm.powermon`` entry point). For the latter the section's other keys
    are that driver's config, validated by its config model by the inventory loader and kept
    in ``options``.
    """

    type: PowerMonitorType | str = Field(PowerMonitorType.NONE, union_mode="left_to_right")
    options: dict[str, Any] = Field(default_factory=dict)
    """A registered third-party monitor's settings (the YAML gives them beside ``type``)."""
    port: str | None = None
    serial_number: str | None = None
    voltage_mv: int = 3300
    """Supply voltage the monitor sets (stlink-v3pwr 1600..3600, lpm01a 1800..3300)."""
    sample_rate_hz: int = 100_000
    format: SampleFormatName = "binary"
    """Acquisition stream format: ``binary`` (``bin_hexa`` on the wire) or ``ascii``."""
    trigger: TriggerSource = TriggerSource.SOFTWARE
    """What starts an acquisition: sw (``start``), hw (the V3PWR TGI pin), d7 (LPM01A D7)."""

    @property
    def sample_format(self) -> SampleFormat:
        """``format`` as the power-monitor drivers' enum."""
        return SampleFormat[self.format.upper()]

    command: str | None = None
    """For ``external``: shell command that prints samples (the power engineer defines the form)."""
    rail: str | None = None
    """For ``ina3221``: the sysfs rail name to read."""
    supplies_target: bool | None = None
    """For ``stlink-v3pwr`` (default true): the monitor powers the target; the farm sends
    ``pwr on`` when it opens the board (before flashing) and ``pwr off`` when the run ends."""

    @field_validator("voltage_mv")
    @classmethod
    def _voltage_in_range(cls, value: int, info: ValidationInfo) -> int:
        kind = info.data.get("type")
        limits = VOLTAGE_RANGE_MV.get(kind) if kind is not None else None
        if limits and not limits[0] <= value <= limits[1]:
            raise config_error(f"out of range; allowed {limits[0]}..{limits[1]} for {kind}")
        return value

    @field_validator("sample_rate_hz")
    @classmethod
    def _known_rate(cls, value: int, info: ValidationInfo) -> int:
        kind = info.data.get("type")
        if kind in VOLTAGE_RANGE_MV and value not in SAMPLE_RATES_HZ:
            allowed = ", ".join(str(r) for r in SAMPLE_RATES_HZ)
            raise config_error(f"not a rate of {kind}; allowed {allowed}")
        if value <= 0:
            raise config_error("must be positive")
        return value

    @field_validator("format")
    @classmethod
    def _ascii_rate(cls, value: str, info: ValidationInfo) -> str:
        rate = info.data.get("sample_rate_hz")
        if value == "ascii" and rate is not None and rate > ASCII_MAX_RATE_HZ:
            raise config_error(
                f"loses samples at sample_rate_hz={rate}; use format: binary or at most "
                f"{ASCII_MAX_RATE_HZ} Hz"
            )
        return value

    @field_validator("trigger")
    @classmethod
    def _trigger_for_type(cls, value: TriggerSource, info: ValidationInfo) -> TriggerSource:
        kind = info.data.get("type")
        allowed = TRIGGERS.get(kind, (TriggerSource.SOFTWARE,)) if kind is not None else None
        if allowed is not None and value not in allowed:
            names = ", ".join(t.value for t in allowed)
            raise config_error(f"not supported by {kind}; allowed {names}")
        return value

    @field_validator("supplies_target")
    @classmethod
    def _supplying_type(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind is not PowerMonitorType.STLINK_V3PWR:
            raise config_error(f"not supported by {kind}; only stlink-v3pwr powers its target")
        return value

    @model_validator(mode="after")
    def _external_needs_command(self) -> PowerMonitorConfig:
        if self.type is PowerMonitorType.EXTERNAL and not self.command:
            raise config_error("type external needs 'command' (the program that reads power)")
        return self


class SshConfig(_Config):
    """How to reach a Linux board."""

    host: str
    port: int = Field(22, gt=0, lt=65536)
    user: str = "root"
    key: Path | None = None
    """Private key file (relative paths are relative to the inventory file)."""
    known_host_key: str | None = None
    """Expected host key (``ssh-ed25519 AAAA...``); unknown keys are refused unless accepted."""
    accept_new_host_key: bool = False
    known_hosts_file: Path | None = None
    """Where keys accepted on first use are recorded (default: the farm's state directory's
    ``ssh_known_hosts``; relative paths are relative to the inventory file)."""
    python: str = "python3"
    sysfs_root: str = "/sys"


class QemuConfig(_Config):
    """Overrides for the virtual twin."""

    machine: str | None = None
    extra_args: tuple[str, ...] = ()


class HooksConfig(_Config):
    """Shell commands the farm runs at points of a board's life (run with ``sh -c``)."""

    power_cycle: str | None = None
    before_flash: str | None = None
    reset: str | None = None
    """Run after an infrastructure error, before the retry (default reset hook)."""


class BoardConfig(_Config):
    """One board of the lab."""

    id: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
    target: str
    kind: TargetKind | None = None
    """mcu or linux; defaults to the catalog's kind and must match it."""
    backend: Backend
    probe: ProbeConfig | None = None
    console: ConsoleConfig | None = None
    power_monitor: PowerMonitorConfig = PowerMonitorConfig()
    ssh: SshConfig | None = None
    qemu: QemuConfig | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    hooks: HooksConfig = HooksConfig()
    host: str | tuple[str, ...] | None = None
    """Lab PC the board is plugged into (``farm fleet``); absent: this PC. An SSH board
    reachable from several PCs lists them all and is leased fleet-wide."""

    @field_validator("host")
    @classmethod
    def _host_names(cls, value: str | tuple[str, ...] | None) -> str | tuple[str, ...] | None:
        names = (value,) if isinstance(value, str) else value or ()
        bad = [n for n in names if not re.fullmatch(SLUG_PATTERN, n)]
        if bad or (value is not None and not names):
            raise config_error(
                f"bad lab PC name {bad or value}; use lower-case names like pc-a (a list for an "
                "SSH board shared by several PCs)"
            )
        return value

    @model_validator(mode="after")
    def _shared_only_over_ssh(self) -> BoardConfig:
        if len(self.hosts) > 1 and self.backend is not Backend.SSH:
            raise config_error(
                f"lists {len(self.hosts)} lab PCs but backend {self.backend} is wired to one PC; "
                "only ssh boards can be shared"
            )
        return self

    @property
    def hosts(self) -> tuple[str, ...]:
        """Lab PCs that reach the board (empty: this PC)."""
        return (self.host,) if isinstance(self.host, str) else tuple(self.host or ())


class Inventory(_Config):
    """The whole inventory file."""

    boards: tuple[BoardConfig, ...]
    path: Path | None = Field(default=None, exclude=True)

    @property
    def enabled_boards(self) -> tuple[BoardConfig, ...]:
        """Boards with ``enabled: true``."""
        return tuple(b for b in self.boards if b.enabled)

    def on_host(self, host: str) -> Inventory:
        """The boards lab PC ``host`` drives (its own and the shared ones it reaches)."""
        return self.model_copy(update={"boards": tuple(b for b in self.boards if host in b.hosts)})

    def board(self, board_id: str) -> BoardConfig:
        """The board with id ``board_id`` (KeyError when absent)."""
        for b in self.boards:
            if b.id == board_id:
                return b
        raise KeyError(board_id)
