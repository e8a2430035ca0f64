"""The test matrix: models x board pools x firmware versions, with a status per item.

A *pool* is the set of enabled boards with the same target and backend (like a Zephyr twister
platform). A matrix item targets a pool, and at run time takes whichever board of the pool is
free, so #items = #models x #pools x #firmware. Pool id: the board id when the pool has one
board, else the target name in lower case (plus ``-<backend>`` if two backends share a target).

Every item has a status. ``n/a``: the combination can never run (a model format the board kind
cannot run, firmware not built for the target's core); ``farm matrix`` lists it with the reason,
pytest does not collect it and counts it in one summary line. ``skip``: it could run but does
not (does not fit, quarantined, ...); it is collected and reported as a skip. ``run``: collected.
Pools of boards that run no firmware (Linux boards run the model with their own runtime) have no
firmware axis: one item per (model, pool), with ``firmware`` None.

Other areas add reasons through callables registered under the entry-point group
``farm.matrix_status`` (signature of :data:`StatusCheck`); the pytest plugin also asks the
``pytest_farm_item_status`` hook. Both may answer ``skip`` or ``n/a``.
"""

from __future__ import annotations

import enum
import fnmatch
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from farm.catalog import Catalog, TargetKind, TargetSpec
from farm.devices.registry import get_backend
from farm.discovery import FirmwareSpec, ModelFormat, ModelSpec
from farm.errors import OptionError
from farm.inventory import BoardConfig, Inventory

log = logging.getLogger(__name__)

STATUS_ENTRY_POINT_GROUP = "farm.matrix_status"


class Status(enum.StrEnum):
    """What happens to a matrix item."""

    RUN = "run"
    SKIP = "skip"
    NA = "n/a"
    """Can never run: not a test item; counted by :attr:`MatrixItem.na_kind`."""


class NaKind(enum.StrEnum):
    """Why an item can never run (the pytest summary counts n/a items by these)."""

    MODEL_FORMAT = "model format the board kind cannot run"
    FIRMWARE_TARGET = "firmware not built for the target"
    FIRMWARE_MODELS = "firmware restricted to other models (recipe models:)"
    OTHER = "other"


@dataclass(frozen=True)
class BoardPool:
    """Interchangeable boards: same target, same backend."""

    id: str
    target: TargetSpec
    backend: str
    boards: tuple[BoardConfig, ...]

    @property
    def board_ids(self) -> tuple[str, ...]:
        """Ids of the boards in the pool."""
        return tuple(b.id for b in self.boards)

    @property
    def runs_firmware(self) -> bool:
        """True when the farm flashes firmware on these boards (MCUs); Linux boards run the
        model with the runtime of their own OS, so the firmware axis does not apply."""
        return self.target.kind is TargetKind.MCU


StatusCheck = Callable[[ModelSpec, BoardPool, FirmwareSpec], "tuple[str, str] | None"]


@dataclass(frozen=True)
class MatrixItem:
    """One (model, pool, firmware) combination (firmware None: the pool runs no firmware)."""

    model: ModelSpec
    pool: BoardPool
    firmware: FirmwareSpec | None
    status: Status = Status.RUN
    reason: str = ""
    na_kind: NaKind | None = None

    @property
    def id(self) -> str:
        """Test id: ``<model>-<pool>-<firmware>@<version>`` (``<model>-<pool>`` without firmware)."""
        fw = f"-{self.firmware.key}" if self.firmware is not None else ""
        return f"{self.model.key}-{self.pool.id}{fw}"

    @property
    def collected(self) -> bool:
        """True for the items pytest collects (run and skip; never n/a)."""
        return self.status is not Status.NA

    def as_json(self) -> dict[str, str | bool | None]:
        """The ``farm matrix --json`` record."""
        return {
            "id": self.id,
            "model": self.model.key,
            "board": self.pool.id,
            "target": self.pool.target.name,
            "firmware": self.firmware.key if self.firmware is not None else None,
            "model_in_image": self.firmware.model_in_image if self.firmware is not None else False,
            "status": self.status.value,
            "reason": self.reason,
        }


def _parse_globs(value: str | Sequence[str] | None, option: str) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    globs = tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, str) and value.strip() and not globs:
        raise OptionError(f"option '{option}': empty list; use a comma list of names or globs")
    return globs


def _matches(name: str, globs: tuple[str, ...]) -> bool:
    return not globs or any(fnmatch.fnmatchcase(name, g) for g in globs)


@dataclass(frozen=True)
class Selection:
    """``--farm-models/-boards/-targets/-firmware``: comma lists of fnmatch globs (empty: all)."""

    models: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    firmware: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        models: str | None = None,
        boards: str | None = None,
        targets: str | None = None,
        firmware: str | None = None,
    ) -> Selection:
        """Build from option strings; an empty list raises OptionError."""
        return cls(
            _parse_globs(models, "--farm-models"),
            _parse_globs(boards, "--farm-boards"),
            _parse_globs(targets, "--farm-targets"),
            _parse_globs(firmware, "--farm-firmware"),
        )


def build_pools(
    boards: Iterable[BoardConfig], catalog: Catalog, board_globs: tuple[str, ...] = ()
) -> list[BoardPool]:
    """Group enabled boards into pools; ``board_globs`` match board ids or pool ids."""
    groups: dict[tuple[str, str], list[BoardConfig]] = {}
    for board in boards:
        if board.enabled:
            groups.setdefault((board.target, board.backend), []).append(board)
    backends_per_target: dict[str, int] = {}
    for target, _backend in groups:
        backends_per_target[target] = backends_per_target.get(target, 0) + 1
    pools = []
    for (target, backend), members in sorted(groups.items()):
        suffix = f"-{backend}" if backends_per_target[target] > 1 else ""
        full_id = target.lower() + suffix
        if board_globs and not _matches(full_id, board_globs):
            members = [b for b in members if _matches(b.id, board_globs)]
        if not members:
            continue
        members.sort(key=lambda b: b.id)
        pool_id = members[0].id if len(members) == 1 else full_id
        pools.append(BoardPool(pool_id, catalog.get(target), backend, tuple(members)))
    return pools


def na_status(
    model: ModelSpec | None, pool: BoardPool, firmware: FirmwareSpec | None
) -> tuple[NaKind, str] | None:
    """Why this combination can never run, or None (arguments may be None for partial items)."""
    target = pool.target
    if model is not None and target.kind is TargetKind.MCU and model.format is ModelFormat.ONNX:
        return NaKind.MODEL_FORMAT, (
            f"onnx model on MCU target {target.name}: MCUs run .tflite through TFLite Micro"
        )
    if firmware is not None and not _supported(firmware, pool):
        return NaKind.FIRMWARE_TARGET, (
            f"firmware {firmware.key} is not built for {target.name} ({target.core})"
        )
    if firmware is not None and model is not None and not firmware.runs_model(model.name):
        return NaKind.FIRMWARE_MODELS, (
            f"firmware {firmware.key} runs only models matching {', '.join(firmware.models or ())}"
        )
    return None


def builtin_status(
    model: ModelSpec | None, pool: BoardPool, firmware: FirmwareSpec | None
) -> tuple[Status, str] | None:
    """The farm's own compatibility rules (arguments may be None for partial items)."""
    never = na_status(model, pool, firmware)
    if never is not None:
        return Status.NA, never[1]
    target = pool.target
    if model is not None and target.kind is TargetKind.MCU:
        blob, arena = model.blob_bytes, model.arena_bytes
        if blob is not None and target.flash_bytes is not None and blob > target.flash_bytes:
            return Status.SKIP, (
                f"does not fit: model blob {blob} B > flash {target.flash_bytes} B of {target.name}"
            )
        if arena is not None and arena > target.ram_bytes:
            return Status.SKIP, (
                f"does not fit: tensor arena {arena} B > RAM {target.ram_bytes} B of {target.name}"
            )
    return None


def _supported(firmware: FirmwareSpec, pool: BoardPool) -> bool:
    """A recipe supports a pool by the target's name, or (QEMU pools) by the twin's BSP name."""
    target = pool.target
    if firmware.supports(target.name, target.core):
        return True
    twin = target.qemu_machine if get_backend(pool.backend).spec.twin else None
    return twin is not None and firmware.supports(twin.replace("-", "_"), target.core)


def plugin_status_checks() -> list[StatusCheck]:
    """Status checks other areas registered under ``farm.matrix_status``."""
    checks = []
    for ep in entry_points(group=STATUS_ENTRY_POINT_GROUP):
        try:
            checks.append(ep.load())
        except Exception:  # a broken third-party check must not hide the matrix
            log.exception("cannot load matrix status check %s", ep.value)
    return checks


def item_status(
    model: ModelSpec,
    pool: BoardPool,
    firmware: FirmwareSpec | None,
    checks: Sequence[StatusCheck] = (),
) -> tuple[Status, str]:
    """Built-in rules first, then each registered check; the first skip or n/a wins."""
    found = builtin_status(model, pool, firmware)
    if found is not None:
        return found
    for check in checks:
        result = check(model, pool, firmware)  # type: ignore[arg-type]
        if result is not None and result[0] != Status.RUN:
            return Status(result[0]), result[1]
    return Status.RUN, ""


def make_item(
    model: ModelSpec,
    pool: BoardPool,
    firmware: FirmwareSpec | None,
    checks: Sequence[StatusCheck] = (),
) -> MatrixItem:
    """The item with its status, reason and (for n/a) the kind of reason."""
    status, reason = item_status(model, pool, firmware, checks)
    kind = None
    if status is Status.NA:
        never = na_status(model, pool, firmware)
        kind = never[0] if never is not None else NaKind.OTHER
    return MatrixItem(model, pool, firmware, status, reason, kind)


@dataclass
class Matrix:
    """Everything a run iterates over."""

    models: list[ModelSpec]
    pools: list[BoardPool]
    firmware: list[FirmwareSpec]
    items: list[MatrixItem] = field(default_factory=list)

    @property
    def collected(self) -> list[MatrixItem]:
        """Items pytest collects (run and skip)."""
        return [i for i in self.items if i.collected]


def expand(
    inventory: Inventory,
    catalog: Catalog,
    models: Sequence[ModelSpec],
    firmware: Sequence[FirmwareSpec],
    selection: Selection = Selection(),
    checks: Sequence[StatusCheck] | None = None,
) -> Matrix:
    """Select and combine; items are ordered model, firmware, pool so that neighbouring
    tests hit different pools (xdist workers then start on different boards)."""
    checks = plugin_status_checks() if checks is None else checks
    pools = [
        p
        for p in build_pools(inventory.boards, catalog, selection.boards)
        if _matches(p.target.name, selection.targets)
    ]
    models = [
        m for m in models if _matches(m.key, selection.models) or _matches(m.name, selection.models)
    ]
    firmware = [
        f
        for f in firmware
        if _matches(f.key, selection.firmware) or _matches(f.name, selection.firmware)
    ]
    items = []
    for model in models:
        for fw in firmware:
            items.extend(make_item(model, p, fw, checks) for p in pools if p.runs_firmware)
        # Pools without firmware: one item per model, whatever firmware is selected.
        items.extend(make_item(model, p, None, checks) for p in pools if not p.runs_firmware)
    return Matrix(list(models), pools, list(firmware), items)
