"""The emulated MCU behind the software probe: a memory bus and a Cortex-M debug core.

The bus maps flash (bytearrays, aliased at 0 as when booting from main flash), RAM, the ROM
table and debug component IDs (constants), the Cortex-M debug registers (DHCSR, DCRSR, DCRDR,
DEMCR, AIRCR, DFSR, CPUID...) and a sparse word store for everything else (peripherals).
The core never executes code: resuming at a flash-algorithm entry applies its effect and halts
on the return breakpoint; resuming anywhere else leaves the core "running" until halted.
"""

from __future__ import annotations

from collections.abc import Callable

from .chip import ChipSpec, rom_words
from .flash_algo import FlashAlgoEffects

DHCSR, DCRSR, DCRDR, DEMCR = 0xE000_EDF0, 0xE000_EDF4, 0xE000_EDF8, 0xE000_EDFC
CPUID, AIRCR, DFSR = 0xE000_ED00, 0xE000_ED0C, 0xE000_ED30
DWT_CTRL, FP_CTRL = 0xE000_1000, 0xE000_2000
DBGKEY, VECTKEY = 0xA05F, 0x05FA
C_DEBUGEN, C_HALT, C_STEP = 1 << 0, 1 << 1, 1 << 2
S_REGRDY, S_HALT, S_RETIRE_ST, S_RESET_ST = 1 << 16, 1 << 17, 1 << 24, 1 << 25
DFSR_HALTED, DFSR_BKPT, DFSR_VCATCH = 1 << 0, 1 << 1, 1 << 3
VC_CORERESET = 1 << 0
REG_PC, REG_XPSR, REG_MSP = 15, 16, 17
XPSR_THUMB = 1 << 24
CONSTANTS = {
    DWT_CTRL: 0x4000_0000,  # 4 comparators
    FP_CTRL: 0x0000_0260,  # 6 code comparators
}


class SoftTarget:
    """Bus and debug state of one emulated chip."""

    def __init__(self, chip: ChipSpec) -> None:
        self.chip = chip
        self.ram = [(start, bytearray(size)) for start, size in chip.ram]
        self.words: dict[int, int] = {**rom_words(), **CONSTANTS, **chip.fixed_words}
        self.words[CPUID] = chip.cpuid
        self.algo = FlashAlgoEffects(chip, self.read, self.write)
        self.regs: dict[int, int] = {}
        self.dhcsr_ctrl = 0
        self.halted = False
        self.reset_sticky = False
        self.dcrdr = 0
        self.demcr = 0
        self.dfsr = 0
        self.reset_count = 0
        self.in_reset = False
        self.on_reset: list[Callable[[], None]] = []  # e.g. a console peer printing a banner

    # --- reset ------------------------------------------------------------------------------

    def system_reset(self) -> None:
        """Reset: vector table from flash, halt if DEMCR.VC_CORERESET is set."""
        self.reset_count += 1
        boot = self.chip.flash[0].data
        self.regs = {
            REG_MSP: int.from_bytes(boot[0:4], "little"),
            13: int.from_bytes(boot[0:4], "little"),
            REG_PC: int.from_bytes(boot[4:8], "little") & ~1,
            REG_XPSR: XPSR_THUMB,
            14: 0xFFFF_FFFF,
        }
        self.reset_sticky = True
        self.halted = bool(self.demcr & VC_CORERESET) and bool(self.dhcsr_ctrl & C_DEBUGEN)
        if self.halted:
            self.dfsr |= DFSR_VCATCH
        else:
            for callback in self.on_reset:
                callback()

    def set_reset_pin(self, asserted: bool) -> None:
        """nRESET: the core restarts when the pin is released."""
        if self.in_reset and not asserted:
            self.system_reset()
        self.in_reset = asserted

    # --- bus --------------------------------------------------------------------------------

    def _backing(self, addr: int) -> tuple[bytearray, int] | None:
        for bank in self.chip.flash:
            if bank.contains(addr):
                return bank.data, addr - bank.start
        if addr < self.chip.flash[0].size:  # boot alias of main flash at 0
            return self.chip.flash[0].data, addr
        for start, data in self.ram:
            if start <= addr < start + len(data):
                return data, addr - start
        return None

    def read(self, addr: int, size: int) -> bytes:
        """``size`` bytes from ``addr``."""
        out = bytearray()
        while len(out) < size:
            cur = addr + len(out)
            backing = self._backing(cur)
            if backing is not None:
                data, offset = backing
                take = min(size - len(out), len(data) - offset)
                out += data[offset : offset + take]
                continue
            word = self.read_word(cur & ~3).to_bytes(4, "little")
            take = min(size - len(out), 4 - (cur & 3))
            out += word[cur & 3 : (cur & 3) + take]
        return bytes(out)

    def write(self, addr: int, data: bytes) -> None:
        """Write ``data`` at ``addr`` (flash ignores bus writes, as the real one faults)."""
        done = 0
        while done < len(data):
            cur = addr + done
            if any(bank.contains(cur) for bank in self.chip.flash):
                done += 1
                continue
            backing = self._backing(cur)
            if backing is not None:
                buf, offset = backing
                take = min(len(data) - done, len(buf) - offset)
                buf[offset : offset + take] = data[done : done + take]
                done += take
                continue
            base, lane = cur & ~3, cur & 3
            take = min(len(data) - done, 4 - lane)
            word = bytearray(self.read_word(base).to_bytes(4, "little"))
            word[lane : lane + take] = data[done : done + take]
            self.write_word(base, int.from_bytes(word, "little"))
            done += take

    # --- debug registers --------------------------------------------------------------------

    def read_word(self, addr: int) -> int:
        """One memory-mapped register (or sparse word) read."""
        if addr == DHCSR:
            value = self.dhcsr_ctrl | S_REGRDY | S_RETIRE_ST
            value |= S_HALT if self.halted else 0
            if self.reset_sticky:
                value |= S_RESET_ST
                self.reset_sticky = False
            return value
        if addr == DCRDR:
            return self.dcrdr
        if addr == DEMCR:
            return self.demcr
        if addr == DFSR:
            return self.dfsr
        if addr == AIRCR:
            return 0xFA05_0000
        return self.words.get(addr, 0)

    def write_word(self, addr: int, value: int) -> None:
        """One memory-mapped register (or sparse word) write."""
        if addr == DHCSR:
            if value >> 16 == DBGKEY:
                self._write_dhcsr(value & 0xFFFF)
        elif addr == DCRSR:
            regsel = value & 0x7F
            if value & (1 << 16):
                self.regs[regsel] = self.dcrdr
            else:
                self.dcrdr = self.regs.get(regsel, 0)
        elif addr == DCRDR:
            self.dcrdr = value
        elif addr == DEMCR:
            self.demcr = value
        elif addr == DFSR:
            self.dfsr &= ~value
        elif addr == AIRCR:
            if value >> 16 == VECTKEY and value & 0b101:  # SYSRESETREQ or VECTRESET
                self.system_reset()
        else:
            self.words[addr] = value & 0xFFFF_FFFF

    def _write_dhcsr(self, ctrl: int) -> None:
        self.dhcsr_ctrl = ctrl & 0xF
        if not ctrl & C_DEBUGEN:
            self.halted = False
            return
        if ctrl & C_HALT:
            if not self.halted:
                self.dfsr |= DFSR_HALTED
            self.halted = True
            return
        if self.halted and not ctrl & C_STEP:
            self._run()

    def _run(self) -> None:
        """Resume: run a flash-algorithm routine to its breakpoint, or keep running."""
        pc = self.regs.get(REG_PC, 0)
        if self.algo.entry(pc) is None:
            self.halted = False
            return
        self.regs[0] = self.algo.call(pc, self.regs)
        self.regs[REG_PC] = self.regs.get(14, 0) & ~1
        self.dfsr |= DFSR_BKPT
        self.halted = True
