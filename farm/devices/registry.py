"""Board backends by the inventory's ``backend`` field, and :func:`open_board`.

In-tree backends register with :func:`register_board` when their module is imported; the
modules are imported on first use, so pyocd or asyncssh are only loaded by labs that need them.
Third parties add backends through the ``farm.boards`` entry-point group (STYLE.md section 5).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from farm.errors import InventoryError, PluginError

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.protocols import Board
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "farm.boards"
# Where the in-tree backends live; each module calls register_board() at import.
BUILTIN_MODULES: dict[str, str] = {
    "pyocd": "farm.devices.nucleo",
    "qemu": "farm.devices.qemu",
    "ssh": "farm.devices.linux",
}


class BoardFactory(Protocol):
    """A board class: built from its inventory entry and catalog target."""

    def __call__(
        self, config: BoardConfig, target: TargetSpec, *, workdir: Path, log_path: Path
    ) -> Board: ...


_F = TypeVar("_F", bound=Callable[..., object])
_FACTORIES: dict[str, BoardFactory] = {}


def register_board(backend: str) -> Callable[[_F], _F]:
    """Class decorator: ``@register_board("qemu")``. A second registration is refused."""

    def decorate(factory: _F) -> _F:
        if backend in _FACTORIES and _FACTORIES[backend] is not factory:
            raise PluginError(
                f"board backend '{backend}': already registered by "
                f"{_FACTORIES[backend]!r}; pick another backend name"
            )
        _FACTORIES[backend] = factory  # type: ignore[assignment]
        return factory

    return decorate


def _load_backend(backend: str) -> BoardFactory:
    if backend in _FACTORIES:
        return _FACTORIES[backend]
    module = BUILTIN_MODULES.get(backend)
    if module is not None:
        importlib.import_module(module)
    else:
        for entry in entry_points(group=ENTRY_POINT_GROUP, name=backend):
            factory = entry.load()
            if not callable(factory):
                raise PluginError(
                    f"entry point '{entry.value}' in group {ENTRY_POINT_GROUP}: not a board "
                    "class; register a class taking (config, target, *, workdir, log_path)"
                )
            register_board(backend)(factory)
    if backend not in _FACTORIES:
        known = sorted(set(BUILTIN_MODULES) | set(_FACTORIES))
        raise InventoryError(
            f"board backend '{backend}': unknown; known backends: {', '.join(known)}",
            field="backend",
        )
    return _FACTORIES[backend]


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
    backend = str(getattr(config.backend, "value", config.backend))
    factory = _load_backend(backend)
    log.debug("opening board %s with backend %s", config.id, backend)
    return factory(config, catalog_target, workdir=Path(workdir), log_path=Path(log_path))
