"""Open an inventory board the way the farm does, twins included.

The board registry (:mod:`farm.devices.registry`) opens real devices and knows nothing of the
virtual lab or the farm's settings. This is the one place above it that (1) starts the SSH
twin of a Linux board tagged ``virtual`` and points the production ``LinuxBoard`` driver at
it, and (2) gives ssh boards the farm's known_hosts file for keys accepted on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from farm.devices.registry import get_backend, open_board

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.linux import LinuxBoard
    from farm.devices.protocols import Board
    from farm.inventory import BoardConfig

KNOWN_HOSTS_FILE = "ssh_known_hosts"


def open_lab_board(
    config: BoardConfig,
    target: TargetSpec,
    *,
    workdir: Path,
    log_path: Path,
    state_dir: Path,
    cache_dir: Path | None = None,
) -> Board:
    """Open ``config`` (not yet entered): a twin for a virtual Linux board, else its backend.

    Args:
        config: the board's inventory entry.
        target: the catalog entry of ``config.target``.
        workdir: private scratch directory for this board.
        log_path: the per-test console log file.
        state_dir: the farm's state directory (settings ``state_dir``).
        cache_dir: the farm's cache directory (settings ``cache_dir``): a QEMU twin gets the
            cycle model's profile cache there (:mod:`farm.virtual.cycle_trace`); None leaves
            a twin on the catalog's flat factor.
    """
    if config.ssh is not None and config.ssh.known_hosts_file is None:
        ssh = config.ssh.model_copy(update={"known_hosts_file": state_dir / KNOWN_HOSTS_FILE})
        config = config.model_copy(update={"ssh": ssh})
    if is_twin(config) and not get_backend(config.backend).spec.twin:
        # A Linux board tagged virtual: its backend opens real hosts, the lab's twin stands in.
        return open_linux_twin(config, target, workdir=workdir, log_path=log_path)
    board = open_board(config, target, workdir=workdir, log_path=log_path)
    if cache_dir is not None:
        from farm.devices.qemu import QemuBoard
        from farm.virtual.cycle_trace import TraceProfileCache

        if isinstance(board, QemuBoard):
            board.cycle_profiles = TraceProfileCache(cache_dir)
    return board


def is_twin(config: BoardConfig) -> bool:
    """Does the virtual lab stand in for this board? A QEMU board always; a Linux board when
    tagged ``virtual`` (its SSH server is the lab's twin). Its rows say ``virtual``."""
    spec = get_backend(config.backend).spec
    return spec.twin or (spec.target_kind == "linux" and "virtual" in config.tags)


def open_linux_twin(
    config: BoardConfig, target: TargetSpec, *, workdir: Path, log_path: Path
) -> LinuxBoard:
    """Start the twin of a ``virtual`` Linux board on 127.0.0.1 and the driver talking to it.

    Its address, client key and pinned host key come from that server, a ``power_monitor`` of
    type ``external`` uses the twin's watts command, and tags ``without-<module>`` hide a
    Python distribution from the twin (a board lacking that runtime).
    """
    # Imported here: asyncssh and the SSH server load only for labs with Linux boards.
    from farm.devices.linux import LinuxBoard, LinuxPower
    from farm.devices.linux_hostkeys import HostKeyPolicy
    from farm.devices.linux_ssh import SshTarget
    from farm.virtual.linux_twin import start_linux_twin

    missing = tuple(t.removeprefix("without-") for t in config.tags if t.startswith("without-"))
    power_type = str(config.power_monitor.type)
    twin = start_linux_twin(config.id, config.target, power_type, Path(workdir), missing)
    policy = HostKeyPolicy(board=config.id, host=twin.host, port=twin.port,
                           known_host_key=twin.host_key_line, user_known_hosts=None)  # fmt: skip
    ssh_target = SshTarget(board=config.id, host=twin.host, port=twin.port, user="farm",
                           key_path=twin.client_key_path, host_keys=policy)  # fmt: skip
    # Twins follow a two-level model whose edges are sharp: a shorter window is as accurate
    # and keeps the virtual lab's CPU budget (the method records the window).
    rail = config.power_monitor.rail or "supply"  # a sensor's kind has its own default label
    power = LinuxPower(type=power_type, rail=rail,
                       command=twin.power_command, sample_rate_hz=100.0, baseline_s=0.1,
                       min_window_s=0.3)  # fmt: skip
    sysfs = str(twin.sysfs_root) if twin.sysfs_root is not None else "/sys"
    return LinuxBoard(config.id, ssh_target, board_target=config.target, python="python3",
                      sysfs_root=sysfs, power=power, virtual=True, clock_hz=target.max_clock_hz,
                      log_path=log_path, on_close=twin.stop)  # fmt: skip
