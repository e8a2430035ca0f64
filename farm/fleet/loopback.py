"""A whole fleet on 127.0.0.1: Prefect server, S3 server, one worker per lab PC.

``make fleet-demo`` and the tests under ``testing/fleet/`` use it. Every process is started in
its own process group and stopped (SIGTERM, then SIGKILL) by :meth:`LoopbackFleet.stop`, which
also runs at interpreter exit; a parent killed outright takes them with it (PR_SET_PDEATHSIG,
:mod:`farm.child_process`), so nothing outlives the demo or a test. The Prefect server gets a
temporary ``PREFECT_HOME`` (SQLite), analytics off, basic auth, and the filesystem lease
storage a lab server must use; moto's S3 server stands in for MinIO.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from farm.child_process import die_with_parent
from farm.fleet import HOST_ENV, POOL

LEASE_STORAGE = "prefect.server.concurrency.lease_storage.filesystem"
BUCKET = "joulefarm"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


@dataclass
class LoopbackFleet:
    """Servers and workers of a loopback fleet (use as a context manager)."""

    project: Path
    hosts: tuple[str, ...] = ("pc-a", "pc-b")
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="farm-fleet-")))
    auth: str = field(default_factory=lambda: f"farm:{secrets.token_hex(12)}")
    heartbeat_s: int = 5
    worker_env: dict[str, str] = field(default_factory=dict)
    """Extra environment of every worker (and so of its shards)."""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    prefect_port: int = 0
    s3_port: int = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    def client_env(self) -> dict[str, str]:
        """Environment of a fleet client (dispatcher, CLI): Prefect API, auth, store."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FARM_S3"))}
        env.update({
            "PREFECT_HOME": str(self.root / "client-home"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_API_AUTH_STRING": self.auth,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "FARM_S3_ENDPOINT": f"127.0.0.1:{self.s3_port}",
            "FARM_S3_BUCKET": BUCKET,
            "FARM_S3_ACCESS_KEY": "testing",
            "FARM_S3_SECRET_KEY": "testing",
            "FARM_S3_SECURE": "false",
            "FARM_S3_REGION": "us-east-1",
            "FARM_STORE_CONFIG": str(self.root / "no-store.toml"),
            "FARM_FLEET_CONFIG": str(self.root / "no-fleet.toml"),
        })  # fmt: skip
        return env

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = (self.root / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            cmd, cwd=self.project, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )  # fmt: skip

    def start_s3(self) -> None:
        self.s3_port = free_port()
        self._spawn("s3", [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)],
                    dict(os.environ))  # fmt: skip
        deadline = time.monotonic() + 60
        while not _http_ok(f"http://127.0.0.1:{self.s3_port}/", None):
            self._check_alive("s3", deadline)
        from minio import Minio

        Minio(f"127.0.0.1:{self.s3_port}", "testing", "testing", secure=False,
              region="us-east-1").make_bucket(BUCKET)  # fmt: skip

    def server_env(self) -> dict[str, str]:
        env = self.client_env()
        env.update({
            "PREFECT_HOME": str(self.root / "server-home"),
            "PREFECT_SERVER_API_AUTH_STRING": self.auth,
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": LEASE_STORAGE,
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
        })  # fmt: skip
        return env

    def start_server(self) -> None:
        if not self.prefect_port:
            self.prefect_port = free_port()
        cmd = [_bin("prefect"), "server", "start", "--host", "127.0.0.1",
               "--port", str(self.prefect_port)]  # fmt: skip
        self._spawn("server", cmd, self.server_env())
        deadline = time.monotonic() + 180
        while not _http_ok(f"{self.api_url}/health", self.auth):
            self._check_alive("server", deadline)

    def stop_server(self) -> None:
        self._stop("server")

    def start_worker(self, host: str, extra_env: dict[str, str] | None = None) -> None:
        env = self.client_env()
        env.update({
            HOST_ENV: host,
            "PREFECT_HOME": str(self.root / f"worker-{host}"),
            "PREFECT_WORKER_HEARTBEAT_SECONDS": str(self.heartbeat_s),
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "FARM_CACHE_DIR": str(self.root / host / "cache"),
            "FARM_LOCK_DIR": str(self.root / host / "locks"),
            **self.worker_env,
            **(extra_env or {}),
        })  # fmt: skip
        self._spawn(f"worker-{host}", [_bin("prefect"), "worker", "start", "--pool", POOL,
                                       "--work-queue", host, "--name", host, "--type", "process"],
                    env)  # fmt: skip

    def wait_workers(self, timeout_s: float = 120.0) -> None:
        """Until every worker has sent a heartbeat."""
        deadline = time.monotonic() + timeout_s
        while not set(self.hosts) <= set(self.worker_names()):
            for host in self.hosts:
                self._check_alive(f"worker-{host}", deadline)

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        """Call the Prefect REST API with the fleet's credentials; (status, JSON body)."""
        return api_call(self.api_url, method, path, body, self.auth)

    def worker_names(self) -> list[str]:
        status, body = self.api("POST", f"/work_pools/{POOL}/workers/filter", {})
        return [w["name"] for w in body] if status == 200 and isinstance(body, list) else []

    def deploy(self, inventory: Path) -> None:
        cmd = [_bin("farm"), "fleet", "deploy"]
        env = {**self.client_env(), "FARM_INVENTORY": str(inventory)}
        subprocess.run(cmd, cwd=self.project, env=env, check=True, stdout=subprocess.DEVNULL)

    def start(self, inventory: Path) -> LoopbackFleet:
        """S3 server, Prefect server, deployment, then one worker per host."""
        atexit.register(self.stop)
        self.start_s3()
        self.start_server()
        self.deploy(inventory)
        for host in self.hosts:
            self.start_worker(host)
        self.wait_workers()
        return self

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything it started (a lab PC losing power). Prefect starts
        flow runs in their own session, so descendants are found through /proc, not the group."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        for pid in [proc.pid, *descendants(proc.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        family = descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in family + descendants(proc.pid):  # orphans of a flow run's own session
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self, keep: bool = False) -> None:
        """Stop workers, then the servers; remove the temporary root unless ``keep``."""
        for name in sorted(self.procs, key=lambda n: (not n.startswith("worker"), n)):
            self._stop(name)
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def _check_alive(self, name: str, deadline: float) -> None:
        proc = self.procs[name]
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = (self.root / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"loopback fleet: {name} did not come up:\n{tail}")
        time.sleep(0.5)

    def __enter__(self) -> LoopbackFleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _http_ok(url: str, auth: str | None) -> bool:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status < 500)
    except (urllib.error.URLError, OSError):
        return False


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux /proc), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out.extend(children)
        todo.extend(children)
    return out


def api_call(
    api_url: str, method: str, path: str, body: dict | None, auth: str | None
) -> tuple[int, object]:
    """One REST call to a Prefect server; (HTTP status, decoded JSON or None)."""
    import json

    data = json.dumps(body).encode() if body is not None else None
    for _attempt in range(10):  # 503: SQLite busy on a loaded PC (Prefect says "retry later")
        request = urllib.request.Request(api_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            token = base64.b64encode(auth.encode()).decode()
            request.add_header("Authorization", "Basic " + token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                return exc.code, None
        time.sleep(1.0)
    return 503, None
