"""The QEMU plugin that records a traced region's data reads of flash: built with the host gcc
(cached by source), and its ``-plugin`` argument for one image.

The plugin (``qemu_plugin/flash_reads.c``) counts loads from the image's read-only segments and
the model region by LRU stack distance; :class:`~farm.devices.flash_reads.FlashReads` prices
them for a target's flash data cache.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from elftools.elf.constants import P_FLAGS
from elftools.elf.elffile import ELFFile

from farm.devices.flash_reads import FlashReads
from farm.errors import FarmError
from farm.host_gcc import build_shared_object

log = logging.getLogger(__name__)

SOURCE = Path(__file__).parent / "qemu_plugin" / "flash_reads.c"
DEPTH_WORDS = 1024
"""Stack distances tracked (64-bit words): the largest catalog data cache, 8 KB."""


def build_plugin(cache_dir: Path) -> Path | None:
    """The plugin's shared object under ``cache_dir`` (built on first use), or None without
    a working host gcc (the trace then records no data reads and the method says so)."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    try:
        return build_shared_object(
            Path(cache_dir) / "qemu-plugins" / digest,
            "flash_reads.so",
            [str(SOURCE)],
            "the QEMU flash read plugin",
        )
    except FarmError as exc:
        log.warning("cycle traces record no flash data reads: %s", exc)
        return None


def read_only_ranges(elf: Path) -> list[tuple[int, int]]:
    """[start, end) of the ELF's loaded segments the core cannot write (flash on the target)."""
    with elf.open("rb") as fh:
        return [
            (seg["p_vaddr"], seg["p_vaddr"] + seg["p_memsz"])
            for seg in ELFFile(fh).iter_segments()
            if seg["p_type"] == "PT_LOAD"
            and seg["p_filesz"] > 0
            and not seg["p_flags"] & P_FLAGS.PF_W
        ]


def plugin_arg(
    plugin: Path,
    region_pc: int,
    flash: list[tuple[int, int]],
    skip: list[tuple[int, int]],
    out: Path,
) -> str:
    """The ``-plugin`` value: count loads in ``flash`` between the first two runs of
    ``region_pc``, except those of code in ``skip``; counts to ``out``."""
    parts = [f"file={plugin}", f"region=0x{region_pc & ~1:x}", f"depth={DEPTH_WORDS}"]
    parts += [f"flash=0x{lo:x}-0x{hi:x}" for lo, hi in flash]
    parts += [f"skip=0x{lo:x}-0x{hi:x}" for lo, hi in skip]
    parts.append(f"out={out}")
    return ",".join(parts)


def read_counts(out: Path) -> FlashReads | None:
    """The plugin's counts, or None when it wrote none (the region never closed)."""
    if not out.exists():
        return None
    return FlashReads.parse(out.read_text(), DEPTH_WORDS)
