"""A twin's m-lap-us clock: twin_time_us() (firmware/bsp/common/twin_timebase.c, compiled for the
host) is exactly floor(instructions x num / den) mod 2^32, at the boundaries too. It avoids the
64-bit library division so that its instruction count does not depend on the time (the harness
calls it between a timed region's tick-aligned start and its first cycle reading)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.twin_timebase import us_per_instruction

ROOT = Path(__file__).resolve().parents[2]
COMMON = ROOT / "firmware" / "bsp" / "common"


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    exe = tmp_path_factory.mktemp("twin_time") / "twin_time_check"
    flags = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{COMMON}"]
    src = [Path(__file__).with_name("c") / "twin_time_check.c", COMMON / "twin_timebase.c"]
    subprocess.run(["gcc", *flags, *map(str, src), "-o", str(exe)], check=True)
    return exe


def _ratios() -> list[tuple[int, int]]:
    """Every twin target's ratio at its catalog factor and at a cycle estimate's odd one."""
    found = {(0, 0)}  # no record: QEMU's virtual time, 1 ns per instruction
    for target in Catalog.load():
        if target.qemu_machine is None:
            continue
        for cpi in (1.0, 0.8, 1.5381947):
            ratio = us_per_instruction(target.max_clock_hz, cpi)
            found.add((ratio.numerator, ratio.denominator))
    return sorted(found)


def _counts(num: int, den: int) -> list[int]:
    """Instruction counts from boot to days, and the ones either side of each microsecond."""
    rng = random.Random(num * 7919 + den)
    num, den = (1, 1000) if den == 0 else (num, den)
    xs = [0, 1, 2**32 - 1, 2**32, 2**40 + 12345, 86_400 * 10**9]
    xs += [rng.randrange(0, 2**44) for _ in range(300)]
    for us in [1, 1652, 10**6, 2**32 - 1, 2**32 + 5, rng.randrange(2**20, 2**34)]:
        edge = -(-us * den // num)  # the first count at which the clock shows `us`
        xs += [edge - 1, edge, edge + 1]
    return [x for x in xs if x >= 0]


@pytest.mark.parametrize(("num", "den"), _ratios())
def test_twin_time_us_is_the_exact_floor(checker: Path, num: int, den: int) -> None:
    xs = _counts(num, den)
    run = subprocess.run(
        [str(checker), str(num), str(den)],
        input="".join(f"{x}\n" for x in xs),
        capture_output=True,
        text=True,
        check=True,
    )
    got = [int(v) for v in run.stdout.split()]
    n, d = (1, 1000) if den == 0 else (num, den)
    want = [(x * n // d) % 2**32 for x in xs]
    wrong = [(x, g, w) for x, g, w in zip(xs, got, want, strict=True) if g != w]
    assert len(got) == len(xs) and not wrong, f"num/den {num}/{den}: {wrong[:5]}"
