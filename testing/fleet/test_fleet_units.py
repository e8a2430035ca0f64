"""Prefect-free parts of the fleet: request allow-list, planning, gaps, store-backed build cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from farm.build.cache import BuildCache
from farm.fleet.build_store import StoreBuildCache, builds_by_host
from farm.fleet.merge import NODE_LOST_KIND, fill_gaps
from farm.fleet.plan import PlannedTest, assign, by_host
from farm.fleet.request import ShardRequest, check_pytest_options
from farm.results.local import LocalStore
from farm.results.writer import iter_rows
from farm.store_config import LocalStoreConfig

RUN = "20261206T031500Z-1a2b3c"


def test_allow_list_keeps_farm_options_and_refuses_the_rest():
    ok = check_pytest_options(["-k", "energy and not onnx", "--maxfail=3", "-n", "auto", "-x"])
    assert ok == ("-k", "energy and not onnx", "--maxfail", "3", "-n", "auto", "-x")
    for bad in (["-p", "evil"], ["--basetemp=/etc"], ["tests/other.py"], ["-k", "--pdb"],
                ["-n", "1; rm -rf /"], ["--rootdir", "/"], ["-o", "addopts=-p x"]):  # fmt: skip
        with pytest.raises(ValueError, match="not allowed|not of the allowed form"):
            check_pytest_options(bad)


def test_shard_request_refuses_unknown_fields_and_bad_values():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ShardRequest(run_id=RUN, host="pc-a", command="rm -rf /")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="run_id"):
        ShardRequest(run_id="../../etc", host="pc-a")
    with pytest.raises(ValidationError, match="models"):
        ShardRequest(run_id=RUN, host="pc-a", models="a;b")
    request = ShardRequest(run_id=RUN, host="pc-a", models="kws_*", pytest_options=("-x",))
    assert request.selection_args() == ["--farm-models=kws_*"]


def test_assign_gives_each_test_one_host_and_spreads_shared_ones():
    collected = {
        "pc-a": [{"test_id": "t::a1"}, {"test_id": "t::s1"}, {"test_id": "t::s2"}],
        "pc-b": [{"test_id": "t::b1"}, {"test_id": "t::b2"}, {"test_id": "t::s1"},
                 {"test_id": "t::s2"}, {"test_id": "t::s3"}],
    }  # fmt: skip
    planned = assign(collected)
    assert sorted(t.test_id for t in planned) == ["t::a1", "t::b1", "t::b2", "t::s1", "t::s2",
                                                  "t::s3"]  # fmt: skip
    hosts = {t.test_id: t.host for t in planned}
    assert hosts["t::a1"] == "pc-a" and hosts["t::b1"] == hosts["t::b2"] == "pc-b"
    shared = by_host([t for t in planned if t.test_id.startswith("t::s")])
    assert len(shared["pc-a"]) == 2 and len(shared["pc-b"]) == 1  # balanced: 3 and 3 in all


def test_fill_gaps_writes_node_lost_errors_only_where_rows_are_missing(tmp_path: Path):
    from farm.results.schema import Outcome, ResultRow
    from farm.results.writer import RowWriter

    run_dir = tmp_path / RUN
    RowWriter(run_dir).write(ResultRow(run_id=RUN, test_id="t::done", outcome=Outcome.PASSED))
    planned = [PlannedTest("t::done", "pc-b", {}), PlannedTest("t::lost", "pc-b", {"model": "m"})]
    assert fill_gaps(RUN, run_dir, planned, {"pc-b": "node lost: pc-b"}) == 1
    rows = {r.test_id: r for r in iter_rows(run_dir)}
    assert rows["t::done"].outcome == "passed"
    assert rows["t::lost"].outcome == "error" and rows["t::lost"].reason == "node lost: pc-b"
    assert rows["t::lost"].error_kind == NODE_LOST_KIND and rows["t::lost"].host == "pc-b"


def _entry(cache: BuildCache, key: str, payload: bytes) -> Path:
    staged = cache.staging(key)
    (staged / "firmware.bin").write_bytes(payload)
    (staged / "image.json").write_text("{}")
    return cache.commit(key, staged)


def test_store_build_cache_shares_entries_and_rejects_corrupt_ones(tmp_path: Path):
    store = LocalStore(LocalStoreConfig(path=tmp_path / "store"))
    (tmp_path / "store").mkdir()
    key = "ab" * 32
    pc_a, pc_b = BuildCache(tmp_path / "a"), BuildCache(tmp_path / "b")
    StoreBuildCache(store, "pc-a", RUN).publish(key, _entry(pc_a, key, b"\x01" * 64))
    remote_b = StoreBuildCache(store, "pc-b", RUN)
    staged = pc_b.staging(key)
    assert remote_b.fetch(key, staged)
    assert pc_b.adopt(key, staged) is not None and pc_b.valid(key)
    assert (pc_b.entry(key) / "firmware.bin").read_bytes() == b"\x01" * 64
    assert builds_by_host(store, RUN) == {"pc-a": 1}
    # A corrupt object in the store: fetched, found wrong by its hash, not adopted.
    (tmp_path / "store" / "builds" / key / "firmware.bin").write_bytes(b"\x02" * 64)
    pc_c = BuildCache(tmp_path / "c")
    staged = pc_c.staging(key)
    assert remote_b.fetch(key, staged)
    assert pc_c.adopt(key, staged) is None and not pc_c.valid(key)
    # A partial upload (manifest present, a file missing) is not fetched at all.
    (tmp_path / "store" / "builds" / key / "image.json").unlink()
    assert not remote_b.fetch(key, pc_c.staging(key))
    origin = tmp_path / "store" / "builds" / key / "origin-pc-a.json"
    assert json.loads(origin.read_text())["run_id"] == RUN


def test_inventory_host_rules(tmp_path: Path):
    from farm.errors import InventoryError
    from farm.inventory_loader import load_inventory

    path = tmp_path / "inventory.yaml"
    path.write_text("boards:\n  - {id: l4r5-a, host: [pc-a, pc-b], target: NUCLEO_L4R5ZI, "
                    "backend: qemu}\n")  # fmt: skip
    with pytest.raises(
        InventoryError, match="backend qemu is wired to one PC; only ssh .*can be shared"
    ):
        load_inventory(path)
    path.write_text("boards:\n  - {id: l4r5-a, host: PC A, target: NUCLEO_L4R5ZI, backend: qemu}\n")
    with pytest.raises(InventoryError, match="bad lab PC name"):
        load_inventory(path)
    path.write_text("boards:\n  - {id: l4r5-a, host: pc-a, target: NUCLEO_L4R5ZI, backend: qemu}\n"
                    "  - {id: f767-b, host: pc-b, target: NUCLEO_F767ZI, backend: qemu}\n")  # fmt: skip
    inventory = load_inventory(path)
    assert [b.id for b in inventory.on_host("pc-b").boards] == ["f767-b"]
