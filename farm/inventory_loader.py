"""The one inventory loader: YAML with positions -> pydantic -> cross-field checks.

Every problem becomes one line ``file:line:column: board '<id>' <field>=<value> <what is
wrong>; <what is allowed>``; all problems of a file are collected into one InventoryError.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from farm.catalog import Catalog
from farm.devices.registry import backend_names, get_backend
from farm.did_you_mean import did_you_mean
from farm.errors import InventoryError
from farm.inventory import BoardConfig, Inventory
from farm.powermon.registry import NO_MONITOR, get_powermon, powermon_kinds
from farm.yaml_locations import LocatedYaml, Position, YamlPath, load_located_yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file, with its position."""

    position: Position
    message: str


class InventoryProblems(InventoryError):
    """InventoryError listing every problem, one per line; ``problems`` keeps them typed."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        lines = [f"{path}:{p.position.line}:{p.position.column}: {p.message}" for p in problems]
        if len(lines) > 1:
            lines.insert(0, f"{path}: {len(lines)} problems")
        super().__init__("\n".join(lines))
        first = problems[0].position
        self.path, self.line, self.column = path, first.line, first.column
        self.problems = problems


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, typing.Annotated):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = _models_in(field.annotation) if field is not None else []
        if not found:
            return None
        model = found[0]
    return model


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _dotted(loc: Iterable[str | int]) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")


class _Checker:
    """Collects problems for one located inventory file."""

    def __init__(self, located: LocatedYaml, catalog: Catalog) -> None:
        self.located = located
        self.catalog = catalog
        self.problems: list[Problem] = []
        self.backend_keys: tuple[str, ...] = ()
        """Sections the backend of the board being checked declares (allowed board keys)."""

    def add(self, loc: YamlPath, message: str, *, at_key: bool = False) -> None:
        pos = self.located.key_position(loc) if at_key else self.located.value_position(loc)
        self.problems.append(Problem(pos, message))

    def pydantic_errors(
        self,
        exc: ValidationError,
        prefix: YamlPath,
        who: str,
        section: tuple[tuple[str, ...], type[BaseModel], tuple[str, ...]] | None = None,
    ) -> None:
        """Every error of ``exc`` as a located problem.

        ``section``: the errors are of one section's own model (a power monitor kind's):
        (its dotted name, the model, keys the section holds besides the model's).
        """
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = _dotted((*section[0], *loc) if section else loc)
            if err["type"] == "extra_forbidden":
                if section is not None:
                    parent: type[BaseModel] | None = _model_at(section[1], loc[:-1])
                else:
                    parent = _model_at(
                        BoardConfig if prefix[:1] == ("boards",) else Inventory, loc[:-1]
                    )
                allowed = sorted(parent.model_fields) if parent else []
                if section is not None and len(loc) == 1:
                    allowed = sorted([*allowed, *section[2]])
                elif section is None and prefix[:1] == ("boards",) and len(loc) == 1:
                    allowed = sorted([*allowed, *self.backend_keys])
                hidden = ("path", "options", "backend_sections")
                allowed = [a for a in allowed if a not in hidden]
                key = str(loc[-1])
                self.add(
                    prefix + loc,
                    f"{who}unknown key '{field}'; allowed keys: {', '.join(allowed)}"
                    + did_you_mean(key, allowed),
                    at_key=True,
                )
            elif err["type"] == "missing":
                self.add(prefix + loc[:-1], f"{who}{field} missing; it is required")
            elif err["type"] in ("enum", "literal_error"):
                value = err.get("input")
                allowed = err.get("ctx", {}).get("expected", "")
                choices = [c.strip(" '") for c in allowed.replace(" or ", ",").split(",")]
                self.add(
                    prefix + loc,
                    f"{who}{field}={_show(value)} not allowed; allowed {allowed}"
                    + did_you_mean(str(value), [c for c in choices if c]),
                )
            else:
                value = err.get("input")
                shown = "" if isinstance(value, dict | list) else f"={_show(value)}"
                msg = err["msg"] if err["type"] == "farm" else f"invalid: {err['msg']}"
                if err["type"] == "string_pattern_mismatch" and loc[-1] == "id":
                    msg = "is not a slug; use lower-case letters, digits, '-', '_' and '.'"
                self.add(prefix + loc, f"{who}{field}{shown} {msg}")

    def monitor_section(self, raw: dict, loc: YamlPath, who: str) -> bool:
        """The board's ``power_monitor`` section, validated by its registered kind's model.

        Returns False when the section has problems (they are recorded, with the kind's
        allowed keys and values).
        """
        section = raw.get("power_monitor")
        if not isinstance(section, dict):
            return True  # absent (no monitor) or not a mapping: BoardConfig reports it
        at: YamlPath = (*loc, "power_monitor")
        kind = section.get("type", NO_MONITOR)
        kinds = powermon_kinds()
        if not isinstance(kind, str) or kind not in kinds:
            self.add((*at, "type"), f"{who}power_monitor.type={_show(kind)} not allowed; "
                     f"allowed {', '.join(kinds)}" + did_you_mean(str(kind), kinds))  # fmt: skip
            return False
        model = get_powermon(kind).section
        try:
            model.model_validate({k: v for k, v in section.items() if k != "type"})
        except ValidationError as exc:
            self.pydantic_errors(exc, at, who, (("power_monitor",), model, ("type",)))
            return False
        return True

    def backend_sections(self, raw: dict, loc: YamlPath, who: str) -> bool:
        """The sections the board's backend declares, each validated by the backend's model.

        Returns False when one has problems (recorded with the model's allowed keys and values).
        """
        backend = raw.get("backend")
        if not isinstance(backend, str) or backend not in backend_names():
            self.backend_keys = ()
            return True  # BoardConfig reports the backend
        declared = get_backend(backend).spec.sections
        self.backend_keys = tuple(declared)
        ok = True
        for name, model in declared.items():
            if name not in raw or name in BoardConfig.model_fields:
                continue
            try:
                model.model_validate(raw[name])
            except ValidationError as exc:
                self.pydantic_errors(exc, (*loc, name), who, ((name,), model, ()))
                ok = False
        return ok

    def target_rule(self, raw: dict, loc: YamlPath, who: str) -> None:
        """Unknown target, checked on the raw mapping so it shows even if other fields fail."""
        target = raw.get("target")
        if isinstance(target, str) and target not in self.catalog:
            self.add(
                loc + ("target",),
                f"{who}target={_show(target)} unknown; known targets: "
                f"{', '.join(self.catalog.names)}" + did_you_mean(target, self.catalog.names),
            )

    def board_rules(self, board: BoardConfig, loc: YamlPath) -> None:
        who = f"board '{board.id}' "
        if board.target not in self.catalog:
            return  # reported by target_rule
        spec = self.catalog.get(board.target)
        if board.kind is not None and board.kind != spec.kind:
            self.add(loc + ("kind",), f"{who}kind='{board.kind}' does not match target "
                     f"{spec.name}; its kind is '{spec.kind}'")  # fmt: skip
        backend = get_backend(board.backend)
        if spec.kind != backend.spec.target_kind:
            able = [b for b in backend_names() if get_backend(b).spec.target_kind == spec.kind]
            self.add(loc + ("backend",), f"{who}backend='{board.backend}' cannot drive a "
                     f"{spec.kind} target ({spec.name}); use {' or '.join(able)}")  # fmt: skip
        for field, message in backend.spec.check(board, spec) if backend.spec.check else []:
            where = loc + tuple(field.split(".")) if field else loc
            self.add(where, f"{who}{message}")


def _resolve_paths(board: BoardConfig, base: Path) -> BoardConfig:
    update: dict[str, Any] = {}
    if board.probe and board.probe.pack and not board.probe.pack.is_absolute():
        update["probe"] = board.probe.model_copy(update={"pack": base / board.probe.pack})
    if board.ssh:
        ssh_paths = {}
        for field in ("key", "known_hosts_file"):
            value = getattr(board.ssh, field)
            if value is not None:
                value = value.expanduser()
                ssh_paths[field] = value if value.is_absolute() else base / value
        if ssh_paths:
            update["ssh"] = board.ssh.model_copy(update=ssh_paths)
    return board.model_copy(update=update) if update else board


def load_inventory(path: str | Path, catalog: Catalog | None = None) -> Inventory:
    """Load ``path`` and validate it; raises InventoryError listing every problem."""
    catalog = catalog or Catalog.load()
    located = load_located_yaml(path, InventoryError)
    check = _Checker(located, catalog)
    for loc, _pos in located.duplicate_keys:
        check.add(loc, f"key '{loc[-1]}' appears twice in the same mapping; keep one", at_key=True)
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("boards"), list):
        check.add((), "inventory must be a mapping with a 'boards:' list of boards")
        raise InventoryProblems(located.path, check.problems)
    try:
        Inventory.model_validate({k: v for k, v in data.items() if k != "boards"} | {"boards": []})
    except ValidationError as exc:
        check.pydantic_errors(exc, (), "")
    boards: list[BoardConfig] = []
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(data["boards"]):
        loc: YamlPath = ("boards", index)
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        who = f"board '{raw_id}' " if isinstance(raw_id, str) else f"board #{index + 1} "
        if isinstance(raw_id, str):
            if raw_id in first_seen:
                line = located.value_position(("boards", first_seen[raw_id], "id")).line
                check.add(loc + ("id",), f"{who}id='{raw_id}' duplicate; ids must be unique "
                          f"(first defined at line {line})")  # fmt: skip
            first_seen.setdefault(raw_id, index)
        if isinstance(raw, dict):
            check.target_rule(raw, loc, who)
            if not check.monitor_section(raw, loc, who):
                continue
            if not check.backend_sections(raw, loc, who):
                continue
        try:
            board = BoardConfig.model_validate(raw)
        except ValidationError as exc:
            check.pydantic_errors(exc, loc, who)
            continue
        check.board_rules(board, loc)
        boards.append(_resolve_paths(board, located.path.parent))
    if check.problems:
        check.problems.sort(key=lambda p: (p.position.line, p.position.column))
        raise InventoryProblems(located.path, check.problems)
    return Inventory(boards=tuple(boards), path=located.path)
