"""Board backends reach the inventory only through the registry: ours are this package's
``farm.boards`` entry points, and the loader checks a board with its backend's spec."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from farm.catalog import TargetSpec
from farm.devices.registry import BackendSpec, Problems, backend_names, get_backend, register_board
from farm.errors import InventoryError
from farm.inventory import BoardConfig
from farm.inventory_loader import load_inventory

ROOT = Path(__file__).parents[2]


def test_our_backends_are_this_packages_entry_points() -> None:
    ours = {e.name: e for e in entry_points(group="farm.boards") if e.dist.name == "joulefarm"}
    assert set(ours) == {"pyocd", "qemu", "ssh"}
    for name, entry in ours.items():
        assert entry.load() is get_backend(name)
    specs = {name: get_backend(name).spec for name in ours}
    assert {n: (s.target_kind, s.twin, s.shareable) for n, s in specs.items()} == {
        "pyocd": ("mcu", False, False),
        "qemu": ("mcu", True, False),
        "ssh": ("linux", False, True),
    }


def test_checking_an_inventory_imports_no_board_class(tmp_path: Path) -> None:
    """Our backends register from small modules: pyocd and asyncssh load when a board opens."""
    code = (
        "import sys; from farm.inventory_loader import load_inventory; "
        "inv = load_inventory(sys.argv[1]); "
        "print(len(inv.boards), sorted(m for m in ('asyncssh', 'pyocd', 'farm.devices.linux', "
        "'farm.devices.nucleo', 'farm.devices.qemu') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "inventory.yaml")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.split(" ", 1)[1].strip() == "[]", done.stdout
    assert int(done.stdout.split()[0]) >= 3


def test_backend_typo_names_position_and_suggests(write_inventory: Callable[[str], Path]) -> None:
    path = write_inventory("boards:\n  - {id: b1, target: NUCLEO_L4R5ZI, backend: qemux}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:2:46: board 'b1' backend='qemux' not allowed; allowed "
        f"{', '.join(backend_names())} (did you mean 'qemu'?)"
    )


def _bench_rules(config: BoardConfig, target: TargetSpec) -> Problems:
    if "bench" not in config.tags:
        return [("tags", "tags lack 'bench'; the test-bench backend drives bench boards only")]
    return []


class _BenchBoard:
    def __init__(self, config: BoardConfig, target: TargetSpec, **_: object) -> None:
        self.config = config


def test_a_backend_registered_anywhere_is_named_and_checked(
    write_inventory: Callable[[str], Path],
) -> None:
    """No core edit: the loader knows a backend only by its spec."""
    spec = BackendSpec(target_kind="linux", shareable=True, check=_bench_rules)
    register_board("test-bench", spec)(_BenchBoard)

    ok = "boards:\n  - {id: b1, target: RPI5, backend: test-bench, tags: [bench], host: [pc-a, pc-b]}\n"
    board = load_inventory(write_inventory(ok)).boards[0]
    assert (board.backend, board.hosts) == ("test-bench", ("pc-a", "pc-b"))

    path = write_inventory("boards:\n  - {id: b1, target: RPI5, backend: test-bench, tags: [x]}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:2:55: board 'b1' tags lack 'bench'; the test-bench backend drives bench boards only"
    )

    path = write_inventory(
        "boards:\n  - {id: b1, target: NUCLEO_L4R5ZI, backend: test-bench, tags: [bench]}\n"
    )
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:2:46: board 'b1' backend='test-bench' cannot drive a mcu target (NUCLEO_L4R5ZI); "
        "use pyocd or qemu"
    )


def test_only_shareable_backends_take_several_lab_pcs(
    write_inventory: Callable[[str], Path],
) -> None:
    path = write_inventory(
        "boards:\n  - {id: b1, host: [pc-a, pc-b], target: NUCLEO_L4R5ZI, backend: qemu}\n"
    )
    with pytest.raises(InventoryError, match="backend qemu is wired to one PC; only .*ssh"):
        load_inventory(path)


class _RelaySection(BaseModel):
    """A third-party backend's own section: the USB relay that power-cycles its boards."""

    model_config = ConfigDict(extra="forbid")
    port: str
    channel: int = Field(ge=1, le=8)


def test_a_backend_brings_its_own_section(write_inventory: Callable[[str], Path]) -> None:
    """A plugin backend declares ``relay:``; the loader validates it with the plugin's model."""
    spec = BackendSpec(target_kind="linux", sections={"relay": _RelaySection})
    register_board("test-relay-bench", spec)(_BenchBoard)
    head = "boards:\n  - id: b1\n    target: RPI5\n    backend: test-relay-bench\n"

    board = load_inventory(write_inventory(head + "    relay: {port: /dev/ttyACM1, channel: 3}\n"))
    relay = board.boards[0].section("relay")
    assert isinstance(relay, _RelaySection) and (relay.port, relay.channel) == ("/dev/ttyACM1", 3)
    with pytest.raises(KeyError, match="declares no section 'probe'"):
        board.boards[0].section("probe")
    bare = load_inventory(write_inventory(head)).boards[0]
    assert bare.section("relay") is None

    path = write_inventory(head + "    relay: {prot: /dev/ttyACM1, channel: 3}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value).splitlines()[1:] == [
        f"{path}:5:12: board 'b1' relay.port missing; it is required",
        f"{path}:5:13: board 'b1' unknown key 'relay.prot'; allowed keys: channel, port "
        "(did you mean 'port'?)",
    ]

    path = write_inventory(head + "    relay: {port: /dev/ttyACM1, channel: 9}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:5:42: board 'b1' relay.channel=9 invalid: Input should be less than or equal to 8"
    )

    path = write_inventory(head + "    rellay: {port: /dev/ttyACM1, channel: 3}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert "unknown key 'rellay'" in str(info.value) and "(did you mean 'relay'?)" in str(
        info.value
    )

    # A backend that declares no such section rejects it like any unknown key.
    path = write_inventory(
        "boards:\n  - {id: b1, target: RPI5, backend: ssh, relay: {port: x, channel: 1}}\n"
    )
    with pytest.raises(InventoryError, match="unknown key 'relay'"):
        load_inventory(path)
