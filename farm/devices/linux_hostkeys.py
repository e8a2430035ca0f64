"""Which SSH host keys a Linux board may present, and what happens when it presents another.

Sources, in order: the inventory's ``ssh.known_host_key`` (pinned), then the user's
``~/.ssh/known_hosts`` and the farm's own ``<state_dir>/ssh_known_hosts``. An unknown or
changed key refuses the connection before authentication, so no command can run. Only
``ssh.accept_new_host_key: true`` trusts a *new* host on first use, with a warning, and records
its key in the farm's file; a *changed* key is never accepted automatically. Host key checking
is never disabled.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from farm.errors import HostKeyError, InventoryError

log = logging.getLogger(__name__)

TrustedKeys = tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]]


@dataclass(frozen=True)
class HostKeyPolicy:
    """Host key sources and first-use rule for one board."""

    board: str
    host: str
    port: int
    known_host_key: str | None = None
    accept_new_host_key: bool = False
    user_known_hosts: Path | None = Path("~/.ssh/known_hosts")
    farm_known_hosts: Path | None = None

    @property
    def host_pattern(self) -> str:
        """The host as known_hosts writes it (``[host]:port`` for a non-default port)."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    def files(self) -> list[Path]:
        """The known_hosts files that exist, user's first."""
        paths = [self.user_known_hosts, self.farm_known_hosts]
        return [p.expanduser() for p in paths if p is not None and p.expanduser().is_file()]

    def source(self) -> str:
        """Where the expected key comes from, for messages."""
        if self.known_host_key:
            return "ssh.known_host_key in the inventory"
        return " or ".join(str(p) for p in self.files()) or "known_hosts"


def _address(policy: HostKeyPolicy) -> str:
    """The host's IP address, so known_hosts entries by address match a board named by host."""
    try:
        return socket.getaddrinfo(policy.host, policy.port, type=socket.SOCK_STREAM)[0][4][0]
    except OSError:
        return policy.host


def pinned_key(policy: HostKeyPolicy) -> asyncssh.SSHKey:
    """The inventory's ``known_host_key`` line as a key (bad text is an inventory error)."""
    assert policy.known_host_key is not None
    try:
        return asyncssh.import_public_key(policy.known_host_key.strip())
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise InventoryError(
            f"board '{policy.board}': ssh.known_host_key is not an OpenSSH public key line "
            f"({exc}); expected e.g. 'ssh-ed25519 AAAAC3Nz...'",
            field="ssh.known_host_key",
        ) from exc


async def _server_host_key(policy: HostKeyPolicy, timeout_s: float) -> asyncssh.SSHKey | None:
    probe = asyncssh.get_server_host_key(policy.host, policy.port, config=None)
    return await asyncio.wait_for(probe, timeout_s)


async def offered_fingerprint(policy: HostKeyPolicy, timeout_s: float) -> str:
    """The fingerprint the host presents (key exchange only: no authentication, no command)."""
    try:
        key = await _server_host_key(policy, timeout_s)
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        return f"(could not read it: {exc})"
    if key is None:
        return "(none)"
    return f"{key.get_algorithm()} {key.get_fingerprint()}"


async def trusted_keys(policy: HostKeyPolicy, timeout_s: float) -> TrustedKeys:
    """Keys to trust for this connection; raises :class:`HostKeyError` for an unknown host."""
    if policy.known_host_key:
        return [pinned_key(policy)], [], []
    files = policy.files()
    if files:
        known = asyncssh.read_known_hosts([str(p) for p in files])
        host_keys, ca_keys, revoked, *_ = known.match(policy.host, _address(policy), policy.port)
        if host_keys or ca_keys:
            return list(host_keys), list(ca_keys), list(revoked)
    offered = await offered_fingerprint(policy, timeout_s)
    if not policy.accept_new_host_key:
        raise HostKeyError(
            f"board '{policy.board}': SSH host key of {policy.host}:{policy.port} is unknown "
            f"(it offers {offered}); refusing to connect, no command was run; verify the key on "
            "the board (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then set "
            "ssh.known_host_key in the inventory or add it to ~/.ssh/known_hosts, or set "
            "ssh.accept_new_host_key: true to trust it on first use",
            board=policy.board,
        )
    return [await _accept_on_first_use(policy, timeout_s)], [], []


async def _accept_on_first_use(policy: HostKeyPolicy, timeout_s: float) -> asyncssh.SSHKey:
    try:
        key = await _server_host_key(policy, timeout_s)
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        raise HostKeyError(
            f"board '{policy.board}': cannot read the SSH host key of {policy.host}:{policy.port} "
            f"({exc}); check that the board is up and ssh.host/ssh.port are right",
            board=policy.board,
        ) from exc
    if key is None:
        raise HostKeyError(
            f"board '{policy.board}': {policy.host}:{policy.port} presented no host key; "
            "refusing to connect",
            board=policy.board,
        )
    line = key.export_public_key("openssh").decode().split()
    log.warning(
        "board %s: trusting NEW SSH host key %s %s of %s on first use "
        "(ssh.accept_new_host_key: true); recorded in %s",
        policy.board, key.get_algorithm(), key.get_fingerprint(), policy.host_pattern,
        policy.farm_known_hosts,
    )  # fmt: skip
    if policy.farm_known_hosts is not None:
        path = policy.farm_known_hosts.expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write(f"{policy.host_pattern} {line[0]} {line[1]}\n")
    return key


def changed_key_error(policy: HostKeyPolicy, offered: str) -> HostKeyError:
    """The error for a host whose key does not match the expected one."""
    return HostKeyError(
        f"board '{policy.board}': SSH host key of {policy.host}:{policy.port} does not match "
        f"{policy.source()} (it offers {offered}); refusing to connect, no command was run: the "
        "board was reinstalled or the connection is intercepted; if the change is expected, "
        f"verify the new key on the board and update {policy.source()}",
        board=policy.board,
    )
