"""Symbols of a firmware ELF the twin's cycle model needs (address and size)."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import NamedTuple

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

EMBEDDED_BLOB_SYMBOL = "model_blob"
"""The blob array of an image with the model compiled in (farm.build.embedded_model)."""


class ElfSymbol(NamedTuple):
    address: int
    size: int


def read_elf_symbol(elf: Path, name: str) -> ElfSymbol | None:
    """``name``'s address (Thumb bit cleared) and size in ``elf``; None if absent.

    Raises OSError or ELFError when ``elf`` cannot be read as an ELF file.
    """
    with elf.open("rb") as fh:
        table = ELFFile(fh).get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            return None
        found = table.get_symbol_by_name(name)
    if not found:
        return None
    return ElfSymbol(int(found[0]["st_value"]) & ~1, int(found[0]["st_size"]))


def elf_symbol(elf: Path, name: str) -> ElfSymbol | None:
    """As :func:`read_elf_symbol`, with an unreadable file counted as having no such symbol."""
    try:
        return read_elf_symbol(elf, name)
    except (OSError, ELFError):
        return None


class FunctionMap:
    """Which function of an ELF holds an address: its FUNC symbols and global labels (the
    start symbols of hand-written assembly), by address."""

    def __init__(self, elf: Path) -> None:
        """Raises OSError or ELFError when ``elf`` cannot be read as an ELF file."""
        spans: dict[int, tuple[int, str]] = {}
        with elf.open("rb") as fh:
            table = ELFFile(fh).get_section_by_name(".symtab")
            symbols = list(table.iter_symbols()) if isinstance(table, SymbolTableSection) else []
        for sym in symbols:
            kind, bind = sym["st_info"]["type"], sym["st_info"]["bind"]
            if sym["st_shndx"] == "SHN_UNDEF" or not sym.name:
                continue
            if kind == "STT_FUNC" or (kind == "STT_NOTYPE" and bind == "STB_GLOBAL"):
                spans.setdefault(int(sym["st_value"]) & ~1, (int(sym["st_size"]), sym.name))
        self._starts = sorted(spans)
        self._spans = [spans[a] for a in self._starts]

    def name_of(self, address: int) -> str:
        """The function holding ``address``: the last one starting at or below it (up to its
        size when it has one); the address in hex when none does."""
        i = bisect.bisect_right(self._starts, address & ~1) - 1
        if i >= 0:
            size, name = self._spans[i]
            if size == 0 or (address & ~1) < self._starts[i] + size:
                return name
        return f"{address:#x}"


def embedded_blob_bytes(elf: Path) -> int:
    """Bytes of the model blob compiled into ``elf`` (0 when the image has none)."""
    symbol = elf_symbol(elf, EMBEDDED_BLOB_SYMBOL)
    return symbol.size if symbol is not None else 0
