"""Matrix expansion: pools, ids, selection and skip reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.discovery import discover_firmware, discover_models
from farm.errors import OptionError
from farm.inventory_loader import load_inventory
from farm.matrix import NaKind, Selection, Status, build_pools, expand
from testing.core.conftest import FIVE_BOARDS, HARNESS, THREE_MODELS, make_project, run_farm


def _matrix(root: Path, selection: Selection = Selection()):
    catalog = Catalog.load()
    return expand(
        load_inventory(root / "inventory.yaml", catalog),
        catalog,
        discover_models(root / "models"),
        discover_firmware(root / "firmware"),
        selection,
        checks=[],
    )


def test_five_boards_three_models_two_versions(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    items = _matrix(tmp_path).items
    # 3 models x (4 MCU pools x 2 firmware + 1 Linux pool, which runs no firmware)
    assert len(items) == 3 * (4 * 2 + 1)
    by_id = {i.id: i for i in items}
    assert by_id["kws_s-l4r5-01-harness@1.0"].status is Status.RUN
    assert by_id["ad.onnx-rpi5-01"].status is Status.RUN
    assert by_id["ad.onnx-rpi5-01"].firmware is None
    onnx_mcu = by_id["ad.onnx-g431-01-harness@1.0"]
    assert onnx_mcu.status is Status.NA and "onnx model on MCU" in onnx_mcu.reason
    assert onnx_mcu.na_kind is NaKind.MODEL_FORMAT
    big = by_id["vww_big-g431-01-harness@1.0"]
    assert big.reason == "does not fit: model blob 400000 B > flash 131072 B of NUCLEO_G431RB"
    assert by_id["vww_big-l4r5-01-harness@1.0"].status is Status.RUN


def test_farm_matrix_json_lists_the_same_items(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    done = run_farm("matrix", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert len(records) == 27
    assert {tuple(sorted(r)) for r in records} == {
        ("board", "firmware", "id", "model", "model_in_image", "reason", "status", "target")
    }
    assert not any(r["model_in_image"] for r in records)  # the harness loads a blob
    assert {r["id"] for r in records} == {i.id for i in _matrix(tmp_path).items}
    statuses = [r["status"] for r in records]
    assert statuses.count("n/a") == 8  # onnx on 4 MCU pools x 2 firmware: never runs
    assert statuses.count("skip") == 2  # vww_big does not fit g431 (x 2 firmware): could run
    assert statuses.count("run") == 17
    assert {r["firmware"] for r in records if r["board"] == "rpi5-01"} == {None}


def test_pools_group_same_target_and_backend(tmp_path: Path) -> None:
    boards = (
        "  - {id: a1, target: NUCLEO_L4R5ZI, backend: qemu}\n"
        "  - {id: a2, target: NUCLEO_L4R5ZI, backend: qemu}\n"
        "  - {id: a3, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: u3}}\n"
        "  - {id: a4, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: u4}}\n"
        "  - {id: b1, target: NUCLEO_F767ZI, backend: qemu}\n"
    )
    make_project(tmp_path, boards)
    inventory = load_inventory(tmp_path / "inventory.yaml")
    pools = {p.id: p.board_ids for p in build_pools(inventory.boards, Catalog.load())}
    assert pools == {
        "b1": ("b1",),
        "nucleo_l4r5zi-pyocd": ("a3", "a4"),
        "nucleo_l4r5zi-qemu": ("a1", "a2"),
    }
    picked = build_pools(inventory.boards, Catalog.load(), ("a1", "b*"))
    assert [p.id for p in picked] == ["b1", "a1"] or [p.id for p in picked] == ["a1", "b1"]


def test_selection_globs(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    selection = Selection.parse(models="kws*,ad.onnx", targets="NUCLEO_*", firmware="harness@1.1")
    items = _matrix(tmp_path, selection).items
    assert len(items) == 2 * 4 * 1
    assert {i.firmware.key for i in items if i.firmware} == {"harness@1.1"}
    with pytest.raises(OptionError, match="--farm-models"):
        Selection.parse(models=" , ")


def test_firmware_not_built_for_the_core_is_na(tmp_path: Path) -> None:
    m7_only = {"m7fw": "name: m7fw\nversions:\n  '2.0': {}\ncores: [cortex-m7]\nbuild: {x: y}\n"}
    make_project(tmp_path, FIVE_BOARDS, {"kws_s.tflite": None}, {**HARNESS, **m7_only})
    by_id = {i.id: i for i in _matrix(tmp_path).items}
    assert by_id["kws_s-f767-01-m7fw@2.0"].status is Status.RUN
    never = by_id["kws_s-l4r5-01-m7fw@2.0"]
    assert never.status is Status.NA and never.na_kind is NaKind.FIRMWARE_TARGET
    assert never.reason == "firmware m7fw@2.0 is not built for NUCLEO_L4R5ZI (cortex-m4f)"
