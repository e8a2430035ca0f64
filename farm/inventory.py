"""Schema of ``inventory.yaml``: the boards of the lab and how to reach them.

Shape and per-field rules are declared here (pydantic v2, unknown keys rejected). Device kinds
are not: ``backend`` names a registered board backend (:mod:`farm.devices.registry`) and
``power_monitor.type`` a registered monitor type (:mod:`farm.powermon.registry`), whose models
and specs hold their own rules. Rules that need the catalog or several boards (known target,
kind, a backend's needs, unique ids) and the mapping of errors back to ``file:line:column``
live in :mod:`farm.inventory_loader`, whose ``load_inventory`` is the one loader.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from farm.catalog import TargetKind
from farm.devices.registry import backend_names, get_backend
from farm.did_you_mean import did_you_mean
from farm.errors import ConfigError
from farm.powermon.protocols import SampleFormat, TriggerSource
from farm.powermon.registry import NO_MONITOR, get_powermon
from farm.powermon.section import SampleFormatName
from farm.powermon.section import section_error as config_error

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class ConnectMode(enum.StrEnum):
    """pyocd ``connect_mode``; an enum so ``halted`` is rejected instead of guessed."""

    HALT = "halt"
    PRE_RESET = "pre-reset"
    UNDER_RESET = "under-reset"
    ATTACH = "attach"


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

    ``type`` names a registered kind (``farm.powermon`` entry points, ours and third
    parties'); the section's other keys are validated by that kind's section model, with its
    ranges and allowed values. Keys the farm reads for any kind are fields here; the others a
    kind declares are kept in ``options``. :meth:`values` gives the section as the kind sees it.
    """

    type: str = NO_MONITOR
    options: dict[str, Any] = Field(default_factory=dict)
    """The kind's keys that are no field here (a third-party monitor's own settings)."""
    port: str | None = None
    serial_number: str | None = None
    voltage_mv: int = 3300
    """Supply voltage the monitor sets (within its kind's range)."""
    sample_rate_hz: int = 100_000
    format: SampleFormatName = "binary"
    """Acquisition stream format: ``binary`` (``bin_hexa`` on the wire) or ``ascii``."""
    trigger: TriggerSource = TriggerSource.SOFTWARE
    """What starts an acquisition: sw (``start``) or a hardware input of the kind."""
    command: str | None = None
    """A lab-PC command that prints samples (kinds read by a command)."""
    rail: str | None = None
    """The rail measured (a sensor's label, or a name for rows)."""
    supplies_target: bool | None = None
    """The monitor powers the target; the farm sends ``pwr on`` when it opens the board (before
    flashing) and ``pwr off`` when the run ends (kinds with that capability)."""

    @property
    def sample_format(self) -> SampleFormat:
        """``format`` as the power-monitor drivers' enum."""
        return SampleFormat[self.format.upper()]

    @model_validator(mode="before")
    @classmethod
    def _through_kind(cls, data: Any) -> Any:
        """Validate the section with its kind's model; split its keys into fields and options."""
        if not isinstance(data, dict):
            return data
        kind = data.get("type", NO_MONITOR)
        if not isinstance(kind, str):
            return data  # the str field reports it
        try:
            section = get_powermon(kind).section
        except ConfigError as exc:
            raise config_error(str(exc)) from exc
        keys = {k: v for k, v in data.items() if k not in ("type", "options")}
        try:
            checked = section.model_validate({**keys, **dict(data.get("options") or {})})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise config_error(f"{where}: {first['msg']} (type {kind})") from exc
        values = checked.model_dump()
        own = {k: v for k, v in values.items() if k in cls.model_fields}
        return {**own, "type": kind, "options": {k: v for k, v in values.items() if k not in own}}

    def values(self) -> dict[str, Any]:
        """The section's keys and values as the kind's model declares them."""
        names = get_powermon(self.type).section.model_fields
        fields = {k: getattr(self, k) for k in names if k in type(self).model_fields}
        return {**fields, **self.options}


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


class WireState(enum.StrEnum):
    """State of the virtual lab's wire from a twin's timestamp pin to its monitor's input."""

    CONNECTED = "connected"
    CUT = "cut"


class QemuConfig(_Config):
    """Overrides for the virtual twin."""

    machine: str | None = None
    extra_args: tuple[str, ...] = ()
    timestamp_wire: WireState = WireState.CONNECTED
    """``cut``: the pin's edges never reach the monitor (tests the farm's wiring errors)."""
    timestamp_wire_delay_us: float = Field(0.0, ge=0.0, le=1e6)
    """Delay of the pin's edges on their way to the monitor, in the target's microseconds."""


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
    backend: str
    """A registered board backend (``farm.boards`` entry points): how the farm drives it."""
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
    backend_sections: dict[str, Any] = Field(default_factory=dict)
    """Sections the backend declares (:attr:`BackendSpec.sections`), written as top-level keys
    of the board entry and validated by the backend's models; :meth:`section` reads one."""

    @model_validator(mode="before")
    @classmethod
    def _through_backend(cls, data: Any) -> Any:
        """Move the sections the board's backend declares into ``backend_sections``."""
        if not isinstance(data, dict):
            return data
        if "backend_sections" in data:
            raise config_error(
                "backend_sections is not a key of a board; write a backend's own sections as "
                "top-level keys of the board"
            )
        backend = data.get("backend")
        if not isinstance(backend, str) or backend not in backend_names():
            return data  # the backend field reports it
        declared = get_backend(backend).spec.sections
        own = {k: data[k] for k in declared if k in data and k not in cls.model_fields}
        if not own:
            return data
        checked = {}
        for key, value in own.items():
            try:
                checked[key] = declared[key].model_validate(value).model_dump()
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in (key, *first["loc"]))
                raise config_error(f"{where}: {first['msg']} (backend {backend})") from exc
        rest = {k: v for k, v in data.items() if k not in own}
        return {**rest, "backend_sections": checked}

    def section(self, name: str) -> BaseModel | None:
        """The backend's section ``name`` as its declared model, None when the board has none.

        Raises:
            KeyError: the board's backend declares no such section.
        """
        declared = get_backend(self.backend).spec.sections
        if name not in declared:
            raise KeyError(f"backend {self.backend} declares no section '{name}'")
        values = self.backend_sections.get(name)
        return None if values is None else declared[name].model_validate(values)

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

    @field_validator("backend")
    @classmethod
    def _registered_backend(cls, value: str) -> str:
        known = backend_names()
        if value not in known:
            raise config_error(
                f"not allowed; allowed {', '.join(known)}" + did_you_mean(value, known)
            )
        return value

    @model_validator(mode="after")
    def _shared_only_if_shareable(self) -> BoardConfig:
        if len(self.hosts) > 1 and not get_backend(self.backend).spec.shareable:
            shareable = [b for b in backend_names() if get_backend(b).spec.shareable]
            raise config_error(
                f"lists {len(self.hosts)} lab PCs but backend {self.backend} is wired to one PC; "
                f"only {' or '.join(shareable)} boards can be shared"
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
