"""Board backends by the inventory's ``backend`` field, and :func:`open_board`.

Every backend, ours and third parties', registers a :class:`BackendSpec` (what it drives, what
the inventory must give it) and its board class, and is named in the ``farm.boards``
entry-point group (STYLE.md section 5). The inventory loader checks a board with the spec of
its backend; core modules ask the spec instead of naming a backend. Ours register from small
``*_backend`` modules that name the board class by import path, so checking an inventory
imports neither pyocd nor asyncssh: the class is imported when a board is opened.
"""

from __future__ import annotations

import difflib
import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel

from farm.entry_point_group import load_group
from farm.errors import InventoryError, PluginError

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.protocols import Board
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "farm.boards"


class BoardFactory(Protocol):
    """A board class: built from its inventory entry and catalog target."""

    def __call__(
        self, config: BoardConfig, target: TargetSpec, *, workdir: Path, log_path: Path
    ) -> Board: ...


Problems = list[tuple[str, str]]
"""(dotted field, message) pairs: what is wrong and what is allowed."""


@dataclass(frozen=True)
class BackendSpec:
    """What a backend drives and what the inventory must give it.

    Attributes:
        target_kind: the catalog kind of target it drives (``mcu`` or ``linux``).
        twin: it runs a virtual twin, not the real board (rows say virtual).
        shareable: one board may be reached from several lab PCs (leased fleet-wide).
        check: the backend's own rules on a board entry and its catalog target; each
            problem is (field, "<what is wrong>; <what is allowed>").
        sections: inventory sections of a board entry that this backend reads besides the
            common ones (``probe``, ``ssh``, ``qemu``, ...), each with the pydantic model that
            validates it: a third-party backend brings its settings this way, and the board
            class reads them with ``config.section(name)``.
    """

    target_kind: str
    twin: bool = False
    shareable: bool = False
    check: Callable[[BoardConfig, TargetSpec], Problems] | None = None
    sections: Mapping[str, type[BaseModel]] = field(default_factory=dict)


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend: its board class, or the class's ``module:attribute`` path."""

    name: str
    factory: BoardFactory | str
    spec: BackendSpec

    def board_class(self) -> BoardFactory:
        """The board class (imported now when registered by path)."""
        if not isinstance(self.factory, str):
            return self.factory
        module, _, attribute = self.factory.partition(":")
        factory: BoardFactory = getattr(importlib.import_module(module), attribute)
        return factory


_F = TypeVar("_F", bound=Callable[..., object])
_REGISTRY: dict[str, BackendEntry] = {}
_loaded = False


def _add(entry: BackendEntry) -> BackendEntry:
    existing = _REGISTRY.get(entry.name)
    if existing is not None and existing.factory != entry.factory:
        raise PluginError(
            f"board backend '{entry.name}': already registered by {existing.factory!r}; pick "
            "another backend name"
        )
    _REGISTRY[entry.name] = entry
    return entry


def register_board(backend: str, spec: BackendSpec) -> Callable[[_F], _F]:
    """Class decorator: ``@register_board("bench", BackendSpec(...))``. A second registration
    is refused."""

    def decorate(factory: _F) -> _F:
        _add(BackendEntry(backend, factory, spec))  # type: ignore[arg-type]
        return factory

    return decorate


def register_backend(backend: str, spec: BackendSpec, board_class: str) -> BackendEntry:
    """Register a backend whose board class (``"module:attribute"``) is imported on first open.

    Returns the entry, for the ``farm.boards`` entry point to name. A second registration is
    refused.
    """
    return _add(BackendEntry(backend, board_class, spec))


def load_backends() -> None:
    """Load every backend of the ``farm.boards`` entry-point group (once).

    Raises:
        PluginError: an entry point registered no backend of its name, or this package's own
            backends are missing (its installed metadata predates them).
    """
    global _loaded
    if _loaded:
        return

    def registered(name: str, loaded: object) -> bool:
        entry = _REGISTRY.get(name)
        return entry is not None and loaded in (entry, entry.factory)

    load_group(
        ENTRY_POINT_GROUP,
        what="board backend",
        registered=registered,
        how="decorate the class taking (config, target, *, workdir, log_path) with "
        "@register_board('<name>', BackendSpec(...))",
    )
    _loaded = True


def backend_names() -> list[str]:
    """Registered backend names, sorted."""
    load_backends()
    return sorted(_REGISTRY)


def get_backend(name: str) -> BackendEntry:
    """The entry of one backend.

    Raises:
        InventoryError: unknown backend (with the known ones and a did-you-mean).
    """
    load_backends()
    entry = _REGISTRY.get(str(name))
    if entry is None:
        known = backend_names()
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InventoryError(
            f"board backend '{name}': unknown; known backends: {', '.join(known)}{hint}",
            field="backend",
        )
    return entry


def is_twin(board: BoardConfig) -> bool:
    """True when ``board``'s backend runs a virtual twin."""
    return get_backend(board.backend).spec.twin


def open_board(
    config: BoardConfig, catalog_target: TargetSpec, *, workdir: Path, log_path: Path
) -> Board:
    """Open the board ``config`` describes, with the backend its ``backend`` field names.

    Args:
        config: the board's inventory entry.
        catalog_target: the catalog entry of ``config.target``.
        workdir: private scratch directory for this board (QEMU files, blobs).
        log_path: the per-test console log file (appended to).
    """
    entry = get_backend(config.backend)
    log.debug("opening board %s with backend %s", config.id, entry.name)
    factory = entry.board_class()
    return factory(config, catalog_target, workdir=Path(workdir), log_path=Path(log_path))
