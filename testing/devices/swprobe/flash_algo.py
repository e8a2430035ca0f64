"""The CMSIS flash algorithm, emulated by its effect.

pyocd loads the algorithm into RAM, sets PC to an entry point (Init, EraseSector, EraseAll,
ProgramPage, UnInit, or the CRC32 analyzer), R0-R3 to the arguments and LR to a breakpoint,
then resumes and polls for the halt. The emulated core recognises the entry point by PC and
applies what the real routine would do to the flash bytes, returning 0 in R0.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from .chip import ChipSpec, FlashBank

ENTRY_NAMES = ("pc_init", "pc_unInit", "pc_program_page", "pc_erase_sector", "pc_eraseAll")


class FlashAlgoEffects:
    """Maps algorithm entry points to their effect on the emulated flash.

    Args:
        chip: the chip whose flash banks (and algorithms) are emulated.
        read: reads bytes from the emulated bus (page buffers live in RAM).
        write: writes bytes to the emulated bus (analyzer results go back to RAM).
    """

    def __init__(
        self,
        chip: ChipSpec,
        read: Callable[[int, int], bytes],
        write: Callable[[int, bytes], None],
    ) -> None:
        self.chip = chip
        self._read = read
        self._write = write
        self.calls: list[tuple[str, int, int]] = []
        self._entries: dict[int, tuple[str, FlashBank]] = {}
        for bank in chip.flash:
            for name in ENTRY_NAMES:
                if bank.algo.get(name):
                    self._entries[bank.algo[name] & ~1] = (name, bank)
            if bank.algo.get("analyzer_supported"):
                self._entries[bank.algo["analyzer_address"] & ~1] = ("analyzer", bank)

    def entry(self, pc: int) -> str | None:
        """Name of the routine starting at ``pc``, None when it is no algorithm entry."""
        hit = self._entries.get(pc & ~1)
        return hit[0] if hit else None

    def call(self, pc: int, regs: dict[int, int]) -> int:
        """Apply the routine at ``pc`` with arguments R0-R3; returns the R0 result."""
        name, bank = self._entries[pc & ~1]
        r0, r1, r2 = regs.get(0, 0), regs.get(1, 0), regs.get(2, 0)
        self.calls.append((name, r0, r1))
        if name == "pc_erase_sector":
            bank = self._bank(r0)
            start = (r0 - bank.start) // bank.sector_size * bank.sector_size
            bank.data[start : start + bank.sector_size] = b"\xff" * bank.sector_size
        elif name == "pc_eraseAll":
            for each in self.chip.flash:
                each.data[:] = b"\xff" * each.size
        elif name == "pc_program_page":
            bank = self._bank(r0)
            offset = r0 - bank.start
            data = self._read(r2, r1)
            # NOR flash programming only clears bits: unerased pages read back wrong.
            old = bank.data[offset : offset + r1]
            bank.data[offset : offset + r1] = bytes(a & b for a, b in zip(old, data, strict=True))
        elif name == "analyzer":
            self._analyze(r0, r1)
        return 0

    def _bank(self, addr: int) -> FlashBank:
        for bank in self.chip.flash:
            if bank.contains(addr):
                return bank
        raise ValueError(f"flash algorithm called on 0x{addr:08x}, outside flash")

    def _analyze(self, table: int, count: int) -> None:
        """pyocd's CRC32 analyzer: words ``size_log2 | (addr / size) << 16`` -> CRC32 each."""
        words = self._read(table, 4 * count)
        crcs = bytearray()
        for i in range(count):
            value = int.from_bytes(words[4 * i : 4 * i + 4], "little")
            size = 1 << (value & 0xFFFF)
            addr = (value >> 16) * size  # flash is aliased at 0: the truncated address works
            crcs += (zlib.crc32(self._read(addr, size)) & 0xFFFF_FFFF).to_bytes(4, "little")
        self._write(table, bytes(crcs))
