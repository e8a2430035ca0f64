"""The executed blocks of a twin's timed region, from QEMU's ``-d in_asm,exec,nochain`` log.

QEMU translates guest code into translation blocks (TBs). ``in_asm`` prints each block's guest
instructions when it is translated (``IN: <symbol>`` then ``0x<addr>:  <halfwords>  <text>``
lines); ``exec`` prints ``Trace <cpu>: <host ptr> [<cs_base>/<pc>/<flags>/<cflags>] <symbol>``
each time a block runs, and ``nochain`` makes every run go through that print (chained blocks
would skip it). A block is known by its host pointer: the trace line after an ``IN:`` block
with the same pc binds the two (QEMU translates right before it executes).
``cpu_io_recompile: rewound execution of TB to <pc>`` (an I/O access in the middle of a block
under ``-icount``) means the block just traced stopped before ``<pc>`` and runs again from
there as a new block.

The timed region is bracketed by the firmware's cycle-counter reads: it opens at the first
run of the block at ``start_pc`` (``bsp_cycles``, read for ``c0``) and closes at the next one
(``c1``); the trace run sends one ``infer 1 0``, so these are the only calls. The result is a
:class:`TraceProfile`: each distinct block with its code, how often it ran, and where control
went next (which tells a taken branch from a fall-through).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


class TraceFormatError(ValueError):
    """The log is not QEMU's in_asm/exec format, or the region never opened or closed."""


@dataclass
class BlockProfile:
    """One distinct translation block of the timed region."""

    pc: int
    code: bytes
    executions: int = 0
    successors: Counter[int] = field(default_factory=Counter)
    """pc of the block that ran next -> times."""
    stopped_at: Counter[int] = field(default_factory=Counter)
    """Runs cut short by an I/O rewind: pc of the first instruction not executed -> times."""

    def to_json(self) -> dict[str, object]:
        return {
            "pc": self.pc,
            "code": self.code.hex(),
            "executions": self.executions,
            "successors": {str(k): v for k, v in self.successors.items()},
            "stopped_at": {str(k): v for k, v in self.stopped_at.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> BlockProfile:
        return cls(
            pc=int(data["pc"]),
            code=bytes.fromhex(data["code"]),
            executions=int(data["executions"]),
            successors=Counter({int(k): int(v) for k, v in data["successors"].items()}),
            stopped_at=Counter({int(k): int(v) for k, v in data["stopped_at"].items()}),
        )


@dataclass
class TraceProfile:
    """The distinct blocks of the timed region and how they ran."""

    blocks: list[BlockProfile]
    block_runs: int

    def to_json(self) -> dict[str, object]:
        return {"block_runs": self.block_runs, "blocks": [b.to_json() for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict) -> TraceProfile:
        return cls([BlockProfile.from_json(b) for b in data["blocks"]], int(data["block_runs"]))


def _code_of(lines: list[str]) -> tuple[int, bytes]:
    """(pc, bytes) of an ``IN:`` block's instruction lines (halfwords as QEMU prints them)."""
    pc = int(lines[0].split(":", 1)[0], 16)
    out = bytearray()
    for line in lines:
        fields = line.split(":", 1)[1].split()
        # The halfwords come first: 4-digit hex groups, then the mnemonic.
        for word in fields[:2]:
            if len(word) != 4:
                break
            try:
                out += int(word, 16).to_bytes(2, "little")
            except ValueError:
                break
    return pc, bytes(out)


def profile_region(lines: Iterable[str], start_pc: int) -> TraceProfile:
    """Read a QEMU log and profile the blocks run between the first two runs of ``start_pc``.

    Raises:
        TraceFormatError: the block at ``start_pc`` did not run twice.
    """
    translated: dict[str, tuple[int, bytes]] = {}
    pending: list[str] | None = None
    pending_code: tuple[int, bytes] | None = None
    entries = 0
    blocks: dict[tuple[int, bytes], BlockProfile] = {}
    last: BlockProfile | None = None
    runs = 0
    for line in lines:
        if line.startswith("Trace "):
            if pending is not None:
                pending_code = _code_of(pending) if pending else None
                pending = None
            ptr, rest = line.split(" ", 3)[2:4]
            pc = int(rest[1:].split("/", 2)[1], 16)
            if pending_code is not None and pending_code[0] == pc:
                translated[ptr] = pending_code
                pending_code = None
            if pc == start_pc:
                entries += 1
                if entries == 2:
                    if last is not None:
                        last.successors[pc] += 1
                    break
            if entries != 1:
                continue
            key = translated.get(ptr)
            if key is None:
                raise TraceFormatError(
                    f"QEMU exec log: block at 0x{pc:08x} (host {ptr}) ran without an IN: "
                    "listing; the log needs -d in_asm,exec,nochain from the start"
                )
            block = blocks.get(key)
            if block is None:
                block = blocks[key] = BlockProfile(key[0], key[1])
            if last is not None:
                last.successors[pc] += 1
            block.executions += 1
            runs += 1
            last = block
        elif line.startswith("IN:"):
            pending = []
        elif pending is not None and line.startswith("0x"):
            pending.append(line)
        elif line.startswith("cpu_io_recompile: rewound") and entries == 1 and last is not None:
            last.stopped_at[int(line.rsplit(" ", 1)[1], 16)] += 1
    if entries < 2:
        raise TraceFormatError(
            f"QEMU exec log: the block at 0x{start_pc:08x} (the cycle-counter read) ran "
            f"{entries} time(s); the timed region needs it twice (c0 and c1)"
        )
    return TraceProfile(list(blocks.values()), runs)
