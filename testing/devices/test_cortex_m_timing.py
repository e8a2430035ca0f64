"""Instruction classes and Cortex-M4 cycles of known instructions (assembled by the host
arm-none-eabi toolchain, decoded by capstone)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from farm.devices.cortex_m_timing import CORTEX_M4, CORTEX_M7, Insn, InsnClass, decode


def assemble(tmp_path: Path, *lines: str) -> list[Insn]:
    """Assemble Thumb-2 ``lines`` for a Cortex-M4F and decode the .text back."""
    src = tmp_path / "snippet.S"
    src.write_text(".syntax unified\n.thumb\n" + "\n".join(lines) + "\n")
    obj = tmp_path / "snippet.o"
    subprocess.run(
        ["arm-none-eabi-gcc", "-c", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
         "-mfloat-abi=hard", str(src), "-o", str(obj)],
        check=True,
    )  # fmt: skip
    with obj.open("rb") as fh:
        code = ELFFile(fh).get_section_by_name(".text").data()
    insns = decode(code, 0x1000)
    assert len(insns) == len(lines), [i.mnemonic for i in insns]
    return insns


CLASSES = [
    ("ldr r0, [r1]", InsnClass.LOAD),
    ("ldrsh.w r0, [r1, #2]", InsnClass.LOAD),
    ("ldrb r0, [r1, r2]", InsnClass.LOAD),
    ("str r0, [r1, #4]", InsnClass.STORE),
    ("strh r0, [r1]", InsnClass.STORE),
    ("ldrd r0, r1, [r2]", InsnClass.LOAD_DOUBLE),
    ("strd r0, r1, [r2, #8]", InsnClass.STORE_DOUBLE),
    ("ldmia r0!, {r1-r4}", InsnClass.LOAD_MULTIPLE),
    ("push {r4-r7, lr}", InsnClass.STORE_MULTIPLE),
    ("pop {r4, pc}", InsnClass.LOAD_MULTIPLE),
    ("mul r0, r1, r2", InsnClass.MUL),
    ("mla r0, r1, r2, r3", InsnClass.MUL),
    ("smlad r0, r1, r2, r0", InsnClass.MUL),
    ("smulbb r0, r1, r2", InsnClass.MUL),
    ("smlal r0, r1, r2, r3", InsnClass.MUL),
    ("umull r0, r1, r2, r3", InsnClass.MUL),
    ("sdiv r0, r1, r2", InsnClass.DIV),
    ("udiv r0, r1, r2", InsnClass.DIV),
    ("sadd16 r0, r1, r2", InsnClass.ALU),
    ("ssat r0, #8, r1", InsnClass.ALU),
    ("sxtb16 r0, r1", InsnClass.ALU),
    ("pkhbt r0, r1, r2, lsl #16", InsnClass.ALU),
    ("adds r0, r1, r2", InsnClass.ALU),
    ("bx lr", InsnClass.BRANCH),
    ("tbb [r0, r1]", InsnClass.TABLE_BRANCH),
    ("vldr s0, [r0]", InsnClass.FP_LOAD),
    ("vmla.f32 s0, s1, s2", InsnClass.FP_MAC),
    ("vdiv.f32 s0, s1, s2", InsnClass.FP_DIV),
    ("vadd.f32 s0, s1, s2", InsnClass.FP),
    ("vpush {s16-s19}", InsnClass.FP_LOAD_MULTIPLE),
]


@pytest.mark.parametrize(("text", "cls"), CLASSES, ids=[t for t, _ in CLASSES])
def test_class_of_known_instruction(tmp_path: Path, text: str, cls: InsnClass) -> None:
    assert assemble(tmp_path, text)[0].cls == cls


def test_register_counts_and_pc_writes(tmp_path: Path) -> None:
    ldm, push, pop, ldrd = assemble(
        tmp_path, "ldmia r0!, {r1-r4}", "push {r4-r7, lr}", "pop {r4, pc}", "ldrd r0, r1, [r2]"
    )
    assert (ldm.registers, push.registers, pop.registers, ldrd.registers) == (4, 5, 2, 2)
    assert pop.writes_pc and not ldm.writes_pc


def test_branches_conditional_and_targets(tmp_path: Path) -> None:
    b, bne, cbz, bl = assemble(tmp_path, "b.w 0f", "bne.w 0f", "cbz r0, 0f", "bl 0f\n0:")
    assert [i.cls for i in (b, bne, cbz, bl)] == [InsnClass.BRANCH] * 4
    assert (b.conditional, bne.conditional, cbz.conditional, bl.conditional) == (
        False,
        True,
        True,
        False,
    )
    end = bl.address + bl.size
    assert b.branch_target == bne.branch_target == cbz.branch_target == bl.branch_target == end


def test_it_block(tmp_path: Path) -> None:
    it, moveq = assemble(tmp_path, "it eq", "moveq r0, #1")
    assert it.cls == InsnClass.IT and moveq.cls == InsnClass.ALU


def cycles(insns: list[Insn], timing=CORTEX_M4) -> list[int]:
    out, prev = [], None
    for insn in insns:
        out.append(0 if timing.pairs_with(insn, prev) else timing.base_cycles(insn, prev))
        prev = insn
    return out


def test_m4_load_store_pipelining(tmp_path: Path) -> None:
    """TRM 3.3.2: a load/store right after a load pipelines (1) unless its address uses the
    loaded register (as data it may: "LDR R0,[R1,R2]; STR R0,[R3,#20]" is 3 cycles); nothing
    pipelines after a store; STR Rx,[Ry,#imm] is "always one cycle"."""
    insns = assemble(
        tmp_path,
        "adds r3, r3, #1",  # 1
        "ldr r0, [r4]",  # 2: after an ALU op that wrote no address register
        "ldr r1, [r4, #4]",  # 1: after a load, independent
        "ldr r2, [r1]",  # 2: its address is the previous load's result
        "str r2, [r4, r5]",  # 1: after a load whose result it stores, not addresses with
        "str r3, [r4, r5]",  # 2: register offset, after a store
        "str r3, [r4, #12]",  # 1: immediate offset
        "strh r3, [r4], #2",  # 1: post-indexed immediate
        "ldr r5, [r4]",  # 2: after a store
    )
    assert cycles(insns) == [1, 2, 1, 2, 1, 2, 1, 1, 2]


def test_m4_address_from_the_data_processing_op_before_stalls(tmp_path: Path) -> None:
    """TRM 3.3.2: "Any load or store that generates an address dependent on the result of a
    preceding data processing operation stalls the pipeline for an additional cycle"."""
    insns = assemble(
        tmp_path,
        "adds r4, r4, #4",  # 1
        "ldr r6, [r4]",  # 2 + 1: its base was just computed
        "smlad r7, r0, r1, r7",  # 1
        "str r6, [r2, r7]",  # 2 + 1: its index comes from the multiply
        "adds r6, r6, #1",  # 1
        "str r6, [r4, #4]",  # 1: r6 is only its data
        "adds r0, r0, #4",  # 1
        "ldmia r0!, {r1, r2}",  # 1 + 2 + 1
        "sub sp, #8",  # 1
        "push {r4}",  # 1 + 1 + 1: SP is the address
        "ldr r3, [r5]",  # 2: after a store, no stall (r5 untouched)
    )
    assert cycles(insns) == [1, 3, 1, 3, 1, 1, 1, 4, 1, 3, 2]
    assert cycles(insns, CORTEX_M7)[1] == 1  # the rough M7 model has no such stall


def test_m4_multi_cycle_instructions(tmp_path: Path) -> None:
    insns = assemble(
        tmp_path,
        "ldmia r0!, {r1-r4}",  # 1+N = 5
        "push {r4-r7, lr}",  # 1+N = 6
        "ldrd r0, r1, [r2]",  # 1+N = 3
        "sdiv r0, r1, r2",  # 2-12: worst case 12 assumed
        "umull r0, r1, r2, r3",  # 1
        "smlad r0, r1, r2, r0",  # 1
        "vmla.f32 s0, s1, s2",  # 3
        "vdiv.f32 s0, s1, s2",  # 14
        "it eq",  # 1 (not folded)
    )
    assert cycles(insns) == [5, 6, 3, 12, 1, 1, 3, 14, 1]


def test_m7_dual_issues_independent_alu_pairs(tmp_path: Path) -> None:
    insns = assemble(
        tmp_path,
        "adds r0, r0, #1",  # 1
        "adds r1, r1, #1",  # 0: pairs with the ALU op before
        "ldr r2, [r4]",  # 0: load + ALU pair
        "ldr r3, [r4, #4]",  # 1: two loads do not pair
        "adds r3, r3, #1",  # 1: depends on the load before
    )
    assert cycles(insns, CORTEX_M7) == [1, 0, 0, 1, 1]
