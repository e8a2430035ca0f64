"""Estimated core cycles of a twin's timed region: the executed blocks x documented timings.

Each distinct block of the region (:mod:`farm.devices.exec_trace`) is decoded once with
capstone and costed with the core's table (:mod:`farm.devices.cortex_m_timing`); its cost is
multiplied by how often it ran. The block's last instruction is a taken branch when the next
block is not its fall-through, and then pays the pipeline refill P. On top come the flash wait
states of the real target's clock setting (catalog ``flash_wait_states``):

* instruction fetch: the flash is read 64 bits at a time; a read the flash accelerator (ST's
  ART / instruction cache + prefetch) does not serve stalls the core for the wait states.
  Assumed: a fraction ``fetch_hit_rate`` (catalog) of the 64-bit fetches hit; every taken
  branch starts a new fetch line.
* data reads of flash (the model blob, const tables, literal pools): the trace's QEMU plugin
  (``farm/virtual/qemu_plugin/flash_reads.c``) records every load from the image's read-only
  segment and the model region by LRU stack distance in 64-bit words
  (:class:`~farm.devices.flash_reads.FlashReads`); a read the target's flash data cache
  (catalog ``flash_data_cache_bytes``, taken as fully associative LRU over 64-bit words, the
  current 64-bit buffer its most recent entry) would not hold stalls the core for the wait
  states. A profile without those counts, or a target without a data cache figure, falls back
  to the blob streamed once per inference (every re-read assumed to hit: a lower bound, and the
  method says so).

Checked against the STM32L4+ reference manual (RM0432 3.3.3 "Read access latency", 3.3.4
"Adaptive real-time memory accelerator"; the ART text is the one ST also prints for the G4 in
RM0440 4.3.4, the wait-state thresholds are those of ST's STM32L4R5 LL driver, the read width
that of the L4+ FLASH_OPTR.DBANK description in ST's SVD) for the NUCLEO-L4R5ZI at 120 MHz:

* 5 WS (6 HCLK cycles per flash read) for 100 < HCLK <= 120 MHz in range 1 boost: right.
* 64-bit reads: right for DBANK = 1 (dual bank, the option's reset value); a board switched to
  single bank (DBANK = 0) reads 128 bits and would stall half as often (the model errs slow).
* Data reads: "The prefetch block aims at increasing the efficiency of ICode bus accesses";
  "Each DCode bus read access fetches 64 bits which are saved in a current buffer. The CPU
  pipeline is consequently stalled until the requested literal pool is provided." No prefetch
  on the data side, so a weight stream pays the full latency once per 64-bit word: WS cycles on
  top of the core's 2-cycle LDR, as charged. The D-cache ("8 rows of 4*64 bits", 256 B, on by
  default and enabled by the BSP) serves re-reads only while they fit: a convolution whose
  filters (re-read per output block) exceed 256 B pays again on every pass, as the stack
  distances show. Its replacement policy is not in the manual: LRU over 64-bit words is this
  model's assumption.
* Instruction side: I-cache 32 lines of 4x64 bits (1 KB) plus prefetch; the hit rate is this
  model's assumption (the manual gives none); a hot kernel loop inside 1 KB hits nearly always,
  so 98 % errs slow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from farm.devices.cortex_m_timing import CORE_TIMINGS, CoreTiming, Insn, InsnClass, decode
from farm.devices.exec_trace import BlockProfile, TraceProfile
from farm.devices.flash_reads import FLASH_READ_BYTES
from farm.errors import FarmError

if TYPE_CHECKING:
    from collections.abc import Callable

    from farm.catalog import TargetSpec
    from farm.devices.protocols import FirmwareImage


@dataclass(frozen=True)
class FlashTiming:
    """Flash wait states of the target's clock setting and the accelerator assumption."""

    wait_states: int
    fetch_hit_rate: float
    const_bytes: int
    """Bytes of const data streamed from flash once per inference (the model blob): the
    data-side charge when there is no data cache figure or no recorded reads."""
    data_cache_bytes: int | None = None
    """The flash data cache that serves repeated reads (catalog ``flash_data_cache_bytes``)."""


@dataclass(frozen=True)
class CycleEstimate:
    """Cycles of one timed region on one core, and how they were counted."""

    instructions: int
    core_cycles: int
    fetch_stall_cycles: int
    data_stall_cycles: int
    taken_branches: int
    classes: dict[str, int]
    method: str

    @property
    def cycles(self) -> int:
        return self.core_cycles + self.fetch_stall_cycles + self.data_stall_cycles

    @property
    def cycles_per_instruction(self) -> float:
        return self.cycles / self.instructions if self.instructions else 0.0


@dataclass
class _BlockCost:
    instructions: int
    cycles: int
    taken: int
    bytes_fetched: int


def _cost_block(block: BlockProfile, timing: CoreTiming, classes: Counter[str]) -> _BlockCost:
    insns = decode(block.code, block.pc)
    if not insns:
        return _BlockCost(0, 0, 0, 0)
    per_insn = _instruction_cycles(insns, timing)
    runs = block.executions
    total = sum(per_insn) * runs
    count = len(insns) * runs
    fetched = sum(i.size for i in insns) * runs
    for insn in insns:
        classes[insn.cls.value] += runs
    for stop, times in block.stopped_at.items():
        # A run rewound at `stop` executed only the instructions before it.
        cut = [k for k, i in enumerate(insns) if i.address >= stop]
        if cut:
            total -= sum(per_insn[cut[0] :]) * times
            count -= (len(insns) - cut[0]) * times
            for insn in insns[cut[0] :]:
                classes[insn.cls.value] -= times
    taken = _taken_runs(block, insns[-1])
    total += taken * timing.refill
    return _BlockCost(count, total, taken, fetched)


def _instruction_cycles(insns: list[Insn], timing: CoreTiming) -> list[int]:
    out: list[int] = []
    previous: Insn | None = None
    for insn in insns:
        out.append(0 if timing.pairs_with(insn, previous) else timing.base_cycles(insn, previous))
        previous = insn
    return out


def _fall_through_deltas(profile: TraceProfile, timing: CoreTiming) -> Counter[int]:
    """Cycles to take back where QEMU split straight-line code into two blocks, by the pc
    of the block whose first instruction they belong to.

    QEMU ends a translation block at a 1 KB guest page boundary (and at its size limit) as
    well as at branches; the core has no such boundary. Each block is costed as if its first
    instruction followed nothing, so a load pipelined after the load that ends the previous
    block (TRM 3.3.2) would be charged 2 cycles instead of 1 on every run through the split,
    by where the linker happened to place a loop. For the runs that fell through from a block
    not ending in a branch, the first instruction is costed after that block's last one.
    """
    starts = {b.pc: b for b in profile.blocks}
    deltas: Counter[int] = Counter()
    for block in profile.blocks:
        insns = decode(block.code, block.pc)
        if (
            not insns
            or insns[-1].writes_pc
            or insns[-1].cls
            in (
                InsnClass.BRANCH,
                InsnClass.TABLE_BRANCH,
            )
        ):
            continue
        last = insns[-1]
        fall = last.address + last.size
        runs = block.successors.get(fall, 0)
        nxt = starts.get(fall)
        if not runs or nxt is None:
            continue
        following = decode(nxt.code[:4], nxt.pc)
        if not following:
            continue
        first = following[0]
        alone = 0 if timing.pairs_with(first, None) else timing.base_cycles(first, None)
        after = 0 if timing.pairs_with(first, last) else timing.base_cycles(first, last)
        deltas[fall] += (after - alone) * runs
    return deltas


def _taken_runs(block: BlockProfile, last: Insn) -> int:
    """Runs of ``block`` that ended in a taken branch (refill paid)."""
    if not last.writes_pc and last.cls not in (InsnClass.BRANCH, InsnClass.TABLE_BRANCH):
        return 0
    fall_through = last.address + last.size
    ended = block.executions - sum(block.stopped_at.values())
    if not last.conditional:
        return ended
    return sum(n for pc, n in block.successors.items() if pc != fall_through)


def estimate_cycles(
    profile: TraceProfile, timing: CoreTiming, flash: FlashTiming | None, clock_hz: int
) -> CycleEstimate:
    """Cycles of the profiled region on ``timing``'s core, with ``flash`` stalls (None: the
    code and data run from zero-wait-state memory)."""
    classes: Counter[str] = Counter()
    instructions = cycles = taken = fetched = 0
    for block in profile.blocks:
        cost = _cost_block(block, timing, classes)
        instructions += cost.instructions
        cycles += cost.cycles
        taken += cost.taken
        fetched += cost.bytes_fetched
    cycles += sum(_fall_through_deltas(profile, timing).values())
    fetch_stall = data_stall = data_misses = 0
    if flash is not None and flash.wait_states:
        lines = fetched / FLASH_READ_BYTES + taken
        fetch_stall = round(lines * (1.0 - flash.fetch_hit_rate) * flash.wait_states)
        data_misses = _data_misses(profile, flash)
        data_stall = data_misses * flash.wait_states
    method = _method(timing, flash, clock_hz, profile, data_misses)
    return CycleEstimate(
        instructions, cycles, fetch_stall, data_stall, taken, dict(classes), method
    )


def _data_misses(profile: TraceProfile, flash: FlashTiming) -> int:
    """Data reads of flash that stall: those the data cache misses, or the blob streamed once."""
    if profile.flash_reads is not None and flash.data_cache_bytes is not None:
        try:
            return profile.flash_reads.misses(flash.data_cache_bytes)
        except ValueError as exc:
            raise CycleModelUnavailableError(f"flash data cache: {exc}") from exc
    return -(-flash.const_bytes // FLASH_READ_BYTES)


@dataclass(frozen=True)
class PlaceCost:
    """The part of an estimate's instructions and core cycles that ran in one place."""

    instructions: int
    core_cycles: int


def core_cycles_by_place(
    profile: TraceProfile, timing: CoreTiming, place_of: Callable[[int], str]
) -> dict[str, PlaceCost]:
    """:func:`estimate_cycles`'s instructions and core cycles split by where they ran:
    ``place_of(pc)`` names a block's place (its firmware function, say). The parts add up to
    the estimate's ``instructions`` and ``core_cycles`` exactly; flash stalls are not split
    (the data side is per inference, not per place)."""
    fall_through = _fall_through_deltas(profile, timing)
    instructions: Counter[str] = Counter()
    cycles: Counter[str] = Counter()
    for block in profile.blocks:
        cost = _cost_block(block, timing, Counter())
        place = place_of(block.pc)
        instructions[place] += cost.instructions
        cycles[place] += cost.cycles + fall_through.get(block.pc, 0)
    return {k: PlaceCost(instructions[k], cycles[k]) for k in cycles}


def _method(
    timing: CoreTiming,
    flash: FlashTiming | None,
    clock_hz: int,
    profile: TraceProfile,
    data_misses: int,
) -> str:
    core = (
        f"{timing.source}: LDR/STR {timing.load}, pipelined after a load "
        f"{timing.load_pipelined}, STR with immediate offset {timing.store_imm}, "
        f"+{timing.address_stall} when the address was the previous data-processing result, "
        f"LDM/STM 1+N, MUL/MLA/SMLAD/UMULL {timing.mul}, "
        f"SDIV/UDIV {timing.div} (worst case assumed), taken branch 1+P with P={timing.refill}, "
        f"IT {timing.it}"
        + ("; dual issue of ALU+ALU / load+ALU pairs" if timing.dual_issue else "")
    )
    if flash is None or not flash.wait_states:
        mem = "code and data from zero-wait-state memory"
    else:
        reads = profile.flash_reads
        if reads is not None and flash.data_cache_bytes is not None:
            data = (
                f"data: {reads.reads} reads of flash in the region, "
                f"{data_misses} missing a {flash.data_cache_bytes} B "
                "data cache (fully associative LRU over 64-bit words assumed) stall "
                f"{flash.wait_states} cycles each"
            )
        else:
            why = "no data cache figure" if reads is not None else "no recorded data reads"
            data = (
                f"data ({why}): model blob ({flash.const_bytes} B) streamed from flash once per "
                "inference (weight re-reads assumed to hit: a lower bound)"
            )
        mem = (
            f"flash {flash.wait_states} WS at {clock_hz / 1e6:g} MHz: instruction fetch "
            f"{flash.fetch_hit_rate:.0%} accelerator hits assumed (miss: {flash.wait_states} "
            f"cycles per 64-bit line, a new line per taken branch); {data}"
        )
    return f"cycle model from the QEMU exec trace of the timed region ({core}; {mem})"


class CycleModelUnavailableError(FarmError):
    """No cycle estimate for this (image, model): the twin falls back to the flat factor.

    ``transient``: the trace run failed (QEMU, the DUT link, a timeout), so a later prepare may
    try again; otherwise the image itself cannot be traced (no bracket, counts disagree).
    """

    kind = "cycle-model-unavailable"

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@runtime_checkable
class CycleProfileSource(Protocol):
    """Gives the executed-block profile of one inference of ``image`` with ``model_blob``
    (``farm.virtual.cycle_trace`` traces a twin and caches the answer)."""

    def profile(self, image: FirmwareImage, model_blob: bytes, machine: str) -> TraceProfile:
        """The profile, or :class:`CycleModelUnavailableError` saying why there is none."""
        ...


def estimate_for_target(
    profile: TraceProfile, target: TargetSpec, const_bytes: int
) -> CycleEstimate:
    """Cycles of ``profile`` on ``target``'s core at its max clock, with its flash wait states.

    Raises:
        CycleModelUnavailableError: the catalog has no timing table for the target's core.
    """
    timing = CORE_TIMINGS.get(target.core)
    if timing is None:
        raise CycleModelUnavailableError(
            f"target '{target.name}': no cycle timings for core '{target.core}'; "
            f"known cores: {', '.join(sorted(CORE_TIMINGS))}"
        )
    flash = None
    if target.flash_wait_states is not None:
        flash = FlashTiming(
            target.flash_wait_states,
            target.flash_fetch_hit_rate if target.flash_fetch_hit_rate is not None else 1.0,
            const_bytes,
            target.flash_data_cache_bytes,
        )
    return estimate_cycles(profile, timing, flash, target.max_clock_hz)
