"""A timed region's data reads from flash by LRU stack distance (the QEMU plugin
``farm/virtual/qemu_plugin/flash_reads.c`` records them), and the misses of a flash data cache
of any size.

A read at stack distance d was preceded, since the last read of its 64-bit word, by reads of d
other words. A fully associative least-recently-used cache of k words holds the k most recent
words, so it serves exactly the reads at distances below k: one trace prices the data cache of
every target. ``far`` counts the first reads of a word and the distances beyond what was tracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from farm.errors import FarmError

FLASH_READ_BYTES = 8
"""STM32 flash read width: 64 bits (RM0432 3.3.3; the same on L4, G4, U5, and F7's AXI path).
The distances are counted in these words; cycle_model charges fetches and misses per word."""


class FlashReadsFormatError(FarmError):
    """The plugin's counts file is not what it writes."""

    kind = "flash-reads-format"


@dataclass(frozen=True)
class FlashReads:
    """Data reads of flash in the timed region, by LRU stack distance in 64-bit words."""

    reads: int
    far: int
    depth: int
    """Distances below this were tracked; ``far`` holds the rest and the first reads."""
    at_distance: dict[int, int] = field(default_factory=dict)

    def misses(self, cache_bytes: int) -> int:
        """Reads a fully associative LRU cache of ``cache_bytes`` (the current 64-bit buffer
        included) would not serve.

        Raises:
            ValueError: the cache is deeper than the distances the trace tracked.
        """
        words = max(1, cache_bytes // FLASH_READ_BYTES)
        if words > self.depth:
            raise ValueError(
                f"a {cache_bytes} B data cache needs distances up to {words} words; the trace "
                f"tracked {self.depth}"
            )
        return self.reads - sum(n for d, n in self.at_distance.items() if d < words)

    def to_json(self) -> dict[str, object]:
        return {
            "reads": self.reads,
            "far": self.far,
            "depth": self.depth,
            "at_distance": {str(d): n for d, n in sorted(self.at_distance.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> FlashReads:
        return cls(
            int(data["reads"]),
            int(data["far"]),
            int(data["depth"]),
            {int(d): int(n) for d, n in data["at_distance"].items()},
        )

    @classmethod
    def parse(cls, text: str, depth: int) -> FlashReads:
        """The plugin's counts: ``reads <n>``, ``far <n>``, ``distance <d> <n>`` lines.

        Raises:
            FlashReadsFormatError: a line that is none of these, or counts that do not add up.
        """
        totals: dict[str, int] = {}
        at: dict[int, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            fields = line.split()
            try:
                if len(fields) == 2 and fields[0] in ("reads", "far"):
                    totals[fields[0]] = int(fields[1])
                    continue
                if len(fields) == 3 and fields[0] == "distance":
                    at[int(fields[1])] = int(fields[2])
                    continue
            except ValueError:
                pass
            raise FlashReadsFormatError(
                f"flash read counts, line {number}: {line!r}; expected 'reads <n>', "
                "'far <n>' or 'distance <d> <n>'"
            )
        if set(totals) != {"reads", "far"} or totals["far"] + sum(at.values()) != totals["reads"]:
            raise FlashReadsFormatError(
                f"flash read counts: reads {totals.get('reads')} is not far {totals.get('far')} "
                f"plus the {sum(at.values())} reads by distance"
            )
        return cls(totals["reads"], totals["far"], depth, at)
