"""Cortex-M instruction classes and their documented cycle counts (a twin's cycle model).

Instructions are decoded by capstone (Thumb-2, M-profile) and put in one of a few timing
classes; :class:`CoreTiming` gives each class its cycles on one core. Sources and what is
assumed where a manual gives a range:

* Cortex-M4: ARM DDI 0439B (Cortex-M4 TRM r0p1), table 3-1 "Cortex-M4 instruction set
  summary" and section 3.3.2 "Load/store timings". ALU, MUL/MLA, all 32x32->64 multiplies
  (UMULL/SMLAL/UMAAL), the DSP multiplies (SMLAD, SMULxy, SMLAxy...) and the SIMD/saturating
  instructions: 1. LDR/STR single: 2, except a load or store directly after a load (whose
  address does not use that load's result) pipelines to 1 ("LDR R0,[R1]; LDR R1,[R2]" takes
  3); nothing pipelines after a store. A store with an immediate offset (STR/STRB/STRH
  Rx,[Ry,#imm], also pre/post-indexed): 1 ("always one cycle": its data phase overlaps the
  next instruction). Any load or store whose address registers the instruction just before
  wrote as a data-processing result (ALU, multiply, divide) stalls 1 more cycle ("there is no
  forwarding path for this scenario"). LDRD/STRD: 3 (1+N, N=2). LDM/STM/PUSH/POP: 1+N.
  SDIV/UDIV: 2-12 by operand size; **assumed 12** (the worst case: a figure must not be kind).
  Taken branch: 1+P, P the pipeline refill of 1-3 cycles by target alignment/width; **assumed
  P=2**. Not-taken conditional branch: 1. POP/LDM with PC: 1+N+P; LDR PC: 2+P; TBB/TBH: 2+P.
  IT: **assumed 1** (the TRM lets it fold onto a preceding 16-bit instruction for 0).
  Instructions skipped by a failed condition are charged as if executed. FPU (FPv4-SP): 1,
  VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1+N, VMLA/VMLS/VFMA/VNMLA 3, VDIV/VSQRT 14.
* Cortex-M33: ARM does not publish a per-instruction table (ARM 100230 TRM); the M4 table is
  used (same ISA, 3-stage pipeline, single issue).
* Cortex-M7: dual issue, 6-stage pipeline, branch predictor (ARM DDI 0489 TRM gives no
  table; figures from ARM's M7 guidance): 1 per instruction, loads 1 (TCM/cache hit), long
  multiplies 1, divides **assumed 12**, taken branch **assumed 1** extra (predicted), and an
  instruction issuing together with the one before it costs 0 when the pair is
  ALU+ALU or load/store+ALU (not two loads, not two multiplies, not after a branch).
  A rough model: stated as such in the method.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache

import capstone as cs
from capstone import arm_const as arm


class InsnClass(enum.StrEnum):
    """Timing class of one Thumb-2 instruction."""

    ALU = "alu"
    MUL = "mul"
    DIV = "div"
    LOAD = "load"
    STORE = "store"
    LOAD_DOUBLE = "load-double"
    STORE_DOUBLE = "store-double"
    LOAD_MULTIPLE = "load-multiple"
    STORE_MULTIPLE = "store-multiple"
    BRANCH = "branch"
    TABLE_BRANCH = "table-branch"
    IT = "it"
    FP = "fp"
    FP_MAC = "fp-mac"
    FP_DIV = "fp-div"
    FP_LOAD = "fp-load"
    FP_LOAD_MULTIPLE = "fp-load-multiple"
    SYSTEM = "system"


_MUL_PREFIXES = ("mul", "mla", "mls", "smul", "smla", "smls", "smmul", "smmla", "smmls",
                 "smuad", "smusd", "umul", "umla", "umaal", "usad8", "usada8")  # fmt: skip
_LOADS = ("ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt",
          "ldrbt", "ldrht", "ldrsbt", "ldrsht", "lda", "ldab", "ldah", "ldaex")  # fmt: skip
_STORES = ("str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht",
           "stl", "stlb", "stlh", "stlex")  # fmt: skip
_SYSTEM = ("wfi", "wfe", "sev", "svc", "bkpt", "cpsid", "cpsie", "mrs", "msr", "dsb",
           "dmb", "isb", "nop", "yield", "udf")  # fmt: skip


@dataclass(frozen=True)
class Insn:
    """What the cycle model needs of one decoded instruction."""

    address: int
    size: int
    mnemonic: str
    cls: InsnClass
    conditional: bool
    """A conditional branch (B<cc>, CBZ/CBNZ) that may fall through."""
    writes_pc: bool
    registers: int
    """Registers moved by LDM/STM/PUSH/POP/VLDM/VSTM (N of 1+N)."""
    reads: frozenset[int]
    writes: frozenset[int]
    branch_target: int | None
    address_regs: frozenset[int] = frozenset()
    """Registers a load or store forms its address from (base, index; LDM/STM/PUSH/POP's
    base)."""
    store_imm: bool = False
    """A single store addressed by base + immediate (no index register)."""


def _base(mnemonic: str) -> str:
    """Mnemonic without width suffix (``.w``) and condition code (``ldrne`` stays ``ldrne``:
    the caller matches prefixes)."""
    return mnemonic.split(".", 1)[0]


def classify(insn: cs.CsInsn) -> InsnClass:
    """The timing class of a capstone instruction (decoded with ``detail`` on)."""
    name = _base(insn.mnemonic)
    writes = set(insn.regs_access()[1])
    if name in ("tbb", "tbh"):
        return InsnClass.TABLE_BRANCH
    if name.startswith("it") and insn.id == arm.ARM_INS_IT:
        return InsnClass.IT
    if insn.group(arm.ARM_GRP_JUMP) or insn.group(arm.ARM_GRP_CALL):
        if name in ("pop", "ldm", "ldmia", "ldmfd", "ldmdb", "ldmea"):
            return InsnClass.LOAD_MULTIPLE
        if _matches(name, _LOADS):
            return InsnClass.LOAD
        return InsnClass.BRANCH
    if name.startswith("v"):
        return _classify_fp(name)
    if name in ("sdiv", "udiv"):
        return InsnClass.DIV
    if name in ("ldrd", "ldaexd", "ldrexd"):
        return InsnClass.LOAD_DOUBLE
    if name in ("strd", "stlexd", "strexd"):
        return InsnClass.STORE_DOUBLE
    if name in ("pop",) or name.startswith("ldm"):
        return InsnClass.LOAD_MULTIPLE
    if name in ("push",) or name.startswith("stm"):
        return InsnClass.STORE_MULTIPLE
    if _matches(name, _LOADS):
        return InsnClass.LOAD
    if _matches(name, _STORES):
        return InsnClass.STORE
    if name.startswith(_MUL_PREFIXES):
        return InsnClass.MUL
    if name in _SYSTEM:
        return InsnClass.SYSTEM
    if arm.ARM_REG_PC in writes:
        return InsnClass.BRANCH
    return InsnClass.ALU


def _matches(name: str, family: tuple[str, ...]) -> bool:
    """``name`` is one of ``family``, possibly with a condition suffix (inside an IT block)."""
    return name in family or any(name[: len(f)] == f and _is_cc(name[len(f) :]) for f in family)


_CONDITIONS = frozenset(
    ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt",
     "le", "al")
)  # fmt: skip


def _is_cc(suffix: str) -> bool:
    return suffix in _CONDITIONS


def _classify_fp(name: str) -> InsnClass:
    if name in ("vldr", "vstr"):
        return InsnClass.FP_LOAD
    if name.startswith(("vldm", "vstm", "vpush", "vpop")):
        return InsnClass.FP_LOAD_MULTIPLE
    if name.startswith(("vmla", "vmls", "vfma", "vfms", "vnmla", "vnmls", "vfnma", "vfnms")):
        return InsnClass.FP_MAC
    if name.startswith(("vdiv", "vsqrt")):
        return InsnClass.FP_DIV
    return InsnClass.FP


def _register_count(insn: cs.CsInsn, cls: InsnClass) -> int:
    if cls in (InsnClass.LOAD_MULTIPLE, InsnClass.STORE_MULTIPLE, InsnClass.FP_LOAD_MULTIPLE):
        regs = [op for op in insn.operands if op.type == arm.ARM_OP_REG]
        # LDM/STM name the base register first; PUSH/POP/VPUSH/VPOP list only the moved ones.
        name = _base(insn.mnemonic)
        moved = regs if name in ("push", "pop", "vpush", "vpop") else regs[1:]
        return max(1, len(moved))
    return 2 if cls in (InsnClass.LOAD_DOUBLE, InsnClass.STORE_DOUBLE) else 1


_MEMORY = frozenset(
    (InsnClass.LOAD, InsnClass.STORE, InsnClass.LOAD_DOUBLE, InsnClass.STORE_DOUBLE,
     InsnClass.LOAD_MULTIPLE, InsnClass.STORE_MULTIPLE, InsnClass.FP_LOAD,
     InsnClass.FP_LOAD_MULTIPLE)
)  # fmt: skip
_DATA_PROCESSING = frozenset((InsnClass.ALU, InsnClass.MUL, InsnClass.DIV))


def _address_regs(insn: cs.CsInsn, cls: InsnClass) -> frozenset[int]:
    if cls not in _MEMORY:
        return frozenset()
    mems = [op.mem for op in insn.operands if op.type == arm.ARM_OP_MEM]
    if mems:
        return frozenset(r for m in mems for r in (m.base, m.index) if r)
    name = _base(insn.mnemonic)
    if name in ("push", "pop", "vpush", "vpop"):
        return frozenset((arm.ARM_REG_SP,))
    regs = [op.reg for op in insn.operands if op.type == arm.ARM_OP_REG]
    return frozenset(regs[:1])  # LDM/STM/VLDM/VSTM: the base comes first


def _store_imm(insn: cs.CsInsn, cls: InsnClass) -> bool:
    if cls != InsnClass.STORE or _base(insn.mnemonic).startswith(("strex", "stl")):
        return False
    mems = [op.mem for op in insn.operands if op.type == arm.ARM_OP_MEM]
    return len(mems) == 1 and not mems[0].index


def _branch_target(insn: cs.CsInsn) -> int | None:
    imms = [op.imm for op in insn.operands if op.type == arm.ARM_OP_IMM]
    name = _base(insn.mnemonic)
    if name.startswith(("b", "cb")) and not name.startswith(("bx", "blx", "bic", "bfi", "bfc")):
        return imms[-1] & 0xFFFFFFFF if imms else None
    return None


@cache
def _decoder() -> cs.Cs:
    md = cs.Cs(cs.CS_ARCH_ARM, cs.CS_MODE_THUMB | cs.CS_MODE_MCLASS)
    md.detail = True
    return md


def decode(code: bytes, address: int) -> list[Insn]:
    """Decode Thumb-2 ``code`` at ``address`` into timing records (stops at undecodable bytes)."""
    out: list[Insn] = []
    for raw in _decoder().disasm(code, address):
        cls = classify(raw)
        reads, writes = raw.regs_access()
        name = _base(raw.mnemonic)
        conditional = (
            cls == InsnClass.BRANCH and raw.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID)
        ) or name in ("cbz", "cbnz")
        out.append(
            Insn(
                address=raw.address,
                size=raw.size,
                mnemonic=raw.mnemonic,
                cls=cls,
                conditional=conditional,
                writes_pc=arm.ARM_REG_PC in writes or cls == InsnClass.BRANCH,
                registers=_register_count(raw, cls),
                reads=frozenset(reads),
                writes=frozenset(writes),
                branch_target=_branch_target(raw),
                address_regs=_address_regs(raw, cls),
                store_imm=_store_imm(raw, cls),
            )
        )
    return out


@dataclass(frozen=True)
class CoreTiming:
    """Cycles of each instruction class on one core (see the module text for sources)."""

    name: str
    source: str
    alu: int = 1
    mul: int = 1
    div: int = 12
    load: int = 2
    load_pipelined: int = 1
    store: int = 2
    store_imm: int = 1
    """STR Rx,[Ry,#imm]: the data phase overlaps the next instruction."""
    address_stall: int = 1
    """Extra cycle of a load/store whose address the data-processing op just before wrote."""
    refill: int = 2
    """P: pipeline refill after a taken branch."""
    it: int = 1
    fp: int = 1
    fp_mac: int = 3
    fp_div: int = 14
    fp_load: int = 2
    dual_issue: bool = False

    def base_cycles(self, insn: Insn, previous: Insn | None) -> int:
        """Cycles of ``insn`` without the branch refill (added by the caller when taken)."""
        stall = 0
        if (
            previous is not None
            and previous.cls in _DATA_PROCESSING
            and previous.writes & insn.address_regs
        ):
            stall = self.address_stall
        return stall + self._unstalled_cycles(insn, previous)

    def _unstalled_cycles(self, insn: Insn, previous: Insn | None) -> int:
        c = insn.cls
        if c in (InsnClass.LOAD, InsnClass.STORE):
            after_load = previous is not None and previous.cls == InsnClass.LOAD
            # TRM: "LDR R0,[R1,R2]; STR R0,[R3,#20]" pipelines; only the address counts.
            independent = previous is not None and not (previous.writes & insn.address_regs)
            if after_load and independent:
                return self.load_pipelined
            if c == InsnClass.STORE and insn.store_imm:
                return self.store_imm
            return self.load if c == InsnClass.LOAD else self.store
        if c in (InsnClass.LOAD_DOUBLE, InsnClass.STORE_DOUBLE):
            return 1 + insn.registers if not self.dual_issue else insn.registers
        if c in (InsnClass.LOAD_MULTIPLE, InsnClass.STORE_MULTIPLE):
            return 1 + insn.registers if not self.dual_issue else insn.registers
        if c == InsnClass.FP_LOAD_MULTIPLE:
            return 1 + insn.registers
        if c == InsnClass.TABLE_BRANCH:
            return 2
        table = {
            InsnClass.ALU: self.alu,
            InsnClass.MUL: self.mul,
            InsnClass.DIV: self.div,
            InsnClass.BRANCH: 1,
            InsnClass.IT: self.it,
            InsnClass.FP: self.fp,
            InsnClass.FP_MAC: self.fp_mac,
            InsnClass.FP_DIV: self.fp_div,
            InsnClass.FP_LOAD: self.fp_load,
            InsnClass.SYSTEM: 1,
        }
        return table[c]

    def pairs_with(self, insn: Insn, previous: Insn | None) -> bool:
        """M7: ``insn`` issues in the same cycle as ``previous`` (costs nothing extra)."""
        if not self.dual_issue or previous is None:
            return False
        simple = (InsnClass.ALU, InsnClass.LOAD, InsnClass.STORE, InsnClass.MUL)
        if previous.cls not in simple or insn.cls not in simple:
            return False
        if previous.cls == insn.cls and insn.cls in (InsnClass.LOAD, InsnClass.STORE,
                                                     InsnClass.MUL):  # fmt: skip
            return False
        return not (previous.writes & insn.reads)


CORTEX_M4 = CoreTiming(
    name="cortex-m4",
    source="Cortex-M4 TRM r0p1 (DDI 0439B) table 3-1 and 3.3.2",
)
CORTEX_M33 = CoreTiming(
    name="cortex-m33",
    source="Cortex-M4 TRM r0p1 table 3-1 (ARM publishes no M33 table; same ISA, single issue)",
)
CORTEX_M7 = CoreTiming(
    name="cortex-m7",
    source="rough Cortex-M7 model (dual issue, predicted branches; no ARM table)",
    load=1,
    store=1,
    load_pipelined=1,
    address_stall=0,
    refill=1,
    dual_issue=True,
)

CORE_TIMINGS: dict[str, CoreTiming] = {
    "cortex-m4f": CORTEX_M4,
    "cortex-m4": CORTEX_M4,
    "cortex-m33": CORTEX_M33,
    "cortex-m7": CORTEX_M7,
}
"""Catalog core name -> timing table."""
