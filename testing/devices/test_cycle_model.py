"""The twin's cycle model: a known loop on QEMU against a hand count from the Cortex-M4 TRM.

data/smlad_loop.S runs LOOP_N iterations of LDR/LDR/SMLAD/STR/ADDS/LDR/SUBS/BNE between two calls of
``bsp_cycles`` (the bracket the model looks for, as in the harness). QEMU (mps2-an386, the
L4R5 twin, ``-icount shift=0``) logs the executed blocks; the model decodes and costs them.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from farm.devices.cortex_m_timing import CORTEX_M4
from farm.devices.cycle_model import FlashTiming, core_cycles_by_place, estimate_cycles
from farm.devices.elf_symbols import FunctionMap, elf_symbol
from farm.devices.exec_trace import BlockProfile, TraceProfile, profile_region
from farm.virtual.flash_read_plugin import build_plugin, plugin_arg, read_counts, read_only_ranges

DATA = Path(__file__).parent / "data"
LOOP_N = 100


@pytest.fixture(scope="module")
def loop_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/smlad_loop.S linked for the twin."""
    elf = tmp_path_factory.mktemp("loop-elf") / "loop.elf"
    subprocess.run(
        ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-nostartfiles",
         f"-DLOOP_N={LOOP_N}", "-T", str(DATA / "tiny_dut.ld"), "-Wl,-e,Reset_Handler",
         str(DATA / "smlad_loop.S"), "-o", str(elf)],
        check=True,
    )  # fmt: skip
    return elf


@pytest.fixture(scope="module")
def loop_profile(tmp_path_factory: pytest.TempPathFactory, loop_elf: Path) -> TraceProfile:
    """The executed blocks of the loop's region, from a real QEMU in_asm/exec/nochain log, and
    its data reads of flash (the whole image is read-only here) from the farm's QEMU plugin."""
    work = tmp_path_factory.mktemp("loop")
    log, counts = work / "exec.log", work / "flash_reads.txt"
    start = elf_symbol(loop_elf, "bsp_cycles")
    assert start is not None
    plugin = build_plugin(work)
    assert plugin is not None
    flash = read_only_ranges(loop_elf)
    assert flash == [(0, 0x48)]  # vectors, code, the three words and the literal pool
    subprocess.run(
        ["qemu-system-arm", "-M", "mps2-an386", "-icount", "shift=0", "-nographic",
         "-monitor", "none", "-semihosting-config", "enable=on,target=native",
         "-kernel", str(loop_elf), "-d", "in_asm,exec,nochain", "-D", str(log),
         "-plugin", plugin_arg(plugin, start.address, flash, [], counts)],
        check=True, timeout=60,
    )  # fmt: skip
    with log.open() as fh:
        profile = profile_region(fh, start.address)
    return TraceProfile(profile.blocks, profile.block_runs, read_counts(counts))


def test_loop_matches_the_trm_hand_count(loop_profile: TraceProfile) -> None:
    """Cortex-M4 TRM r0p1 table 3-1 / 3.3.2, P (pipeline refill) taken as 2 (range 1-3)."""
    p = 2
    bx_lr = 1 + p  # bsp_cycles' first run: BX LR, always taken
    setup = 2 + 1 + 1  # LDR r0,=literal (2), MOVS (1), MOVS (1)
    # LDR (2, after an ALU op), LDR pipelined (1), SMLAD (1), STR #imm (1), ADDS (1), LDR whose
    # address the ADDS just computed (2 + 1), SUBS (1)
    body = 2 + 1 + 1 + 1 + 1 + 3 + 1
    taken_iteration = body + (1 + p)  # BNE back: 1 + P
    last_iteration = body + 1  # BNE falls through: 1
    bl = 1 + p  # BL bsp_cycles: closes the region
    hand_cycles = bx_lr + setup + (LOOP_N - 1) * taken_iteration + last_iteration + bl
    hand_instructions = 1 + 3 + 8 * LOOP_N + 1

    estimate = estimate_cycles(loop_profile, CORTEX_M4, None, 120_000_000)

    assert estimate.instructions == hand_instructions
    assert estimate.core_cycles == hand_cycles == 3 + 4 + 99 * 13 + 11 + 3  # 1308
    assert estimate.taken_branches == 1 + (LOOP_N - 1) + 1
    assert estimate.classes["mul"] == LOOP_N and estimate.classes["load"] == 3 * LOOP_N + 1
    assert estimate.classes["store"] == LOOP_N
    assert estimate.fetch_stall_cycles == estimate.data_stall_cycles == 0


def test_flash_reads_by_stack_distance(loop_profile: TraceProfile) -> None:
    """Per iteration LDR [r0] (64-bit word 6), LDR [r0,#4] and LDR [r6,#4] = [r0,#8] (both in
    word 7); before the loop the literal (word 8). The STR is not a read."""
    reads = loop_profile.flash_reads
    assert reads is not None
    assert reads.reads == 3 * LOOP_N + 1
    assert reads.far == 3  # words 8, 6, 7: first reads
    # word 6 and the first word-7 read each follow one other word; the second word-7 read none
    assert reads.at_distance == {0: LOOP_N, 1: 2 * (LOOP_N - 1)}
    assert reads.misses(8) == 3 + 2 * (LOOP_N - 1)  # the current 64-bit buffer alone
    assert reads.misses(16) == reads.misses(256) == 3


def test_data_reads_the_cache_misses_stall_the_wait_states(loop_profile: TraceProfile) -> None:
    assert loop_profile.flash_reads is not None
    for cache_bytes, misses in ((8, 3 + 2 * (LOOP_N - 1)), (256, 3)):
        flash = FlashTiming(wait_states=5, fetch_hit_rate=1.0, const_bytes=64,
                            data_cache_bytes=cache_bytes)  # fmt: skip
        estimate = estimate_cycles(loop_profile, CORTEX_M4, flash, 120_000_000)
        assert estimate.data_stall_cycles == misses * 5
        assert f"{3 * LOOP_N + 1} reads of flash in the region, {misses} missing a " in (
            estimate.method
        )


def test_flash_wait_states_are_charged_per_missed_fetch_line(loop_profile: TraceProfile) -> None:
    """5 WS (L4R5 at 120 MHz), 98 % of 64-bit fetches hit; without a data cache figure, a
    64-byte blob read once (the lower bound the method names)."""
    fetched = 2 + 24 + (LOOP_N - 1) * 18 + 4  # bytes of the blocks run (BX; setup+body; body; BL)
    lines = fetched / 8 + (LOOP_N + 1)  # every taken branch starts a new line
    flash = FlashTiming(wait_states=5, fetch_hit_rate=0.98, const_bytes=64)

    estimate = estimate_cycles(loop_profile, CORTEX_M4, flash, 120_000_000)

    assert estimate.fetch_stall_cycles == round(lines * 0.02 * 5)
    assert estimate.data_stall_cycles == 64 // 8 * 5
    assert estimate.cycles == estimate.core_cycles + round(lines * 0.02 * 5) + 40
    assert "5 WS at 120 MHz" in estimate.method and "98% accelerator hits" in estimate.method
    assert "no data cache figure" in estimate.method and "a lower bound" in estimate.method
    assert "MUL/MLA/SMLAD/UMULL 1, SDIV/UDIV 12" in estimate.method and "{" not in estimate.method


def test_loop_profile_round_trips_through_json(loop_profile: TraceProfile) -> None:
    again = TraceProfile.from_json(loop_profile.to_json())
    a = estimate_cycles(loop_profile, CORTEX_M4, None, 1)
    b = estimate_cycles(again, CORTEX_M4, None, 1)
    assert (a.instructions, a.cycles) == (b.instructions, b.cycles)
    assert again.flash_reads == loop_profile.flash_reads is not None


def test_a_block_qemu_did_not_start_executed_nothing() -> None:
    """Under -icount a block leaves before its first instruction when the instruction budget to
    the next timer event does not cover it; QEMU then logs "Stopped execution of TB chain
    before ..." after the block's trace line (lines as QEMU 7.2 prints them, taken from a
    traced AD inference, where 5 such runs made the trace 473 instructions longer than the
    firmware's count). That run must count no instruction, and the block's real run all."""
    log = [
        "IN: bsp_cycles",
        "0x00000100:  4770       bx       lr",
        "",
        "Trace 0: 0x7f0000000100 [00800408/00000100/00000010/ff020200] bsp_cycles",
        "IN: kernel",
        "0x00000200:  3801       subs     r0, #1",
        "0x00000202:  2100       movs     r1, #0",
        "0x00000204:  4770       bx       lr",
        "",
        "Trace 0: 0x7f0000000200 [00800408/00000200/00000010/ff020200] kernel",
        "Stopped execution of TB chain before 0x7f0000000200 [00000200] kernel",
        "Trace 0: 0x7f0000000200 [00800408/00000200/00000010/ff020200] kernel",
        "Trace 0: 0x7f0000000100 [00800408/00000100/00000010/ff020200] bsp_cycles",
    ]
    profile = profile_region(log, 0x100)

    estimate = estimate_cycles(profile, CORTEX_M4, None, 120_000_000)

    kernel = next(b for b in profile.blocks if b.pc == 0x200)
    assert kernel.executions == 2 and kernel.stopped_at[0x200] == 1
    assert estimate.instructions == 1 + 3  # bsp_cycles' BX once, the kernel block once
    assert estimate.classes["alu"] == 2


def test_a_block_split_at_a_page_boundary_costs_what_the_whole_block_does() -> None:
    """QEMU ends a block at a 1 KB page boundary; the core does not. LDR r0,[r1] (2 cycles)
    then LDR r2,[r3] (pipelined: 1, TRM 3.3.2) then BX LR (1 + P = 3): 6 cycles per run,
    whether the two loads sit in one block or on both sides of 0x400."""
    ldr_r0, ldr_r2, bx_lr = b"\x08\x68", b"\x1a\x68", b"\x70\x47"
    runs = 10
    whole = TraceProfile(
        [BlockProfile(0x3FE, ldr_r0 + ldr_r2 + bx_lr, runs, Counter({0x100: runs}))], runs
    )
    split = TraceProfile(
        [
            BlockProfile(0x3FE, ldr_r0, runs, Counter({0x400: runs})),
            BlockProfile(0x400, ldr_r2 + bx_lr, runs, Counter({0x100: runs})),
        ],
        2 * runs,
    )

    a = estimate_cycles(whole, CORTEX_M4, None, 120_000_000)
    b = estimate_cycles(split, CORTEX_M4, None, 120_000_000)

    assert a.core_cycles == b.core_cycles == runs * (2 + 1 + 3)
    assert a.instructions == b.instructions == 3 * runs


def test_cycles_by_function_split_the_hand_count(
    loop_profile: TraceProfile, loop_elf: Path
) -> None:
    """Per function (the ELF's symbols): bsp_cycles ran its BX LR once (1 + P = 3 cycles), and
    Reset_Handler, whose loop is a local label, the rest of the hand count (1308 - 3)."""
    places = core_cycles_by_place(loop_profile, CORTEX_M4, FunctionMap(loop_elf).name_of)

    assert set(places) == {"bsp_cycles", "Reset_Handler"}
    assert (places["bsp_cycles"].instructions, places["bsp_cycles"].core_cycles) == (1, 3)
    assert places["Reset_Handler"].instructions == 3 + 8 * LOOP_N + 1
    assert places["Reset_Handler"].core_cycles == 1308 - 3


def test_a_split_block_s_refund_goes_to_the_place_of_its_second_half() -> None:
    """The page-split block above, its halves in two places: the pipelined LDR's refund (2 -> 1)
    belongs with the second half, and the parts add up to the estimate."""
    ldr_r0, ldr_r2, bx_lr = b"\x08\x68", b"\x1a\x68", b"\x70\x47"
    runs = 10
    split = TraceProfile(
        [
            BlockProfile(0x3FE, ldr_r0, runs, Counter({0x400: runs})),
            BlockProfile(0x400, ldr_r2 + bx_lr, runs, Counter({0x100: runs})),
        ],
        2 * runs,
    )

    places = core_cycles_by_place(split, CORTEX_M4, lambda pc: "low" if pc < 0x400 else "high")
    estimate = estimate_cycles(split, CORTEX_M4, None, 120_000_000)

    assert places["low"].core_cycles == 2 * runs
    assert places["high"].core_cycles == (1 + 3) * runs
    assert sum(p.core_cycles for p in places.values()) == estimate.core_cycles
    assert sum(p.instructions for p in places.values()) == estimate.instructions
