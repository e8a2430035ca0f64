"""Activation memory planner: greedy by size, first fit by lifetime.

The same strategy as TFLite Micro's GreedyMemoryPlanner: buffers are placed largest first, each
at the lowest offset where it does not overlap (in address and in lifetime) any buffer placed
before it. Lifetimes are operator indices from the first write to the last read; the model
input lives from the start, the output to the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from farm.compiler.blob_format import ARENA_ALIGN, OpRecord


def align_up(n: int, a: int = ARENA_ALIGN) -> int:
    return (n + a - 1) // a * a


@dataclass(frozen=True)
class Plan:
    """Arena offset per graph tensor index, and the arena size in bytes."""

    offsets: dict[int, int]
    arena_bytes: int


def lifetimes(
    records: list[OpRecord], input_tensor: int, output_tensor: int
) -> dict[int, tuple[int, int]]:
    """(first, last) operator index per activation tensor."""
    spans: dict[int, tuple[int, int]] = {}
    last_op = max(len(records) - 1, 0)
    for i, rec in enumerate(records):
        for t in rec.tensors:
            lo, hi = spans.get(t, (i, i))
            spans[t] = (min(lo, i), max(hi, i))
    for t, (lo, hi) in list(spans.items()):
        spans[t] = (0 if t == input_tensor else lo, last_op if t == output_tensor else hi)
    spans.setdefault(input_tensor, (0, last_op))
    spans.setdefault(output_tensor, (0, last_op))
    return spans


def plan_arena(sizes: dict[int, int], spans: dict[int, tuple[int, int]]) -> Plan:
    """Place every tensor; tensors whose lifetimes overlap never share bytes.

    Equal-sized tensors can be placed in several orders; a few tie-breaks are tried and the
    smallest arena wins (a handful of greedy passes cost nothing next to a compile).
    """
    tie_breaks = (
        lambda t: (-sizes[t], spans[t][0], t),
        lambda t: (-sizes[t], -spans[t][0], -t),
        lambda t: (-sizes[t], -spans[t][1], t),
        lambda t: (-sizes[t], spans[t][1] - spans[t][0], t),
    )
    plans = [_greedy(sizes, spans, sorted(sizes, key=key)) for key in tie_breaks]
    return min(plans, key=lambda p: p.arena_bytes)


def _greedy(sizes: dict[int, int], spans: dict[int, tuple[int, int]], order: list[int]) -> Plan:
    offsets: dict[int, int] = {}
    for t in order:
        lo, hi = spans[t]
        need = align_up(sizes[t])
        busy = sorted(
            (offsets[u], offsets[u] + align_up(sizes[u]))
            for u in offsets
            if not (spans[u][1] < lo or hi < spans[u][0])
        )
        candidate = 0
        for start, end in busy:
            if candidate + need <= start:
                break
            candidate = max(candidate, end)
        offsets[t] = candidate
    arena = max((offsets[t] + align_up(sizes[t]) for t in offsets), default=0)
    return Plan(offsets, arena)
