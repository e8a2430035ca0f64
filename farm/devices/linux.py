"""Linux boards (Jetson, Raspberry Pi) reached over SSH: run a model, measure latency and energy.

The farm uploads a self-contained runner (``remote_runner.py``) and the INA3221 sampler
(``ina3221.py``) to ``~/.cache/joulefarm/`` on the board, named by content hash so they are
uploaded once; models and input tensors go to ``~/.cache/joulefarm/{models,inputs}/<sha>.<ext>``
the same way. Each run gets ``~/.cache/joulefarm/runs/<id>/`` for its status file and samples.
Linux boards are not flashed: the "firmware" is whatever runtime the board has.

Transport is asyncssh (``farm.devices.linux_ssh``); host keys are always checked
(``farm.devices.linux_hostkeys``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import os
import shlex
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from farm.devices import external_power, ina3221, remote_runner
from farm.devices.linux_hostkeys import HostKeyPolicy
from farm.devices.linux_result import (
    RemoteModelError,
    RemoteRunResult,
    RuntimeMissingError,
    build_result,
    ina3221_power,
    parse_document,
)
from farm.devices.linux_ssh import CommandResult, SshLink, SshTarget
from farm.devices.protocols import BoardFacts
from farm.errors import InventoryError, SshError
from farm.powermon.registry import Reading, get_powermon
from farm.step import step

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)

CACHE_DIR = ".cache/joulefarm"  # relative to the remote home (SFTP and commands agree)
CACHE_DAYS = 30  # cached models/inputs older than this are pruned when a lease connects
__all__ = [
    "LinuxBoard",
    "LinuxPower",
    "RemoteModelError",
    "RemoteRunResult",
    "RuntimeMissingError",
    "open_linux_board",
]


@dataclass(frozen=True)
class LinuxPower:
    """How a Linux board's power is measured (from the inventory's ``power_monitor``)."""

    type: str = "none"  # a registered power monitor kind (farm.powermon)
    rail: str = "VDD_IN"  # on-board sensor: rail label(s), comma-separated; else a row name
    command: str | None = None  # lab-side command: prints watts
    sample_rate_hz: float = 50.0  # lab-side command: re-run rate of a one-shot command
    read_period_ms: float = 0.0  # on-board sensor: sysfs read period; 0 = a quarter of its own
    baseline_s: float = 0.2  # idle rail measured just before the window
    min_window_s: float = 0.5  # the timed loop runs at least this long when measuring power
    lab_sampler: Callable[[], Any] | None = None  # lab-side driver: PowermonRailSampler

    @property
    def reading(self) -> Reading:
        """Where the kind's samples are read (the board's runner, a lab command, a driver)."""
        return get_powermon(self.type).reading


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _source(module: Any) -> bytes:
    return Path(module.__file__).read_bytes()


class LinuxBoard:
    """A Jetson or Raspberry Pi over SSH. Open once per lease; every call reuses the link."""

    capabilities: frozenset[Any] = frozenset()

    def __init__(self, name: str, target: SshTarget, *, board_target: str = "",
                 python: str = "python3", sysfs_root: str = "/sys",
                 power: LinuxPower | None = None, virtual: bool = False, clock_hz: int = 0,
                 log_path: Path | None = None,
                 on_close: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.name = name
        self.board_target = board_target
        self.virtual = virtual
        self.clock_hz = clock_hz
        self.log_path = log_path
        self._on_close = on_close
        self.python = python
        self.sysfs_root = sysfs_root
        self.power = power or LinuxPower()
        self.link = SshLink(target)
        runner, sampler = _source(remote_runner), _source(ina3221)
        self._files = {
            f"{CACHE_DIR}/runner-{_sha(runner)}.py": runner,
            f"{CACHE_DIR}/ina3221-{_sha(sampler)}.py": sampler,
        }
        self.runner_path, self.sampler_path = list(self._files)

    # --- life cycle --------------------------------------------------------------------------

    def open(self) -> LinuxBoard:
        """Connect (host key verified before anything runs) and install the runner if absent.

        On each new connection, runners left by an earlier attempt (a dropped link, a killed
        worker) are stopped first, so a retry never competes with a stale run.
        """
        if self.link.is_open:
            return self
        self.link.open()
        self._reap(f"{CACHE_DIR}/runs/*", prune_days=CACHE_DAYS)
        for remote, data in self._files.items():
            self.link.put_if_absent(data, remote)
        return self

    def _reap(self, run_dirs: str, prune_days: int = 0) -> None:
        # Kill by the pid each runner wrote in its own status file: only our runs, by id.
        script = (f'for s in {run_dirs}/status; do [ -f "$s" ] || continue; '
                  'set -- $(cat "$s"); [ -n "$2" ] && kill "$2" 2>/dev/null; '
                  'rm -rf "$(dirname "$s")"; done; true')  # fmt: skip
        if prune_days:  # models and inputs nobody uploaded for a month: keep the cache bounded
            script += (f"; find {CACHE_DIR}/models {CACHE_DIR}/inputs -type f "
                       f"-mtime +{prune_days} -delete 2>/dev/null; true")  # fmt: skip
        result = self.link.run(script, timeout_s=30.0)
        if result.returncode != 0:
            log.warning("board %s: cleaning stale runs failed: %s", self.name, result.stderr)

    def close(self) -> None:
        """Close the SSH connection (and stop a virtual board's server)."""
        self.link.close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    @property
    def facts(self) -> BoardFacts:
        """Board facts for result rows; ``virtual`` boards run on the lab PC's CPU."""
        return BoardFacts(board_id=self.name, target=self.board_target, clock_hz=self.clock_hz,
                          virtual=self.virtual, machine="ssh")  # fmt: skip

    def __enter__(self) -> LinuxBoard:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def uploads(self) -> list[str]:
        """Remote paths uploaded through this board object (cache hits are not listed)."""
        return list(self.link.uploads)

    # --- queries -----------------------------------------------------------------------------

    def runtimes(self, *, timeout_s: float = 60.0) -> dict[str, str]:
        """Runtimes importable by the board's python, name -> version (numpy included)."""
        doc = self._runner([self.runner_path, "--detect", "--json"], timeout_s)
        return dict(doc.get("runtimes", {}))

    def power_rails(self, *, timeout_s: float = 30.0) -> dict[str, list[str]]:
        """INA3221 rails under the board's ``sysfs_root``: label -> sysfs files read."""
        command = self._command([self.sampler_path, "--list", "--sysfs-root", self.sysfs_root])
        self.open()
        result = self.link.run(command, timeout_s=timeout_s)
        return dict(self._parse(result))

    @step("run model", args=("model_path", "warmup", "iterations"))
    def run_model(self, model_path: Path, inputs: list[np.ndarray], *, warmup: int = 5,
                  iterations: int = 50, threads: int = 1, timeout_s: float = 300.0,
                  power: bool = True, resolver: str = "ref") -> RemoteRunResult:  # fmt: skip
        """Run ``model_path`` (.tflite or .onnx) on the board.

        Args:
            model_path: Model file on the lab PC (uploaded once, by content hash).
            inputs: One array per inference input, in the model's dtype (int8 for int8 models).
                Outputs are returned for each; the timed loop repeats input 0.
            warmup: Untimed invocations before the timed loop.
            iterations: Timed invocations (more run when power needs a longer window).
            threads: Runtime threads (LiteRT ``num_threads``, onnxruntime intra-op threads).
            timeout_s: Limit for the remote command (also enforced on the board).
            power: Measure energy with the board's monitor (ignored when it has none).
            resolver: ``ref`` (LiteRT BUILTIN_REF kernels: bit-exact vs the host reference)
                or ``default`` (optimized kernels, for speed).

        Raises:
            RuntimeMissingError: the board cannot run this format (a skip, with the reason).
            RemoteModelError: the runtime rejected the model or the inputs (a test failure).
            SshError: connection lost, timeout, or the runner failed (infra, retried).
            HostKeyError: the board's host key is unknown or changed (nothing was run).
        """
        if not inputs:
            raise ValueError("run_model needs at least one input array")
        self.open()
        model = Path(model_path).read_bytes()
        remote_model = f"{CACHE_DIR}/models/{_sha(model)}{Path(model_path).suffix.lower()}"
        self.link.put_if_absent(model, remote_model)
        remote_inputs = [self._put_array(a) for a in inputs]
        run_dir = f"{CACHE_DIR}/runs/{uuid.uuid4().hex[:12]}"
        reading = self.power.reading
        on_board = reading is Reading.ON_BOARD
        lab_side = reading is Reading.LAB_COMMAND or self.power.lab_sampler is not None
        measure = power and (on_board or lab_side)
        args = [self.runner_path, "--model", remote_model, "--inputs", *remote_inputs,
                "--warmup", str(warmup), "--iterations", str(iterations), "--threads",
                str(threads), "--resolver", resolver, "--work-dir", run_dir, "--status-file",
                f"{run_dir}/status", "--deadline-s", str(timeout_s + 10), "--json"]  # fmt: skip
        if measure:
            args += ["--baseline-s", str(self.power.baseline_s),
                     "--min-window-s", str(self.power.min_window_s)]  # fmt: skip
        if measure and on_board:
            args += ["--power-rails", self.power.rail, "--power-period-ms",
                     str(self.power.read_period_ms), "--sysfs-root", self.sysfs_root,
                     "--sampler", self.sampler_path]  # fmt: skip
        monitor = self._lab_monitor() if measure and lab_side else None
        try:
            command_result, doc = self._run_runner(args, timeout_s, run_dir)
        finally:
            samples = monitor.stop() if monitor is not None else []
        measurement = None
        if measure and on_board:
            measurement = ina3221_power(doc["power"], doc["window"]["inferences"], self.name)
        elif monitor is not None:
            measurement = external_power.external_measurement(
                monitor.command, command_result.stderr_lines, samples, doc["window"],
                monitor=self.power.type, extra_method=getattr(monitor, "method", None),
                rail=self.power.rail,
            )  # fmt: skip
        return build_result(doc, self.name, measurement, self._method(doc, model_path, measure))

    # --- internals ---------------------------------------------------------------------------

    def _lab_monitor(self) -> Any:
        """Start the lab-PC side monitor (external command or a farm.powermon device)."""
        if self.power.reading is Reading.LAB_COMMAND:
            assert self.power.command is not None
            return external_power.ExternalCommandMonitor(
                self.name, self.power.command, sample_rate_hz=self.power.sample_rate_hz
            ).start()
        assert self.power.lab_sampler is not None
        return self.power.lab_sampler().start()

    def _put_array(self, array: np.ndarray) -> str:
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        data = buffer.getvalue()
        remote = f"{CACHE_DIR}/inputs/{_sha(data)}.npy"
        self.link.put_if_absent(data, remote)
        return remote

    def _command(self, args: list[str]) -> str:
        return " ".join([self.python, *(shlex.quote(a) for a in args)])

    def _runner(self, args: list[str], timeout_s: float) -> dict[str, Any]:
        return self._parse(self.link.run(self._command(args), timeout_s=timeout_s))

    def _run_runner(self, args: list[str], timeout_s: float,
                    run_dir: str) -> tuple[CommandResult, dict[str, Any]]:  # fmt: skip
        cleanup = f" ; rc=$? ; rm -rf {shlex.quote(run_dir)} ; exit $rc"
        command = self._command(args) + cleanup
        try:
            result = self.link.run(command, timeout_s=timeout_s)
        except SshError as exc:
            self._log(f"$ {command}\n!! {exc}\n")
            if self.link.is_open:  # timed out on a live link: stop that run on the board
                with contextlib.suppress(SshError):
                    self._reap(shlex.quote(run_dir))
            raise
        self._log(f"$ {command}\n{result.stderr}\n[exit {result.returncode}, "
                  f"{result.duration_s:.2f} s]\n")  # fmt: skip
        return result, parse_document(self._parse(result), self.name)

    def _log(self, text: str) -> None:
        # Device output goes to the per-test log whose path the failure messages name.
        if self.log_path is not None:
            with open(self.log_path, "a") as handle:
                handle.write(f"[{self.name}] {text}")

    def _parse(self, result: CommandResult) -> dict[str, Any]:
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        try:
            return json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError) as exc:
            tail = result.stderr.strip().splitlines()[-5:]
            raise SshError(
                f"board '{self.name}': the remote runner gave no JSON (exit "
                f"{result.returncode}); its stderr ends with: {' | '.join(tail) or '(empty)'}; "
                f"check that ssh.python ('{self.python}') is Python >= 3.8 with numpy",
                board=self.name,
            ) from exc

    def _method(self, doc: dict[str, Any], model_path: Path, measured: bool) -> dict[str, Any]:
        return {
            "board": self.name,
            "target": self.board_target,
            "transport": "ssh",
            "runtime": f"{doc['runtime']['name']} {doc['runtime']['version']}",
            "resolver": doc.get("resolver"),
            "timer": "time.perf_counter_ns around invoke()/run() on the board",
            "iterations_requested": doc.get("iterations_requested"),
            "python": doc.get("python"),
            "machine": doc.get("machine"),
            "model": os.fspath(model_path),
            "power": self.power.type if measured else "none",
            "virtual": self.virtual,
            "runner_protocol": doc.get("protocol"),
            # Energy per inference is window energy / N: when the loop is preempted or its own
            # overhead matters (tiny models), this fraction is well below 1.
            "invoke_fraction_of_window": _fraction(doc["window"]),
        }


def _fraction(window: dict[str, Any]) -> float | None:
    span = window["end_s"] - window["start_s"]
    return window.get("invoke_s", 0.0) / span if span > 0 else None


def open_linux_board(board: BoardConfig, *, known_hosts: Path,
                     clock_hz: int = 0, log_path: Path | None = None) -> LinuxBoard:  # fmt: skip
    """A :class:`LinuxBoard` for an inventory entry with ``backend: ssh`` (not yet opened).

    Args:
        board: The inventory entry (``ssh`` and ``power_monitor`` sections are read).
        known_hosts: The farm's known_hosts file, recording keys accepted on first use
            (``ssh.known_hosts_file`` of the entry wins when set).
        clock_hz: The target's clock for the board facts (catalog ``max_clock_hz``).
        log_path: Per-test log the runner's stderr is appended to.
    """
    ssh = board.ssh
    if ssh is None:
        raise InventoryError(
            f"board '{board.id}': backend ssh needs an 'ssh' section (host, user, key)",
            field="ssh",
        )
    policy = HostKeyPolicy(
        board=board.id,
        host=ssh.host,
        port=ssh.port,
        known_host_key=ssh.known_host_key,
        accept_new_host_key=ssh.accept_new_host_key,
        farm_known_hosts=ssh.known_hosts_file or known_hosts,
    )
    key = Path(ssh.key).expanduser() if ssh.key is not None else None
    target = SshTarget(board=board.id, host=ssh.host, port=ssh.port, user=ssh.user,
                       key_path=key, host_keys=policy)  # fmt: skip
    pm = board.power_monitor
    sampler = None
    if get_powermon(pm.type).reading is Reading.LAB_DRIVER:  # our powermon drivers read it
        from farm.devices.linux_powermon import PowermonRailSampler

        sampler = functools.partial(PowermonRailSampler.for_board, board)
    power = LinuxPower(
        type=pm.type,
        rail=pm.rail or "supply",  # a sensor's kind has its own default label
        command=pm.command,
        # the inventory's default rate is a V3PWR rate; a command is re-run at most 200/s
        sample_rate_hz=min(float(pm.sample_rate_hz), external_power.MAX_RATE_HZ),
        lab_sampler=sampler,
    )
    return LinuxBoard(board.id, target, board_target=board.target, python=ssh.python,
                      sysfs_root=ssh.sysfs_root, power=power, clock_hz=clock_hz,
                      log_path=log_path)  # fmt: skip


def linux_board(config: BoardConfig, target: TargetSpec, *, workdir: Path,
                log_path: Path) -> LinuxBoard:  # fmt: skip
    """Backend ``ssh`` of the board registry (opened by the caller's ``with``).

    Keys accepted on first use go to ``ssh.known_hosts_file`` (the farm fills in its state
    directory's file), else to ``ssh_known_hosts`` in ``workdir``. Virtual boards (tag
    ``virtual``) are opened by :func:`farm.virtual.boards.open_lab_board`, which starts the twin.
    """
    return open_linux_board(config, known_hosts=Path(workdir) / "ssh_known_hosts",
                            clock_hz=target.max_clock_hz, log_path=log_path)  # fmt: skip
