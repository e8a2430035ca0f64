"""Symbols of a firmware ELF the twin's cycle model needs (address and size)."""

from __future__ import annotations

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


def elf_symbol(elf: Path, name: str) -> ElfSymbol | None:
    """``name``'s address (Thumb bit cleared) and size in ``elf``; None if absent or unreadable."""
    try:
        with elf.open("rb") as fh:
            table = ELFFile(fh).get_section_by_name(".symtab")
            if not isinstance(table, SymbolTableSection):
                return None
            found = table.get_symbol_by_name(name)
    except (OSError, ELFError):
        return None
    if not found:
        return None
    return ElfSymbol(int(found[0]["st_value"]) & ~1, int(found[0]["st_size"]))


def embedded_blob_bytes(elf: Path) -> int:
    """Bytes of the model blob compiled into ``elf`` (0 when the image has none)."""
    symbol = elf_symbol(elf, EMBEDDED_BLOB_SYMBOL)
    return symbol.size if symbol is not None else 0
