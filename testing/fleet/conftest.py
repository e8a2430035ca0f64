"""Fleet tests: a loopback fleet (Prefect server, moto S3, workers pc-a and pc-b) running a
fast stand-in suite in a temporary project. Skipped with a reason without the ``fleet`` extra."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "prefect", reason="farm fleet needs the 'fleet' extra: pip install -e '.[fleet]'"
)
pytest.importorskip("moto", reason="the fleet tests' S3 server is moto's: pip install -e '.[dev]'")

from farm.fleet.loopback import LoopbackFleet

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

INVENTORY = """
boards:
  - {id: l4r5-a, host: pc-a, target: NUCLEO_L4R5ZI, backend: qemu}
  - {id: f767-a, host: pc-a, target: NUCLEO_F767ZI, backend: qemu}
  - {id: u575-b, host: pc-b, target: NUCLEO_U575ZI_Q, backend: qemu}
  - id: jetson-shared
    host: [pc-a, pc-b]
    target: JETSON_ORIN_NANO
    backend: ssh
    ssh: {host: 127.0.0.1, user: farm}
"""


def make_project(root: Path) -> Path:
    """A project whose tests/ is the fast stand-in suite, with the repository's models."""
    (root / "tests").mkdir(parents=True)
    shutil.copy(HERE / "fake_suite.py.txt", root / "tests" / "test_fake.py")
    (root / "inventory.yaml").write_text(INVENTORY)
    (root / "pyproject.toml").write_text(
        "[tool.joulefarm]\n"
        f'models-dir = "{REPO / "models"}"\nfirmware-dir = "{REPO / "firmware"}"\n'
    )
    return root


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory):
    """The loopback fleet, started once for the fleet tests (about a minute on a busy PC)."""
    pytest.importorskip(
        "prefect", reason="farm fleet needs the 'fleet' extra: pip install -e '.[fleet]'"
    )
    pytest.importorskip(
        "moto", reason="the fleet tests' S3 server is moto's: pip install -e '.[dev]'"
    )
    project = make_project(tmp_path_factory.mktemp("fleet-project"))
    worker_env = {
        "FARM_FLEET_PROJECT": str(project),
        "FAKE_INTERVALS_DIR": str(project / "intervals"),
        "FAKE_SLEEP_S": "0.5",
    }
    lab = LoopbackFleet(project, heartbeat_s=2, worker_env=worker_env)
    try:
        lab.start(project / "inventory.yaml")
        yield lab
    finally:
        lab.stop()


def fleet_run(lab: LoopbackFleet, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``farm fleet run`` as a lab's CI would call it, in the test project."""
    env = {**lab.client_env(), "FARM_INVENTORY": str(lab.project / "inventory.yaml")}
    cmd = [sys.executable, "-m", "farm.cli", "fleet", "run", *args]
    return subprocess.run(
        cmd, cwd=lab.project, env=env, capture_output=True, text=True, timeout=timeout
    )


def report_of(done: subprocess.CompletedProcess) -> Path:
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].endswith("index.html"), done.stdout + done.stderr
    return Path(lines[-1])


def intervals(lab: LoopbackFleet) -> list[dict]:
    folder = lab.project / "intervals"
    return [json.loads(p.read_text()) for p in folder.glob("*.json")] if folder.is_dir() else []
