"""pyocd's DebugProbe interface in software, in front of an emulated chip.

It behaves like an ST-LINK does towards pyocd: the probe selects APs and DP banks itself
(``MANAGED_AP_SELECTION``/``MANAGED_DPBANKSEL``) and offers a memory interface per MEM-AP, while
the DP and AP registers are still there for code that uses them directly (pyocd's
``MinimalMemAP`` during STM32 connect-under-reset). :func:`install` adds the class to pyocd's
probe plugins, so ``ConnectHelper.session_with_chosen_probe(unique_id=...)`` finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyocd.core.memory_interface import MemoryInterface
from pyocd.probe.debug_probe import DebugProbe

from .chip import ROM_TABLE, make_chip
from .target import SoftTarget

PLUGIN_NAME = "swprobe"
DP_DPIDR, DP_CTRL_STAT, DP_SELECT, DP_RDBUFF = 0x0, 0x4, 0x8, 0xC
DP_TARGETID = 0x24  # bank 2 of register 0x4 (DPv2)
AP_CSW, AP_TAR, AP_DRW, AP_CFG, AP_BASE, AP_IDR = 0x00, 0x04, 0x0C, 0xF4, 0xF8, 0xFC
AHB_AP_IDR = 0x2477_0011
CSW_DEVICE_EN = 1 << 6
CSW_SIZE_BYTES = {0: 1, 1: 2, 2: 4}
STM_TARGETID = {"stm32f767zi": 0x0451_0041}


class SoftMemoryInterface(MemoryInterface):
    """Memory transfers of MEM-AP #0, straight onto the emulated bus."""

    def __init__(self, target: SoftTarget) -> None:
        self._target = target

    def write_memory(self, addr: int, data: int, transfer_size: int = 32, **attrs: Any) -> None:
        self._target.write(
            addr, (data & ((1 << transfer_size) - 1)).to_bytes(transfer_size // 8, "little")
        )

    def read_memory(
        self, addr: int, transfer_size: int = 32, now: bool = True, **attrs: Any
    ) -> int | Callable[[], int]:
        value = int.from_bytes(self._target.read(addr, transfer_size // 8), "little")
        return value if now else (lambda: value)

    def write_memory_block32(self, addr: int, data: Sequence[int], **attrs: Any) -> None:
        self._target.write(addr, b"".join((w & 0xFFFF_FFFF).to_bytes(4, "little") for w in data))

    def read_memory_block32(self, addr: int, size: int, **attrs: Any) -> Sequence[int]:
        raw = self._target.read(addr, 4 * size)
        return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw), 4)]

    def write_memory_block8(self, addr: int, data: Sequence[int], **attrs: Any) -> None:
        self._target.write(addr, bytes(data))

    def read_memory_block8(self, addr: int, size: int, **attrs: Any) -> Sequence[int]:
        return list(self._target.read(addr, size))


class SoftwareProbe(DebugProbe):
    """A debug probe whose target is a :class:`SoftTarget` (registered by uid)."""

    boards: dict[str, SoftTarget] = {}
    plugged_flags: dict[str, Path] = {}

    @classmethod
    def attach(cls, uid: str, pyocd_target: str, plugged_flag: Path | None = None) -> SoftTarget:
        """Plug an emulated board of ``pyocd_target`` in, reachable as probe ``uid``.

        Args:
            plugged_flag: if given, the probe is only on the "USB bus" while this file exists
                (a power-cycle hook can create it, as replugging a hung ST-LINK would).
        """
        target = SoftTarget(make_chip(pyocd_target))
        cls.boards[uid] = target
        if plugged_flag is not None:
            cls.plugged_flags[uid] = plugged_flag
        return target

    @classmethod
    def detach(cls, uid: str) -> None:
        """Unplug the board."""
        cls.boards.pop(uid, None)
        cls.plugged_flags.pop(uid, None)

    @classmethod
    def _plugged(cls) -> list[str]:
        flags = cls.plugged_flags
        return [uid for uid in cls.boards if uid not in flags or flags[uid].exists()]

    @classmethod
    def get_all_connected_probes(
        cls, unique_id: str | None = None, is_explicit: bool = False
    ) -> list[SoftwareProbe]:
        return [cls(uid) for uid in cls._plugged()]

    @classmethod
    def get_probe_with_id(cls, unique_id: str, is_explicit: bool = False) -> SoftwareProbe | None:
        return cls(unique_id) if unique_id in cls._plugged() else None

    def __init__(self, uid: str) -> None:
        super().__init__()
        self._uid = uid
        self.target = self.boards[uid]
        self._is_open = False
        self._connected = False
        self._ctrl_stat = 0
        self._csw = 0x2300_0002
        self._tar = 0
        self._memif = SoftMemoryInterface(self.target)

    # --- identity ---------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return f"software probe ({self.target.chip.pyocd_target})"

    @property
    def vendor_name(self) -> str:
        return "joulefarm"

    @property
    def product_name(self) -> str:
        return "swprobe"

    @property
    def supported_wire_protocols(self) -> list[DebugProbe.Protocol]:
        return [DebugProbe.Protocol.DEFAULT, DebugProbe.Protocol.SWD]

    @property
    def unique_id(self) -> str:
        return self._uid

    @property
    def wire_protocol(self) -> DebugProbe.Protocol | None:
        return DebugProbe.Protocol.SWD if self._connected else None

    @property
    def is_open(self) -> bool:
        return self._is_open

    @property
    def capabilities(self) -> set[DebugProbe.Capability]:
        caps = DebugProbe.Capability
        return {caps.MANAGED_AP_SELECTION, caps.MANAGED_DPBANKSEL, caps.BANKED_DP_REGISTERS}

    def create_associated_board(self) -> None:
        return None

    # --- link -------------------------------------------------------------------------------

    def open(self) -> None:
        self._is_open = True

    def close(self) -> None:
        self._is_open = False

    def connect(self, protocol: DebugProbe.Protocol | None = None) -> None:
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    def set_clock(self, frequency: float) -> None:
        self.clock_hz = frequency

    def reset(self) -> None:
        self.target.set_reset_pin(True)
        self.target.set_reset_pin(False)

    def assert_reset(self, asserted: bool) -> None:
        self.target.set_reset_pin(asserted)

    def is_reset_asserted(self) -> bool:
        return self.target.in_reset

    def flush(self) -> None:
        pass

    # --- DAP registers ----------------------------------------------------------------------

    def read_dp(self, addr: int, now: bool = True) -> int | Callable[[], int]:
        if addr == DP_DPIDR:
            value = self.target.chip.dpidr
        elif addr == DP_CTRL_STAT:
            # Power-up requests (bits 28, 30) are acknowledged at once (bits 29, 31).
            value = self._ctrl_stat | ((self._ctrl_stat & 0x5000_0000) << 1)
        elif addr == DP_TARGETID:
            value = STM_TARGETID.get(self.target.chip.pyocd_target, 0)
        else:
            value = 0
        return value if now else (lambda: value)

    def write_dp(self, addr: int, data: int) -> None:
        if addr == DP_CTRL_STAT:
            self._ctrl_stat = data & 0xF000_0F00

    def read_ap(self, addr: int, now: bool = True) -> int | Callable[[], int]:
        apsel, reg = addr >> 24, addr & 0xFF
        value = self._read_ap_reg(reg) if apsel == 0 else 0
        return value if now else (lambda: value)

    def _read_ap_reg(self, reg: int) -> int:
        if reg == AP_IDR:
            return AHB_AP_IDR
        if reg == AP_BASE:
            return ROM_TABLE | 0x3
        if reg == AP_CSW:
            return self._csw | CSW_DEVICE_EN
        if reg == AP_TAR:
            return self._tar
        if reg == AP_DRW:
            size = CSW_SIZE_BYTES.get(self._csw & 0x7, 4)
            value = int.from_bytes(self.target.read(self._tar, size), "little")
            return value << (8 * (self._tar & 3)) if size < 4 else value
        if 0x10 <= reg <= 0x1C:  # banked data BD0-BD3
            return int.from_bytes(self.target.read((self._tar & ~0xF) | (reg - 0x10), 4), "little")
        return 0  # CFG: little endian, 32-bit addresses

    def write_ap(self, addr: int, data: int) -> None:
        apsel, reg = addr >> 24, addr & 0xFF
        if apsel != 0:
            return
        if reg == AP_CSW:
            self._csw = data
        elif reg == AP_TAR:
            self._tar = data
        elif reg == AP_DRW:
            size = CSW_SIZE_BYTES.get(self._csw & 0x7, 4)
            value = (data >> (8 * (self._tar & 3))) if size < 4 else data
            self.target.write(self._tar, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
        elif 0x10 <= reg <= 0x1C:
            self.target.write((self._tar & ~0xF) | (reg - 0x10), data.to_bytes(4, "little"))

    def read_ap_multiple(self, addr: int, count: int = 1, now: bool = True) -> Any:
        values = [self.read_ap(addr) for _ in range(count)]
        return values if now else (lambda: values)

    def write_ap_multiple(self, addr: int, values: Sequence[int]) -> None:
        for value in values:
            self.write_ap(addr, value)

    def get_memory_interface_for_ap(self, ap_address: Any) -> MemoryInterface | None:
        return self._memif if getattr(ap_address, "apsel", 0) == 0 else None


def install() -> None:
    """Add the software probe to pyocd's probe plugins (idempotent)."""
    from pyocd.probe.aggregator import PROBE_CLASSES

    PROBE_CLASSES[PLUGIN_NAME] = SoftwareProbe
