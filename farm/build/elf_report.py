"""Memory report of a firmware ELF (pyelftools): flash and RAM by section, model region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from farm.errors import BuildError

MODEL_START = "__model_region_start"
MODEL_END = "__model_region_end"
ARENA_SYMBOL = "g_arena"  # the harness's activation arena (firmware/harness/src/model_glue.c)


def _symbols(elf: ELFFile) -> dict[str, tuple[int, int]]:
    table = elf.get_section_by_name(".symtab")
    if not isinstance(table, SymbolTableSection):
        return {}
    return {s.name: (s["st_value"], s["st_size"]) for s in table.iter_symbols() if s.name}


def _load_addresses(elf: ELFFile) -> dict[str, int]:
    """Load (flash) address of every section placed by a PT_LOAD segment."""
    lma: dict[str, int] = {}
    for segment in elf.iter_segments():
        if segment["p_type"] != "PT_LOAD":
            continue
        for section in elf.iter_sections():
            if segment.section_in_segment(section):
                lma[section.name] = segment["p_paddr"] + section["sh_addr"] - segment["p_vaddr"]
    return lma


def memory_report(elf_path: Path) -> dict[str, Any]:
    """Flash/RAM use by section, totals, model region and arena of ``elf_path``.

    A section is *flash* when it is loaded and read-only, *ram* when it occupies no file bytes
    (.bss, .stack), *flash+ram* when it is loaded at one address and runs at another (.data),
    and *model* for the reserved model region (not part of the image).
    """
    try:
        with elf_path.open("rb") as fh:
            elf = ELFFile(fh)
            symbols = _symbols(elf)
            lma = _load_addresses(elf)
            model_start = symbols.get(MODEL_START, (0, 0))[0]
            model_end = symbols.get(MODEL_END, (0, 0))[0]
            sections = []
            for section in elf.iter_sections():
                if not section["sh_flags"] & SH_FLAGS.SHF_ALLOC or section["sh_size"] == 0:
                    continue
                addr, size = section["sh_addr"], section["sh_size"]
                if section.name == ".model_region" or (model_start <= addr < model_end):
                    kind = "model"
                elif section["sh_type"] == "SHT_NOBITS":
                    kind = "ram"
                elif lma.get(section.name, addr) != addr:
                    kind = "flash+ram"
                else:
                    kind = "flash"
                sections.append({"name": section.name, "addr": addr, "size": size, "kind": kind})
            loads = [
                s["p_paddr"]
                for s in elf.iter_segments()
                if s["p_type"] == "PT_LOAD" and s["p_filesz"] > 0
            ]
            entry = elf.header["e_entry"]
    except (OSError, ELFError) as exc:
        raise BuildError(f"ELF '{elf_path}': cannot read: {exc}; rebuild the firmware") from exc
    flash = sum(s["size"] for s in sections if s["kind"] in ("flash", "flash+ram"))
    ram = sum(s["size"] for s in sections if s["kind"] in ("ram", "flash+ram"))
    return {
        "sections": sections,
        "flash_bytes": flash,
        "ram_bytes": ram,
        "model_region_addr": model_start,
        "model_region_bytes": max(0, model_end - model_start),
        "arena_bytes": symbols.get(ARENA_SYMBOL, (0, 0))[1],
        "load_addr": min(loads) if loads else 0,
        "entry": entry,
    }
