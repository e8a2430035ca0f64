"""Makespan of a night on simulated boards: today's scheduling against the farm's.

The lab: 8 boards in 6 pools (two twin-board pools, four single boards, one of them a Jetson),
all "hardware" (pyocd probes and an SSH board on the network, so a test waits on the board and
burns no host CPU). Each matrix test holds its leased board for a duration drawn from a real
``make farm`` run's rows (``data/schedule_durations.csv``: passed MCU and Linux tests of the
virtual lab, 2026-12-06), times ``--scale``; the two-board ``nucleo_l4r5zi`` pool gets 3x the
work. The tests sleep, so the figures measure scheduling, not the machine's load.

Each run is a real ``pytest -n ...`` of the farm plugin with xdist and flock leases:

1. today: ``-n auto`` as xdist counts it (one worker per core) and xdist's load scheduling;
2. (``--with-load8``) today's order with one worker per board (``-n 8``, xdist's load
   scheduling), to tell the worker count's share from the order's;
3. the farm: ``-n auto`` through the farm's hook (one worker per board) and its pool-aware
   scheduler, with the previous run's lease spans as its history of durations.

Per run: workers, makespan (first lease to last release), per-board busy fraction and
``ideal / measured``, where ideal = max(max over pools of work per board, longest test). The
last line is the farm's ``makespan efficiency: X``.

Run: ``PYTHONPATH=. .venv/bin/python testing/benchmarks/bench_schedule.py [--scale 0.5]``
(about 4 minutes on a loaded 2-core machine; ``--models`` and ``--scale`` size it).
Regenerate the durations from a run directory: ``... bench_schedule.py --from-run reports/<id>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
DURATIONS = HERE / "data" / "schedule_durations.csv"
HEAVY_POOL = "nucleo_l4r5zi"
HEAVY_FACTOR = 3.0

BOARDS = """\
boards:
  - {id: l4r5-1, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: SIM0001}}
  - {id: l4r5-2, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: SIM0002}}
  - {id: u575-1, target: NUCLEO_U575ZI_Q, backend: pyocd, probe: {uid: SIM0003}}
  - {id: u575-2, target: NUCLEO_U575ZI_Q, backend: pyocd, probe: {uid: SIM0004}}
  - {id: f767-1, target: NUCLEO_F767ZI, backend: pyocd, probe: {uid: SIM0005}}
  - {id: l476-1, target: NUCLEO_L476RG, backend: pyocd, probe: {uid: SIM0006}}
  - {id: g431-1, target: NUCLEO_G431RB, backend: pyocd, probe: {uid: SIM0007}}
  - {id: jetson-1, target: JETSON_ORIN_NANO, backend: ssh, ssh: {host: jetson-1.lab, user: farm}}
"""
POOL_BOARDS = {"nucleo_l4r5zi": 2, "nucleo_u575zi_q": 2}  # the others hold one board each
RECIPE = (
    "name: harness\nversions:\n  '1.0': {}\ncores: [cortex-m4, cortex-m7, cortex-m33]\n"
    "build: {not: used}\n"
)

SIM_TESTS = '''
"""Simulated HIL tests: hold the leased board for a duration drawn from a real run's rows."""
import csv
import os
import random
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROWS = list(csv.DictReader((HERE / "durations.csv").open()))
SCALE = float((HERE / "scale.txt").read_text())


def _hold(test, kind, request, board, board_pool):
    rows = [r for r in ROWS if r["kind"] == kind and r["test"] == test]
    item = request.node.callspec.id
    seconds = float(random.Random(f"{test}|{item}").choice(rows)["duration_s"]) * SCALE
    if board_pool.id == "HEAVY_POOL":
        seconds *= HEAVY_FACTOR
    start = board.lease.acquired_monotonic
    time.sleep(seconds)
    end = time.monotonic()
    out = HERE / "intervals" / os.environ["SIM_LABEL"]
    out.mkdir(parents=True, exist_ok=True)
    with (out / f"{os.getpid()}.txt").open("a") as fh:
        fh.write(f"{board.id} {board_pool.id} {start:.6f} {end:.6f}\\n")


@pytest.mark.farm_kind("mcu")
def test_inference(model, board_pool, firmware, board, request):
    _hold("test_inference", "mcu", request, board, board_pool)


@pytest.mark.farm_kind("mcu")
def test_energy(model, board_pool, firmware, board, request):
    _hold("test_energy", "mcu", request, board, board_pool)


@pytest.mark.farm_kind("linux")
def test_inference_linux(model, board_pool, board, request):
    _hold("test_inference_linux", "linux", request, board, board_pool)


@pytest.mark.farm_kind("linux")
def test_energy_linux(model, board_pool, board, request):
    _hold("test_energy_linux", "linux", request, board, board_pool)
'''.replace("HEAVY_POOL", HEAVY_POOL).replace("HEAVY_FACTOR", repr(HEAVY_FACTOR))


def make_lab(root: Path, models: int, scale: float) -> None:
    """A farm project: inventory, models, a firmware recipe, the simulated tests."""
    (root / "pyproject.toml").write_text(
        f"[tool.joulefarm]\nlock_dir = '{root / 'locks'}'\nreports_dir = '{root / 'reports'}'\n"
        "lease_timeout_s = 600\n"
    )
    (root / "inventory.yaml").write_text(BOARDS)
    (root / "models").mkdir()
    for n in range(models):
        (root / "models" / f"m{n:02d}.tflite").write_bytes(bytes([n]) * 64)
    (root / "firmware" / "harness").mkdir(parents=True)
    (root / "firmware" / "harness" / "recipe.yaml").write_text(RECIPE)
    (root / "test_sim.py").write_text(SIM_TESTS)
    shutil.copy(DURATIONS, root / "durations.csv")
    (root / "scale.txt").write_text(str(scale))


def run(root: Path, label: str, *args: str) -> tuple[int, str]:
    """One pytest run of the lab; returns (workers that ran tests, last line of pytest)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FARM_"))}
    env["SIM_LABEL"] = label
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q"]
    done = subprocess.run(
        [*argv, *args], cwd=root, env=env, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise SystemExit(f"run '{label}' failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    workers = len(list((root / "intervals" / label).glob("*.txt")))  # one file per worker pid
    return workers, done.stdout.strip().splitlines()[-1]


def figures(root: Path, label: str) -> dict[str, object]:
    """Makespan, ideal, efficiency and busy fraction per board of one run."""
    spans: list[tuple[str, str, float, float]] = []
    for path in (root / "intervals" / label).glob("*.txt"):
        for line in path.read_text().splitlines():
            board, pool, start, end = line.split()
            spans.append((board, pool, float(start), float(end)))
    first, last = min(s[2] for s in spans), max(s[3] for s in spans)
    makespan = last - first
    busy: dict[str, float] = defaultdict(float)
    work: dict[str, float] = defaultdict(float)
    for board, pool, start, end in spans:
        busy[board] += end - start
        work[pool] += end - start
    gaps = []
    for board in busy:
        mine = sorted((s, e) for b, _, s, e in spans if b == board)
        gaps += [after[0] - before[1] for before, after in zip(mine, mine[1:], strict=False)]
    gaps.sort()
    per_board = max(w / POOL_BOARDS.get(p, 1) for p, w in work.items())
    ideal = max(per_board, max(e - s for _, _, s, e in spans))
    return {
        "tests": len(spans),
        "makespan": makespan,
        "ideal": ideal,
        "efficiency": ideal / makespan,
        "gap_median": gaps[len(gaps) // 2] if gaps else 0.0,
        "gap_max": gaps[-1] if gaps else 0.0,
        "late_start": max(min(s for b2, _, s, _ in spans if b2 == b) for b in busy) - first,
        "busy": {b: busy[b] / makespan for b in sorted(busy)},
    }


def report(title: str, workers: int, found: dict[str, object]) -> None:
    busy = found["busy"]
    assert isinstance(busy, dict)
    mean = sum(busy.values()) / len(busy)
    print(f"{title}: {workers} workers, {found['tests']} tests")
    print(
        f"  makespan {found['makespan']:.1f} s, ideal {found['ideal']:.1f} s, "
        f"efficiency {found['efficiency']:.2f}, boards busy {mean:.2f} on average, "
        f"gap between tests on a board: median {found['gap_median']:.2f} s, "
        f"max {found['gap_max']:.2f} s; last board started {found['late_start']:.1f} s late"
    )
    print("  busy per board: " + ", ".join(f"{b} {f:.2f}" for b, f in busy.items()))


def from_run(run_dir: Path) -> None:
    """Rewrite data/schedule_durations.csv from a run's passed board tests."""
    import pandas as pd

    frame = pd.read_parquet(run_dir / "results.parquet")
    frame = frame[(frame.outcome == "passed") & frame.board_id.notna()].copy()
    frame["test"] = frame.test_id.str.split("::").str[1].str.split("[").str[0]
    frame = frame[frame.test.str.startswith(("test_inference", "test_energy"))]
    frame["kind"] = frame.test.map(lambda t: "linux" if t.endswith("_linux") else "mcu")
    out = frame[["kind", "test", "model", "duration_s"]].sort_values(["kind", "test", "model"])
    out.assign(duration_s=out.duration_s.round(3)).to_csv(DURATIONS, index=False)
    print(f"{DURATIONS}: {len(out)} rows from {run_dir}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.5, help="x the real durations")
    parser.add_argument("--models", type=int, default=6)
    parser.add_argument("--from-run", type=Path, help="regenerate the durations file and exit")
    parser.add_argument("--farm-only", action="store_true", help="skip today's run")
    parser.add_argument(
        "--with-load8", action="store_true", help="also today's order with one worker per board"
    )
    args = parser.parse_args()
    if args.from_run:
        from_run(args.from_run)
        return
    root = Path(tempfile.mkdtemp(prefix="bench-schedule-"))
    try:
        make_lab(root, args.models, args.scale)
        print(f"simulated lab: 8 boards in 6 pools, {args.models} models, scale {args.scale}, "
              f"{HEAVY_POOL} x{HEAVY_FACTOR:g} work; {os.cpu_count()} cores")  # fmt: skip
        started = time.monotonic()
        today = ("-p", "no:farm.plugin.schedule")
        if not args.farm_only:
            workers, tail = run(root, "today", "-n", "auto", *today)
            report("today (-n auto = cores, xdist load)", workers, figures(root, "today"))
        if args.with_load8:
            workers, tail = run(root, "load8", "-n", "8", *today)
            report("today's order, one worker per board (-n 8, xdist load)", workers,
                   figures(root, "load8"))  # fmt: skip
        workers, tail = run(root, "farm", "-n", "auto")
        farm = figures(root, "farm")
        report("farm (-n auto = boards, pool-aware, last run's durations)", workers, farm)
        print(f"  pytest: {tail}; bench wall {time.monotonic() - started:.0f} s")
        print(f"makespan efficiency: {farm['efficiency']:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
