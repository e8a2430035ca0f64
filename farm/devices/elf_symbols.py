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


def embedded_blob_bytes(elf: Path) -> int:
    """Bytes of the model blob compiled into ``elf`` (0 when the image has none)."""
    symbol = elf_symbol(elf, EMBEDDED_BLOB_SYMBOL)
    return symbol.size if symbol is not None else 0
