"""The executed blocks of a twin's timed region, from QEMU's ``-d in_asm,exec,nochain`` log.

QEMU translates guest code into translation blocks (TBs). ``in_asm`` prints each block's guest
instructions when it is translated (``IN: <symbol>`` then ``0x<addr>:  <halfwords>  <text>``
lines); ``exec`` prints ``Trace <cpu>: <host ptr> [<cs_base>/<pc>/<flags>/<cflags>] <symbol>``
each time a block runs, and ``nochain`` makes every run go through that print (chained blocks
would skip it). A block is known by its host pointer: the trace line after an ``IN:`` block
with the same pc binds the two (QEMU translates right before it executes).
``cpu_io_recompile: rewound execution of TB to <pc>`` (an I/O access in the middle of a block
under ``-icount``) means the block just traced stopped before ``<pc>`` and runs again from
there as a new block. ``Stopped execution of TB chain before <host ptr> [<pc>]`` means QEMU
did not start the block just traced (under ``-icount`` a block first checks that the
instruction budget to the next timer event covers it, and leaves before its first instruction
if not): that run executed nothing. Both are recorded as runs cut short.

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

from farm.devices.flash_reads import FlashReads


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
    flash_reads: FlashReads | None = None
    """The region's data reads of flash (the trace's QEMU plugin), if it recorded them."""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "block_runs": self.block_runs,
            "blocks": [b.to_json() for b in self.blocks],
        }
        if self.flash_reads is not None:
            out["flash_reads"] = self.flash_reads.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict) -> TraceProfile:
        reads = data.get("flash_reads")
        return cls(
            [BlockProfile.from_json(b) for b in data["blocks"]],
            int(data["block_runs"]),
            FlashReads.from_json(reads) if reads is not None else None,
        )


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

    A block's trace line is the same string every time it runs (host pointer, pc, flags), so
    the loop only looks each line up and counts (line, next line) pairs; lines are parsed once.
    Several million lines pass per traced inference: this loop is the tracer's cost.

    Raises:
        TraceFormatError: the block at ``start_pc`` did not run twice.
    """
    codes: dict[str, tuple[int, bytes]] = {}  # trace line -> its block's (pc, code)
    starts: set[str] = set()  # trace lines of the block at start_pc
    pending: list[str] | None = None
    pending_code: tuple[int, bytes] | None = None
    pairs: dict[tuple[str, str], int] = {}
    stops: Counter[tuple[str, int]] = Counter()
    entries = 0
    prev = ""
    for line in lines:
        if line in codes or line in starts:
            pass
        elif line.startswith("Trace "):
            if pending is not None:
                pending_code = _code_of(pending) if pending else None
                pending = None
            pc = int(line.split(" ", 4)[3][1:].split("/", 2)[1], 16)
            if pc == start_pc:
                starts.add(line)
            elif pending_code is not None and pending_code[0] == pc:
                codes[line] = pending_code
                pending_code = None
            elif entries == 1:
                raise TraceFormatError(
                    f"QEMU exec log: block at 0x{pc:08x} ran without an IN: listing; the log "
                    "needs -d in_asm,exec,nochain from the start"
                )
            else:
                continue  # a block outside the region whose listing was filtered out
        else:
            if line.startswith("IN:"):
                pending = []
            elif pending is not None and line.startswith("0x"):
                pending.append(line)
            elif line.startswith("cpu_io_recompile: rewound") and entries == 1:
                stops[(prev, int(line.rsplit(" ", 1)[1], 16))] += 1
            elif line.startswith("Stopped execution of TB chain before") and entries == 1:
                # QEMU did not start the block it just traced (the icount budget ran out: a
                # timer is due); that run executed nothing and the block runs again later.
                pc = int(line.split("[", 1)[1].split("]", 1)[0], 16)
                if prev in codes and codes[prev][0] == pc:
                    stops[(prev, pc)] += 1
            continue
        if line in starts:
            entries += 1
            if entries == 2:
                break
            if pending is not None:  # the start block's own listing: bind it too
                pending_code = _code_of(pending) if pending else None
                pending = None
            if pending_code is not None and pending_code[0] == start_pc:
                codes[line] = pending_code
                pending_code = None
        if entries == 1:
            if prev:
                key = (prev, line)
                pairs[key] = pairs.get(key, 0) + 1
            prev = line
    if entries < 2:
        raise TraceFormatError(
            f"QEMU exec log: the block at 0x{start_pc:08x} (the cycle-counter read) ran "
            f"{entries} time(s); the timed region needs it twice (c0 and c1)"
        )
    return _fold(codes, pairs, stops, prev, line)


def _fold(
    codes: dict[str, tuple[int, bytes]],
    pairs: dict[tuple[str, str], int],
    stops: Counter[tuple[str, int]],
    last_line: str,
    closing: str,
) -> TraceProfile:
    """Blocks with run counts and successors from the (line, next line) pair counts."""
    blocks: dict[tuple[int, bytes], BlockProfile] = {}
    runs = 0

    def block_of(line: str) -> BlockProfile:
        key = codes.get(line)
        if key is None:
            raise TraceFormatError(f"QEMU exec log: no IN: listing for {line.strip()!r}")
        found = blocks.get(key)
        if found is None:
            found = blocks[key] = BlockProfile(key[0], key[1])
        return found

    for (a, b), n in pairs.items():
        block = block_of(a)
        block.executions += n
        block.successors[codes[b][0] if b in codes else -1] += n
        runs += n
    # The last block of the region ran once more: into the closing read of the counter.
    last = block_of(last_line)
    last.executions += 1
    last.successors[int(closing.split(" ", 4)[3][1:].split("/", 2)[1], 16)] += 1
    runs += 1
    for (line, stop), n in stops.items():
        block_of(line).stopped_at[stop] += n
    return TraceProfile(list(blocks.values()), runs)
