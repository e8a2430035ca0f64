"""Worst-case stack depth of a firmware image, from GCC's call graph (``-fcallgraph-info=su``).

The harness recipe compiles with ``-fcallgraph-info=su``: next to each object GCC writes a
``.ci`` file (VCG text) with every function's frame ("N bytes (static)") and its calls. From
those and the linked ELF this module finds the deepest chain from ``Reset_Handler`` and the
deepest interrupt handler, and compares their sum with the image's stack (the ``FARM_STACK_BYTES``
symbol the harness links in). A chain deeper than the stack is a build error: on the board it is
a silent overflow into the arena.

What is assumed (and said in :attr:`StackReport.method`):

* an indirect call (the runtime's kernel table, a depthwise pixel function) may reach any
  function whose address is stored in the image outside the vector table, except those stored
  in a table that also holds its caller (kernels do not dispatch kernels);
* a library function without call graph data (newlib's ``memcpy``, libgcc's ``__aeabi_*``)
  takes at most :data:`EXTERNAL_BYTES`;
* interrupts do not nest (one handler on top of the deepest chain), and each pushes an extended
  exception frame (:data:`EXCEPTION_FRAME_BYTES`: FPU context, aligned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from farm.errors import BuildError

EXTERNAL_BYTES = 256
"""Allowance for a library function compiled without call graph data."""
EXCEPTION_FRAME_BYTES = 108
"""26 words of an FPU exception frame plus 4 bytes of alignment."""
STACK_SYMBOL = "FARM_STACK_BYTES"
VECTOR_SYMBOL = "farm_vectors"
INDIRECT = "__indirect_call"

_NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
_FRAME = re.compile(r"\\n(\d+) bytes \((static|dynamic|dynamic,bounded)\)")
_EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


@dataclass(frozen=True)
class StackReport:
    """The deepest call chains of an image and its stack."""

    limit_bytes: int | None
    """The image's stack (``FARM_STACK_BYTES``); None when the image does not say."""
    main_bytes: int
    main_chain: tuple[str, ...]
    interrupt_bytes: int
    """The deepest handler's chain plus its exception frame (0 without handlers)."""
    interrupt_chain: tuple[str, ...]

    @property
    def worst_bytes(self) -> int:
        return self.main_bytes + self.interrupt_bytes

    @property
    def method(self) -> str:
        return (
            "static: GCC -fcallgraph-info=su frames along the deepest call chain; indirect "
            "calls may reach any function whose address the image stores, but the caller's own "
            "table; library functions "
            f"without call graph data {EXTERNAL_BYTES} B each; one interrupt handler on top "
            f"with a {EXCEPTION_FRAME_BYTES} B exception frame"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "limit_bytes": self.limit_bytes,
            "worst_bytes": self.worst_bytes,
            "main_chain": list(self.main_chain),
            "main_bytes": self.main_bytes,
            "interrupt_chain": list(self.interrupt_chain),
            "interrupt_bytes": self.interrupt_bytes,
            "method": self.method,
        }


@dataclass
class _Graph:
    frames: dict[str, int]
    calls: dict[str, set[str]]


def _read_callgraph(ci_files: list[Path]) -> _Graph:
    """Frames and calls of every function in the ``.ci`` files (a static function's title
    carries its file: ``<file>:<name>``, so titles are unique across the image)."""
    frames: dict[str, int] = {}
    calls: dict[str, set[str]] = {}
    for ci in sorted(ci_files):
        for line in ci.read_text(errors="replace").splitlines():
            if node := _NODE.match(line):
                title, label = node.groups()
                frame = _FRAME.search(label)
                if frame is None:
                    continue  # declared here, defined elsewhere (or nowhere: a library)
                if frame.group(2) != "static":
                    raise BuildError(
                        f"stack depth: {ci.name}: '{title}' has a {frame.group(2)} frame; the "
                        "firmware must not size its stack at run time (no VLAs, no alloca)"
                    )
                frames[title] = int(frame.group(1))
            elif edge := _EDGE.match(line):
                source, target = edge.groups()
                calls.setdefault(source, set()).add(target)
    return _Graph(frames, calls)


@dataclass
class _ImageFacts:
    limit: int | None
    stored: dict[str, set[str]]
    """Functions whose address the image stores outside the vector table -> the tables (data
    objects) that hold it (empty: only literal pools)."""
    handlers: set[str]


def _image_facts(elf: Path) -> _ImageFacts:
    with elf.open("rb") as fh:
        image = ELFFile(fh)
        table = image.get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            raise BuildError(f"stack depth: {elf}: no symbol table")
        functions: dict[int, set[str]] = {}  # aliases share an address
        objects: list[tuple[int, int, str]] = []
        limit = vectors = None
        for sym in table.iter_symbols():
            kind, value, size = sym["st_info"]["type"], sym["st_value"], sym["st_size"]
            if kind == "STT_FUNC" and sym.name:
                functions.setdefault(value | 1, set()).add(sym.name)
            elif kind == "STT_OBJECT" and size:
                objects.append((value, value + size, sym.name))
            if sym.name == STACK_SYMBOL:
                limit = int(value)
            elif sym.name == VECTOR_SYMBOL:
                vectors = (value, value + size)
        facts = _ImageFacts(limit, {}, set())
        for section in image.iter_sections():
            if section["sh_type"] != "SHT_PROGBITS" or not section["sh_flags"] & SH_FLAGS.SHF_ALLOC:
                continue
            data, base = section.data(), section["sh_addr"]
            for offset in range(0, len(data) - 3, 4):
                names = functions.get(int.from_bytes(data[offset : offset + 4], "little"))
                if names is None:
                    continue
                at = base + offset
                if vectors is not None and vectors[0] <= at < vectors[1]:
                    facts.handlers.update(names)
                    continue
                tables = {name for lo, hi, name in objects if lo <= at < hi}
                for name in names:
                    facts.stored.setdefault(name, set()).update(tables)
    return facts


def _titles(graph: _Graph, name: str) -> list[str]:
    """The call graph's titles of the ELF function ``name`` (a static one's carries a file)."""
    return [t for t in graph.frames if t == name or t.endswith(":" + name)]


class _Depth:
    """Deepest chains by depth-first search. An indirect call reaches the stored functions,
    except those that share a table with its caller (a kernel does not dispatch kernels through
    their table) and those already on the chain (a pointer call back into its own chain would
    be recursion, which the call graph cannot show either way); so a result depends on which
    stored functions the chain holds, and that is part of the memo's key."""

    def __init__(self, graph: _Graph, stored: dict[str, set[str]]) -> None:
        self.graph = graph
        self.tables = stored
        self.memo: dict[tuple[str, frozenset[str]], tuple[int, tuple[str, ...]]] = {}

    def _indirect_targets(self, caller: str, chain: tuple[str, ...]) -> list[str]:
        mine = self.tables.get(caller, set())
        return sorted(t for t in self.tables.keys() - set(chain) if not (self.tables[t] & mine))

    def of(self, name: str, path: tuple[str, ...] = ()) -> tuple[int, tuple[str, ...]]:
        """(bytes, chain) of the deepest chain starting at ``name``."""
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise BuildError(f"stack depth: recursion {cycle}; its depth has no static bound")
        if name not in self.graph.frames:
            return EXTERNAL_BYTES, (f"{name} (library, {EXTERNAL_BYTES} B assumed)",)
        key = (name, frozenset(self.tables.keys() & path))
        if key in self.memo:
            return self.memo[key]
        deepest: tuple[int, tuple[str, ...]] = (0, ())
        inner = (*path, name)
        for callee in sorted(self.graph.calls.get(name, ())):
            if callee == INDIRECT:
                targets = self._indirect_targets(name, inner)
            else:
                targets = [callee]
            for target in targets:
                depth = self.of(target, inner)
                if depth[0] > deepest[0]:
                    deepest = depth
        result = (self.graph.frames[name] + deepest[0], (name, *deepest[1]))
        self.memo[key] = result
        return result


def stack_report(ci_files: list[Path], elf: Path) -> StackReport:
    """The image's deepest chains (see the module text for what is assumed).

    Raises:
        BuildError: recursion, a run-time sized frame, or no Reset_Handler in the call graph.
    """
    graph = _read_callgraph(ci_files)
    facts = _image_facts(elf)
    if "Reset_Handler" not in graph.frames:
        raise BuildError("stack depth: no Reset_Handler in the call graph (-fcallgraph-info=su)")
    stored = {t: tables for name, tables in facts.stored.items() for t in _titles(graph, name)}
    depth = _Depth(graph, stored)
    main_bytes, main_chain = depth.of("Reset_Handler")
    interrupt: tuple[int, tuple[str, ...]] = (0, ())
    handlers = {t for name in facts.handlers - {"Reset_Handler"} for t in _titles(graph, name)}
    for handler in sorted(handlers):
        found = depth.of(handler)
        if found[0] + EXCEPTION_FRAME_BYTES > interrupt[0]:
            interrupt = (found[0] + EXCEPTION_FRAME_BYTES, found[1])
    return StackReport(
        facts.limit, main_bytes, _short(main_chain), interrupt[0], _short(interrupt[1])
    )


def _short(chain: tuple[str, ...]) -> tuple[str, ...]:
    """Titles without the build's directories (``k_conv.c:conv_windows``)."""
    return tuple(name.rsplit("/", 1)[-1] for name in chain)


def check_stack(ci_files: list[Path], elf: Path, what: str) -> StackReport | None:
    """:func:`stack_report` of a build that wrote call graphs (None when it wrote none).

    Raises:
        BuildError: the deepest chain does not fit the image's stack (it names the chain).
    """
    if not ci_files:
        return None
    report = stack_report(ci_files, elf)
    if report.limit_bytes is not None and report.worst_bytes > report.limit_bytes:
        chain = " -> ".join(report.main_chain)
        raise BuildError(
            f"{what}: the deepest call chain needs {report.worst_bytes} B of stack "
            f"({report.main_bytes} B: {chain}; interrupts {report.interrupt_bytes} B) but the "
            f"image has {report.limit_bytes} B ({STACK_SYMBOL}); shrink a frame on the chain or "
            "give the board more stack (BSP_STACK_BYTES in its board.mk)"
        )
    return report
