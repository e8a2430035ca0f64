"""Load YAML and remember where every value came from, so errors can say ``file:line:column``.

PyYAML's composer keeps a start mark on every node; we walk the node tree once and record, for
each path of keys and list indexes, the position of the key and of the value. Pydantic error
``loc`` tuples are paths of the same shape, so they map straight to positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from farm.errors import ConfigError

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """1-based line and column in a file."""

    line: int
    column: int


@dataclass
class LocatedYaml:
    """Parsed YAML data plus the position of every key and value."""

    path: Path
    data: Any
    values: dict[YamlPath, Position] = field(default_factory=dict)
    keys: dict[YamlPath, Position] = field(default_factory=dict)
    duplicate_keys: list[tuple[YamlPath, Position]] = field(default_factory=list)

    def value_position(self, loc: YamlPath) -> Position:
        """Position of the value at ``loc``, or of the closest enclosing value that exists."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.values:
                return self.values[loc[:n]]
        return Position(1, 1)

    def key_position(self, loc: YamlPath) -> Position:
        """Position of the key at ``loc`` (falls back to the value position)."""
        return self.keys.get(loc) or self.value_position(loc)


def _pos(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(node: yaml.Node, loc: YamlPath, out: LocatedYaml) -> None:
    out.values[loc] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                out.duplicate_keys.append((loc + (key,), _pos(key_node)))
            seen.add(key)
            out.keys[loc + (key,)] = _pos(key_node)
            _walk(value_node, loc + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, loc + (index,), out)


def load_located_yaml(path: str | Path, error_cls: type[ConfigError] = ConfigError) -> LocatedYaml:
    """Parse ``path``; malformed YAML raises ``error_cls`` at YAML's own error mark."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error_cls(f"file '{path}': cannot read: {exc.strerror}", path=path) from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        raise error_cls(
            f"malformed YAML: {what}; fix the syntax (indentation, quotes, ':' after keys)",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from exc
    except yaml.YAMLError as exc:
        raise error_cls(f"malformed YAML: {exc}", path=path) from exc
    finally:
        loader.dispose()
    located = LocatedYaml(path=path, data=data)
    if node is not None:
        _walk(node, (), located)
    return located
