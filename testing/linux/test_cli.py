"""`farm linux hostkey|check` against virtual boards (the sub-app on its own typer root)."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from farm.cli.linux import register
from farm.virtual.ssh_server import VirtualSshServer


def app() -> typer.Typer:
    root = typer.Typer()
    root.callback()(lambda: None)
    register(root)
    return root


def test_hostkey_prints_the_line_to_pin(jetson: VirtualSshServer) -> None:
    result = CliRunner().invoke(
        app(), ["linux", "hostkey", jetson.host, "--port", str(jetson.port)]
    )
    assert result.exit_code == 0, result.output
    pinned = " ".join(jetson.host_key_line.split()[:2])
    assert f'known_host_key: "{pinned}"' in result.output
    assert "SHA256:" in result.output


def test_check_lists_runtimes_and_rails_of_a_virtual_jetson(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "boards:\n"
        "  - id: jetson-twin-01\n"
        "    target: JETSON_ORIN_NANO\n"
        "    backend: ssh\n"
        "    tags: [virtual]\n"
        "    ssh: {host: 127.0.0.1}\n"
        "    power_monitor: {type: ina3221, rail: VDD_IN}\n"
    )
    result = CliRunner().invoke(
        app(), ["linux", "check", "jetson-twin-01", "--inventory", str(inventory)]
    )
    assert result.exit_code == 0, result.output
    assert "jetson-twin-01: connected (virtual twin)" in result.output
    assert "runtime ai_edge_litert" in result.output and "runtime onnxruntime" in result.output
    assert "rail VDD_IN: " in result.output and "WARNING" not in result.output
