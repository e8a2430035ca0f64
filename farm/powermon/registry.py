"""Registry of power-monitor kinds: every kind, ours and third parties', is one module that
registers itself and is named in the ``farm.powermon`` entry-point group (STYLE.md, section 5).

A kind brings the model of its inventory section (the ``power_monitor`` keys beside ``type``,
with its ranges and allowed values), how the farm reads it (:class:`Reading`) and, when the farm
drives it from the lab PC, its driver class and the driver's config model. Core modules ask the
registry instead of naming a kind.
"""

from __future__ import annotations

import difflib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from farm.entry_point_group import load_group
from farm.errors import ConfigError, PluginError
from farm.powermon.protocols import PowerMonitor

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "farm.powermon"
NO_MONITOR = "none"
"""``power_monitor.type`` of a board without a monitor (the default)."""
T = TypeVar("T", bound=type)


class Reading(enum.Enum):
    """Where and by whom a kind's samples are read."""

    NOTHING = "nothing"  # no monitor: no energy figures
    LAB_DRIVER = "lab-driver"  # the kind's driver class on the lab PC (serial port, USB...)
    LAB_COMMAND = "lab-command"  # a program on the lab PC prints watts
    ON_BOARD = "on-board"  # a Linux board samples its own sensor (the remote runner)


@dataclass(frozen=True)
class PowermonEntry:
    """One registered kind.

    Attributes:
        kind: the name ``power_monitor.type`` gives.
        section: model of the inventory section's other keys (unknown keys refused).
        reading: where the farm reads the samples.
        driver: the driver class (``reading`` LAB_DRIVER), else None.
        config: the driver's config model (its fields are filled from the section).
        energy_method: what rows say measured the energy, for kinds without a driver (a
            driver's capture names its own method).
        recognises: tells the kind's serial port from a pyserial ``ListPortInfo`` (USB ids,
            interface), for ``farm inventory scan`` and port discovery; None: not on USB.
    """

    kind: str
    section: type[BaseModel]
    reading: Reading
    driver: type | None = None
    config: type[BaseModel] | None = None
    energy_method: str | None = None
    recognises: Callable[[Any], bool] | None = None


_REGISTRY: dict[str, PowermonEntry] = {}
_loaded = False


def _add(entry: PowermonEntry, owner: object) -> None:
    existing = _REGISTRY.get(entry.kind)
    if existing is not None and existing != entry:
        first = existing.driver or existing.section
        raise PluginError(
            f"power monitor type '{entry.kind}': registered twice ({first.__module__}."
            f"{first.__qualname__} and {getattr(owner, '__module__', '?')}."
            f"{getattr(owner, '__qualname__', owner)}); pick another type name"
        )
    _REGISTRY[entry.kind] = entry


def register_powermon(
    kind: str,
    *,
    config: type[BaseModel],
    section: type[BaseModel] | None = None,
    recognises: Callable[[Any], bool] | None = None,
) -> Callable[[T], T]:
    """Class decorator registering a driver under ``kind``.

    Args:
        kind: the type name the inventory uses.
        config: the driver's config model (built from the section's keys of the same names).
        section: the inventory section's model; default ``config`` (a plugin whose section is
            its driver's config).
        recognises: tells the kind's USB serial port from a pyserial ``ListPortInfo``.

    Raises:
        PluginError: ``kind`` is already registered (by another class).
    """

    def decorate(cls: T) -> T:
        entry = PowermonEntry(
            kind, section or config, Reading.LAB_DRIVER, cls, config, recognises=recognises
        )
        _add(entry, cls)
        return cls

    return decorate


def register_monitor_kind(
    kind: str, *, reading: Reading, energy_method: str | None = None
) -> Callable[[T], T]:
    """Class decorator on the section model of a kind without a lab-PC driver.

    Raises:
        PluginError: ``kind`` is already registered.
    """

    def decorate(section: T) -> T:
        _add(PowermonEntry(kind, section, reading, energy_method=energy_method), section)
        return section

    return decorate


def load_drivers() -> None:
    """Load every kind of the ``farm.powermon`` entry-point group (once).

    Raises:
        PluginError: an entry point registered nothing of its name, or this package's own
            kinds are missing (its installed metadata predates them).
    """
    global _loaded
    if _loaded:
        return

    def registered(name: str, loaded: object) -> bool:
        entry = _REGISTRY.get(name)
        return entry is not None and loaded in (entry.driver, entry.section)

    load_group(
        ENTRY_POINT_GROUP,
        what="power monitor kind",
        registered=registered,
        how="decorate the class with @register_powermon('<name>', config=...)",
    )
    _loaded = True


def powermon_kinds() -> list[str]:
    """Registered type names, sorted."""
    load_drivers()
    return sorted(_REGISTRY)


def driven_kinds() -> list[str]:
    """Registered types the farm drives from the lab PC (with a driver class), sorted."""
    load_drivers()
    return sorted(k for k, e in _REGISTRY.items() if e.driver is not None)


def kinds_at_port(info: Any) -> list[str]:
    """Registered kinds that recognise a pyserial ``ListPortInfo`` as theirs, sorted."""
    load_drivers()
    return sorted(k for k, e in _REGISTRY.items() if e.recognises and e.recognises(info))


def get_powermon(kind: str) -> PowermonEntry:
    """The entry of one type, with a did-you-mean error for unknown names."""
    load_drivers()
    entry = _REGISTRY.get(kind)
    if entry is None:
        known = powermon_kinds()
        close = difflib.get_close_matches(kind, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(
            f"unknown power monitor type '{kind}'; known types: {', '.join(known)}{hint}",
            field="power_monitor.type",
        )
    return entry


def create_powermon(
    kind: str, name: str, config: dict[str, Any] | BaseModel, *, board: str | None = None
) -> PowerMonitor:
    """Build a driver from its type name and a config (dict or model).

    Raises:
        ConfigError: unknown type, a type without a driver, or a bad config.
    """
    entry = get_powermon(kind)
    if entry.driver is None or entry.config is None:
        raise ConfigError(
            f"power monitor '{name}': type '{kind}' has no driver on the lab PC; types with "
            f"one: {', '.join(driven_kinds())}",
            field="power_monitor.type",
        )
    if isinstance(config, dict):
        try:
            config = entry.config.model_validate(config)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ConfigError(
                f"power monitor '{name}': {where}: {first['msg']}",
                field=f"power_monitor.{where}",
            ) from exc
    driver: PowerMonitor = entry.driver(name, config, board=board)
    return driver
