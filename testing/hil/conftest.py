"""Run the HIL suite (``tests/``) in a subprocess on a generated farm project.

A project is a temporary directory with its own inventory (QEMU twins whose ids carry a token
unique to the test), a models directory holding one small zoo model, a firmware directory (the
reference harness and the hang fault-injection recipe, both symlinked so their sources resolve
to this repository), a reports directory and a lease lock directory. The build cache is the
repository's ``.farm/cache``, so each firmware image is compiled once for every test and run.

QEMU twins keep their scratch files in ``<cache>/boards/<board id>/`` and QEMU's command line
names that directory, so the token in the board id finds every QEMU a project started (and
nothing else), which is how the tests look for processes left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from testing.processes import sigint_as_from_a_terminal

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "tests"
CACHE_DIR = REPO / ".farm" / "cache"
HANG_RECIPE_DIR = Path(__file__).resolve().parent / "data" / "hang"
MODEL = "kws_dscnn_16"
GOOD = "joulefarm-harness@1.0"
HANG = "joulefarm-harness-hang@1.0-hang5"
QEMU_BINARY = "qemu-system-arm"
QEMU_PID_LINE = re.compile(r"QEMU for (\S+): pid (\d+)")


def python() -> str:
    """The project's venv interpreter (the farm plugin is installed there)."""
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def qemu_pids(token: str) -> list[int]:
    """Live ``qemu-system-arm`` processes whose command line contains ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # exited while we looked
        if (
            argv
            and Path(os.fsdecode(argv[0])).name == QEMU_BINARY
            and token.encode() in b" ".join(argv)
        ):
            found.append(int(entry.name))
    return found


def wait_until(predicate: Callable[[], object], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout_s`` passes; its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)


@dataclass
class HilRun:
    """A finished run of the HIL suite."""

    returncode: int
    output: str
    run_dir: Path
    log_text: str
    rows: dict[str, dict] = field(default_factory=dict)
    """Result rows by test id (``tests/test_inference.py::test_inference[...]``)."""

    def row(self, test_id: str) -> dict:
        """The row of ``test_id``; a clear failure when the run wrote none."""
        assert test_id in self.rows, (
            f"no row for {test_id}; rows: {sorted(self.rows)}\n{self.output}"
        )
        return self.rows[test_id]

    def qemu_pids_started(self, *, traces: bool = False) -> list[int]:
        """QEMU pids of the boards the run logged (needs the run's ``--log-file``: single-process
        runs); ``traces``: also the cycle model's one-off traced runs (``cycle-trace``)."""
        return [
            int(m.group(2))
            for m in QEMU_PID_LINE.finditer(self.log_text)
            if traces or m.group(1) != "cycle-trace"
        ]


@dataclass
class HilProject:
    """A farm project in a temporary directory whose boards are QEMU twins.

    Args:
        root: the project directory (pytest's working directory).
        boards: board id -> catalog target; every id contains ``token``.
        token: unique string in every board id of this project.
    """

    root: Path
    boards: dict[str, str]
    token: str

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def node_id(self, board: str, firmware: str, test: str = "test_inference") -> str:
        """Test id of a matrix item of the suite (single-board pools are named by the board)."""
        module = {"test_inference": "test_inference.py", "test_memory": "test_memory.py"}[test]
        return f"tests/{module}::{test}[{MODEL}-{board}-{firmware}]"

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a run: ours without outer pytest/farm variables, plus the
        project's ``FARM_*`` settings and small ``FARM_HIL_*`` sizes."""
        drop = ("PYTEST_", "FARM_", "COV_CORE")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env.update(
            FARM_INVENTORY=str(self.root / "inventory.yaml"),
            FARM_MODELS_DIR=str(self.root / "models"),
            FARM_FIRMWARE_DIR=str(self.root / "firmware"),
            FARM_REPORTS_DIR=str(self.reports_dir),
            FARM_LOCK_DIR=str(self.root / "locks"),
            FARM_CACHE_DIR=str(CACHE_DIR),
            FARM_LEASE_TIMEOUT_S="120",
            FARM_DUT_INFERENCE_TIMEOUT_S="3",
            FARM_HIL_INPUTS="1",
            FARM_HIL_WINDOWS="1",
        )
        env.update(overrides)
        return env

    def argv(self, *args: str) -> list[str]:
        """``python -m pytest`` with ``args``; test ids (``tests/...``) become absolute paths
        into this repository and run in the order given."""
        args = tuple(str(REPO / a) if a.startswith("tests/") else a for a in args)
        return [python(), "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args]

    def popen(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """Start a run in its own session (so a signal reaches its whole process group)."""
        return subprocess.Popen(
            self.argv(*args),
            cwd=self.root,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=sigint_as_from_a_terminal,
        )

    def run(self, *args: str, timeout_s: float = 300, hint: str = "", **env: str) -> HilRun:
        """Run the suite to completion; the run's log (INFO) is kept for QEMU pids.

        Args:
            timeout_s: the run is killed (and the test fails, with ``hint``) after this.
        """
        before = set(self.run_dirs())
        log_file = self.root / f"pytest-{len(before)}.log"
        proc = self.popen(f"--log-file={log_file}", "--log-file-level=INFO", *args, **env)
        try:
            out, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(
                f"HIL run killed after {timeout_s} s{hint}:\n{out.decode(errors='replace')}"
            )
        output = out.decode(errors="replace")
        new = sorted(set(self.run_dirs()) - before)
        assert len(new) == 1, f"expected one new run directory, got {new}:\n{output}"
        log_text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return HilRun(proc.returncode, output, new[0], log_text, read_rows(new[0]))

    def run_dirs(self) -> list[Path]:
        """Run directories under the reports directory (``static/`` is the report's assets)."""
        if not self.reports_dir.is_dir():
            return []
        return [p for p in self.reports_dir.iterdir() if (p / "run.json").is_file()]

    def qemu_pids(self) -> list[int]:
        """QEMU processes of this project still alive."""
        return qemu_pids(self.token)


MakeProject = Callable[[list[str]], HilProject]
"""``make(["NUCLEO_L476RG", ...])``: a project with one QEMU twin per target."""


def read_rows(run_dir: Path) -> dict[str, dict]:
    """Result rows of a run directory by test id."""
    rows = {}
    for path in sorted((run_dir / "rows").glob("*.json")):
        row = json.loads(path.read_text())
        rows[row["test_id"]] = row
    return rows


def _write_project(root: Path, boards: dict[str, str]) -> None:
    models = root / "models"
    models.mkdir(parents=True)
    shutil.copy(REPO / "models" / f"{MODEL}.tflite", models)
    meta = yaml.safe_load((REPO / "models" / "models.yaml").read_text())
    (models / "models.yaml").write_text(yaml.safe_dump({MODEL: meta[MODEL]}))
    firmware = root / "firmware"
    firmware.mkdir()
    # Symlinks: the build resolves a recipe's path, so `source: firmware` stays this repo's.
    (firmware / "harness").symlink_to(REPO / "firmware" / "harness")
    (firmware / "hang").symlink_to(HANG_RECIPE_DIR)
    inventory = {"boards": [{"id": b, "target": t, "backend": "qemu"} for b, t in boards.items()]}
    (root / "inventory.yaml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    # An empty pyproject makes the project its own settings root (not this repository's).
    (root / "pyproject.toml").write_text("")
    (root / "locks").mkdir()


TWIN_BSP = "mps2_an386"  # the QEMU machine of every Cortex-M4 target these tests use
IMAGES = (
    (REPO / "firmware" / "harness", "1.0"),
    (REPO / "firmware" / "harness", "1.1"),
    (HANG_RECIPE_DIR, "1.0-hang5"),
)


@pytest.fixture(scope="session")
def twin_images() -> None:
    """Build the images the runs use into the shared cache first, so a run's time limit
    measures the run (a fresh clone compiles them once here, under the cache's lock)."""
    from farm.build import build_firmware

    for recipe, version in IMAGES:
        build_firmware(recipe, version, TWIN_BSP, cache_dir=CACHE_DIR)


@pytest.fixture
def hil_project(tmp_path: Path, twin_images: None) -> Iterator[MakeProject]:
    """Factory: ``hil_project(["NUCLEO_L476RG", ...])`` -> a :class:`HilProject`, one twin per
    target. Teardown kills any QEMU the project left (so one failure does not leak into later
    tests) and removes the twins' scratch directories from the shared cache."""
    made: list[HilProject] = []

    def make(targets: list[str]) -> HilProject:
        token = f"hil{uuid.uuid4().hex[:8]}"
        boards = {f"{token}-{i}": target for i, target in enumerate(targets, start=1)}
        root = tmp_path / f"project{len(made)}"
        _write_project(root, boards)
        project = HilProject(root, boards, token)
        made.append(project)
        return project

    yield make
    for project in made:
        for pid in project.qemu_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for board in project.boards:
            shutil.rmtree(CACHE_DIR / "boards" / board, ignore_errors=True)
