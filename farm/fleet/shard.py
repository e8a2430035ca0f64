"""What the ``run-shard`` flow does on a lab PC (Prefect-free, so it is testable on its own).

1. check the request (farm parameters only) and that this worker serves the requested PC;
2. fetch the PC's test ids from the store, run ``pytest tests -n auto`` on them with the PC's
   view of the inventory (``FARM_FLEET_HOST``), the shard plugin uploading each row as it ends;
3. sweep: upload whatever the store still lacks; report counts (also to the store).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import farm
from farm.build.cache import entry_valid
from farm.errors import OptionError
from farm.fleet import HOST_ENV, PROJECT_ENV
from farm.fleet.keys import items_key, shard_key
from farm.fleet.request import ShardRequest
from farm.fleet.upload import ShardUploader
from farm.results.store import RunStore

log = logging.getLogger(__name__)

#: pytest exit codes that mean "the shard ran" (0 passed, 1 product failures, 6 infra only).
RAN = (0, 1, 6)


@dataclass
class ShardResult:
    """What one shard did."""

    run_id: str
    host: str
    machine: str
    pid: int
    exit_code: int
    rows: int
    uploaded: int
    upload_failed: list[str] = field(default_factory=list)
    cache_entries: int = 0
    duration_s: float = 0.0


class ShardRefusedError(OptionError):
    """A shard request this worker must not run (wrong PC, bad parameters)."""


def project_dir() -> Path:
    """The checkout whose ``tests/`` the shard runs."""
    env = os.environ.get(PROJECT_ENV)
    root = Path(env) if env else Path(farm.__file__).resolve().parent.parent
    if not (root / "tests").is_dir():
        raise ShardRefusedError(
            f"fleet project '{root}': no tests/ directory; set {PROJECT_ENV} on the worker to "
            "the joulefarm checkout"
        )
    return root


def served_host() -> str:
    """The lab PC this worker serves (``FARM_FLEET_HOST``, else the short host name)."""
    return os.environ.get(HOST_ENV) or socket.gethostname().split(".")[0]


def check_host(request: ShardRequest) -> None:
    """Refuse a shard meant for another PC (a misrouted flow run never touches our boards)."""
    here = served_host()
    if here != request.host:
        raise ShardRefusedError(
            f"shard for host '{request.host}' reached the worker of '{here}'; start the worker "
            f"with {HOST_ENV}={request.host} and --work-queue {request.host}"
        )


def check_inventory(request: ShardRequest, inventory: Path) -> None:
    """Refuse when this PC's inventory is not the dispatcher's (the plan would not match)."""
    if request.inventory_sha256 is None:
        return
    try:
        here = hashlib.sha256(inventory.read_bytes()).hexdigest()
    except OSError as exc:
        raise ShardRefusedError(f"inventory '{inventory}': cannot read it ({exc})") from exc
    if here != request.inventory_sha256:
        raise ShardRefusedError(
            f"inventory '{inventory}' on {request.host} differs from the dispatcher's (sha256 "
            f"{here[:12]} != {request.inventory_sha256[:12]}); deploy the same inventory.yaml "
            "to every lab PC (or set FARM_INVENTORY on the worker)"
        )


def _cache_entries(cache_dir: Path) -> int:
    if not cache_dir.is_dir():
        return 0
    return sum(1 for p in cache_dir.iterdir() if p.is_dir() and entry_valid(p, p.name))


def run_shard_here(request: ShardRequest, store: RunStore) -> ShardResult:
    """Run the shard of ``request`` on this PC; raises ShardRefusedError before pytest starts."""
    check_host(request)
    started = time.monotonic()
    project = project_dir()
    from farm.settings import resolve_settings

    values = resolve_settings(cwd=project).values
    check_inventory(request, values.inventory)
    root = values.cache_dir.parent / "fleet" / request.host
    run_dir = root / request.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    items = store.get_bytes(items_key(request.run_id, request.host))
    if items is None:
        raise ShardRefusedError(
            f"shard '{request.run_id}' for '{request.host}': no test list in store "
            f"'{store.name}'; start runs with 'farm fleet run'"
        )
    items_file = run_dir.parent / f"{request.run_id}.items.json"
    items_file.write_bytes(items)
    opts = list(request.pytest_options)
    workers = [] if "-n" in opts else ["-n", "auto"]
    cmd = [sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider",
           "-p", "farm.fleet.shard_plugin", f"--fleet-items={items_file}",
           f"--farm-run-id={request.run_id}", f"--farm-reports-dir={root}",
           *workers, *request.selection_args(), *opts]  # fmt: skip
    env = {**os.environ, HOST_ENV: request.host}
    log.info("shard %s/%s: %s", request.run_id, request.host, " ".join(cmd))
    with (run_dir.parent / f"{request.run_id}.pytest.log").open("wb") as out:
        code = subprocess.run(
            cmd, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    uploader = ShardUploader(store, run_dir)
    sent, failed = uploader.sweep()
    result = ShardResult(
        run_id=request.run_id,
        host=request.host,
        machine=socket.gethostname(),
        pid=os.getpid(),
        exit_code=code,
        rows=len(list((run_dir / "rows").glob("*.json"))),
        uploaded=sent,
        upload_failed=failed,
        cache_entries=_cache_entries(values.cache_dir),
        duration_s=round(time.monotonic() - started, 1),
    )
    store.put_bytes(shard_key(request.run_id, request.host), json.dumps(asdict(result)).encode())
    if code not in RAN:
        tail = (run_dir.parent / f"{request.run_id}.pytest.log").read_text(errors="replace")
        raise RuntimeError(
            f"shard {request.run_id}/{request.host}: pytest exited {code}:\n"
            + "\n".join(tail.splitlines()[-20:])
        )
    return result


def result_dict(result: ShardResult) -> dict[str, Any]:
    """JSON-ready form (the flow's return value)."""
    return asdict(result)
