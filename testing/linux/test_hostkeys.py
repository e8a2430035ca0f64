"""Host keys: a wrong or unknown key refuses the connection and no command runs."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncssh
import pytest

from farm.devices.linux_hostkeys import HostKeyPolicy
from farm.errors import HostKeyError, InfraError, InventoryError
from farm.virtual.ssh_server import VirtualSshServer
from testing.linux.twins import board_for


def other_key_line() -> str:
    key = asyncssh.generate_private_key("ssh-ed25519")
    return key.export_public_key("openssh").decode().strip()


def policy(server: VirtualSshServer, tmp_path: Path, **kw: object) -> HostKeyPolicy:
    return HostKeyPolicy(board=server.name, host=server.host, port=server.port,
                         user_known_hosts=tmp_path / "user_known_hosts",
                         farm_known_hosts=tmp_path / "farm" / "ssh_known_hosts",
                         **kw)  # type: ignore[arg-type]  # fmt: skip


def test_wrong_pinned_key_is_refused_and_nothing_runs(jetson: VirtualSshServer,
                                                      tmp_path: Path) -> None:  # fmt: skip
    before = jetson.executed_commands()
    board = board_for(jetson, policy=policy(jetson, tmp_path, known_host_key=other_key_line()))
    with pytest.raises(HostKeyError) as info:
        board.open()
    board.close()
    message = str(info.value)
    assert "does not match ssh.known_host_key" in message and "no command was run" in message
    assert "ssh-ed25519 SHA256:" in message  # the offered key, to verify by hand
    assert isinstance(info.value, InfraError) and info.value.board == jetson.name
    assert jetson.executed_commands() == before
    assert not (jetson.sandbox_dir / ".cache").exists() or board.uploads == []


def test_unknown_host_is_refused_without_first_use_flag(jetson: VirtualSshServer,
                                                        tmp_path: Path) -> None:  # fmt: skip
    before = jetson.executed_commands()
    board = board_for(jetson, policy=policy(jetson, tmp_path))
    with pytest.raises(HostKeyError, match="is unknown .*accept_new_host_key: true"):
        board.open()
    board.close()
    assert jetson.executed_commands() == before
    assert not (tmp_path / "farm" / "ssh_known_hosts").exists()


def test_changed_key_in_known_hosts_is_refused(jetson: VirtualSshServer, tmp_path: Path) -> None:
    (tmp_path / "user_known_hosts").write_text(
        f"[{jetson.host}]:{jetson.port} {other_key_line()}\n"
    )
    board = board_for(jetson, policy=policy(jetson, tmp_path, accept_new_host_key=True))
    with pytest.raises(HostKeyError, match="does not match .*user_known_hosts"):
        board.open()  # accept_new never overrides a changed key
    board.close()


def test_accept_new_host_key_warns_records_and_is_then_pinned(
    jetson: VirtualSshServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="farm.devices.linux_hostkeys"):
        with board_for(jetson, policy=policy(jetson, tmp_path, accept_new_host_key=True)) as b:
            assert "numpy" in b.runtimes()
    assert "trusting NEW SSH host key" in caplog.text
    recorded = (tmp_path / "farm" / "ssh_known_hosts").read_text()
    key_type, key_b64 = jetson.host_key_line.split()[:2]
    assert recorded == f"[{jetson.host}]:{jetson.port} {key_type} {key_b64}\n"
    with board_for(jetson, policy=policy(jetson, tmp_path)) as again:  # now known, no flag
        again.open()


def test_known_host_key_that_is_not_a_key_is_an_inventory_error(
    jetson: VirtualSshServer, tmp_path: Path
) -> None:
    board = board_for(jetson, policy=policy(jetson, tmp_path, known_host_key="ssh-ed25519 nope"))
    with pytest.raises(InventoryError, match="ssh.known_host_key is not an OpenSSH public key"):
        board.open()
    board.close()


def test_wrong_client_key_is_an_authentication_error(jetson: VirtualSshServer,
                                                     tmp_path: Path) -> None:  # fmt: skip
    from farm.devices.linux import LinuxBoard
    from farm.devices.linux_ssh import SshTarget
    from farm.errors import SshError

    stranger = tmp_path / "stranger_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    before = jetson.executed_commands()
    ssh = SshTarget(board=jetson.name, host=jetson.host, port=jetson.port, user="farm",
                    key_path=stranger, host_keys=policy(jetson, tmp_path,
                                                        known_host_key=jetson.host_key_line))  # fmt: skip
    board = LinuxBoard(jetson.name, ssh)
    with pytest.raises(SshError, match="authentication as 'farm' failed.*ssh.key"):
        board.open()
    board.close()
    assert jetson.executed_commands() == before
