"""The emulated chip: identity registers, memories and the CoreSight ROM table.

Everything pyocd reads to identify a target is a constant here (DP IDR, AP IDR, ROM table,
component IDs, CPUID); flash and RAM are bytearrays shaped after pyocd's own memory map of the
target, so sector sizes and the flash algorithm are the ones pyocd will use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARM_JEP106 = (4, 0x3B)  # continuation code, identity code: designer 0x43B
GENERIC_CLASS = 0xE
ROM_CLASS = 0x1

ROM_TABLE = 0xE00F_F000
# (name, base address, part number) of the v7-M debug components behind the ROM table.
COMPONENTS = (("SCS", 0xE000_E000, 0x00C), ("DWT", 0xE000_1000, 0x002), ("FPB", 0xE000_2000, 0x003))


@dataclass
class FlashBank:
    """One flash region: start, bytes, erase sector size, flash algorithm dict."""

    start: int
    size: int
    sector_size: int
    algo: dict

    def __post_init__(self) -> None:
        self.data = bytearray(b"\xff" * self.size)

    def contains(self, addr: int) -> bool:
        return self.start <= addr < self.start + self.size


@dataclass
class ChipSpec:
    """What the emulated chip answers: identity words and its memory layout."""

    pyocd_target: str
    dpidr: int
    cpuid: int
    flash: list[FlashBank]
    ram: list[tuple[int, int]]
    fixed_words: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_pyocd(cls, pyocd_target: str, dpidr: int, cpuid: int) -> ChipSpec:
        """Memory layout from pyocd's built-in target class of that name."""
        from pyocd.core.memory_map import MemoryType
        from pyocd.target import TARGET

        memory_map = TARGET[pyocd_target].MEMORY_MAP
        flash, ram = [], []
        for region in memory_map:
            if region.type is MemoryType.FLASH:
                flash.append(
                    FlashBank(region.start, region.length, region.sector_size, region.algo)
                )
            elif region.type is MemoryType.RAM:
                ram.append((region.start, region.length))
        return cls(pyocd_target, dpidr, cpuid, flash, ram)


# Identity words per built-in target (DP IDR and CPUID from the reference manuals).
# FPU feature words: MVFR0-2 at 0xE000EF40..48 (single precision FPv4 on M4, double FPv5 on M7).
MVFR_M4 = {0xE000_EF40: 0x1011_0021, 0xE000_EF44: 0x1100_0011, 0xE000_EF48: 0}
MVFR_M7_DP = {0xE000_EF40: 0x1011_0221, 0xE000_EF44: 0x1200_0011, 0xE000_EF48: 0x40}
FLASH_OPTCR = 0x4002_3C14  # STM32F7 option control: nDBANK (bit 29) set = single bank
CHIPS: dict[str, tuple[int, int, dict[int, int]]] = {
    "stm32f767zi": (0x5BA0_2477, 0x411F_C270, {**MVFR_M7_DP, FLASH_OPTCR: 0xFFFF_AAFD}),
    "stm32l475xg": (0x2BA0_1477, 0x410F_C241, MVFR_M4),
}


def make_chip(pyocd_target: str) -> ChipSpec:
    """The emulated chip for one of :data:`CHIPS` (DP IDR, CPUID, fixed registers)."""
    dpidr, cpuid, fixed = CHIPS[pyocd_target]
    chip = ChipSpec.from_pyocd(pyocd_target, dpidr, cpuid)
    chip.fixed_words.update(fixed)
    return chip


def id_words(part: int, component_class: int) -> dict[int, int]:
    """PIDR/CIDR registers (offset from the component base -> byte value) of one component."""
    continuation, identity = ARM_JEP106
    pidr = (continuation << 32) | (1 << 19) | (identity << 12) | part
    words = {0xFD0: (pidr >> 32) & 0xFF}
    for i in range(4):
        words[0xFE0 + 4 * i] = (pidr >> (8 * i)) & 0xFF
    cidr = 0xB105_000D | (component_class << 12)
    for i in range(4):
        words[0xFF0 + 4 * i] = (cidr >> (8 * i)) & 0xFF
    return words


def rom_words() -> dict[int, int]:
    """Absolute address -> word for the ROM table and the ID registers of its components."""
    words = {ROM_TABLE + off: value for off, value in id_words(0x4C4, ROM_CLASS).items()}
    for index, (_name, base, part) in enumerate(COMPONENTS):
        offset = (base - ROM_TABLE) & 0xFFFF_F000
        words[ROM_TABLE + 4 * index] = offset | 0x3  # present, 32-bit format
        words.update({base + off: value for off, value in id_words(part, GENERIC_CLASS).items()})
    words[ROM_TABLE + 4 * len(COMPONENTS)] = 0  # end of table
    return words
