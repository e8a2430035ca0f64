"""Registry of power-monitor drivers: in-tree via ``@register_powermon``, third parties via
the ``farm.powermon`` entry-point group, both refusing duplicates (STYLE.md, section 5)."""

from __future__ import annotations

import difflib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from farm.errors import ConfigError, PluginError
from farm.powermon.protocols import PowerMonitor

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "farm.powermon"
_BUILTIN_MODULES = ("farm.powermon.stlink_v3pwr", "farm.powermon.lpm01a")
T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class PowermonEntry:
    """One registered driver: its kind name, class and config model."""

    kind: str
    driver: type
    config: type[BaseModel]


_REGISTRY: dict[str, PowermonEntry] = {}
_loaded = False


def register_powermon(kind: str, *, config: type[BaseModel]) -> Callable[[T], T]:
    """Class decorator registering a driver under ``kind``.

    Raises:
        PluginError: ``kind`` is already registered (by another class).
    """

    def decorate(cls: T) -> T:
        existing = _REGISTRY.get(kind)
        if existing is not None and existing.driver is not cls:
            raise PluginError(
                f"power monitor type '{kind}': registered twice ({existing.driver.__module__}."
                f"{existing.driver.__qualname__} and {cls.__module__}.{cls.__qualname__}); "
                "pick another type name"
            )
        _REGISTRY[kind] = PowermonEntry(kind=kind, driver=cls, config=config)
        return cls

    return decorate


def load_drivers() -> None:
    """Import the in-tree drivers and the ``farm.powermon`` entry points (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        before = set(_REGISTRY)
        loaded = entry.load()
        registered = _REGISTRY.get(entry.name)
        if registered is None or (registered.driver is not loaded and entry.name in before):
            raise PluginError(
                f"entry point '{entry.name}' ({entry.value}) of group '{ENTRY_POINT_GROUP}': "
                f"did not register a new power monitor of that name; decorate the class "
                f"with @register_powermon('{entry.name}', config=...)"
            )


def powermon_kinds() -> list[str]:
    """Registered type names, sorted."""
    load_drivers()
    return sorted(_REGISTRY)


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
    """Build a driver from its type name and a config (dict or model)."""
    entry = get_powermon(kind)
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
