"""The fleet end to end on loopback: real Prefect server and workers, moto S3, real shards.

One loopback fleet serves every test here (module order matters little: each test makes its own
fleet run id). The suite the shards run is the fast stand-in of ``fake_suite.py.txt``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from testing.fleet.conftest import fleet_run, intervals, report_of

# One fleet for the module: under `make test` (-n 2, --dist loadgroup) these run on one worker.
pytestmark = [pytest.mark.timeout(600), pytest.mark.xdist_group("fleet-loopback")]

INVENTORY_HOSTS = {"l4r5-a": "pc-a", "u575-b": "pc-b"}


def _frame(done: subprocess.CompletedProcess) -> pd.DataFrame:
    return pd.read_parquet(report_of(done).parent / "results.parquet")


def test_shards_land_on_their_pc_and_shared_board_is_never_used_twice(fleet):
    done = fleet_run(
        fleet, "--models=ad_fc_32,ad_fc_64", "--boards=l4r5-a,u575-b,jetson-shared", "--", "-n", "0"
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    frame = _frame(done)
    assert frame["test_id"].is_unique
    ran = frame[frame["outcome"] == "passed"]
    # Every USB board's rows come from its own PC; the shared Jetson from both.
    for board, host in INVENTORY_HOSTS.items():
        hosts = set(ran.loc[ran["board_id"] == board, "host"])
        assert hosts == {host}, (board, hosts)
    assert set(ran.loc[ran["board_id"] == "jetson-shared", "host"]) == {"pc-a", "pc-b"}
    # The shard that wrote a row ran on the worker serving that PC (its FARM_FLEET_HOST).
    notes = intervals(fleet)
    assert notes and all(n["host"] == INVENTORY_HOSTS.get(n["board"], n["host"]) for n in notes)
    # The shared board: no two holds overlap, although both PCs ran tests on it.
    shared = sorted((n for n in notes if n["board"] == "jetson-shared"), key=lambda n: n["start"])
    assert {n["host"] for n in shared} == {"pc-a", "pc-b"}
    for before, after in zip(shared, shared[1:], strict=False):
        assert after["start"] >= before["end"], (before, after)
    # The flow runs went to the work queue named after each PC.
    status, runs = fleet.api("POST", "/flow_runs/filter", {"limit": 50})
    assert status == 200
    run_id = frame["run_id"].iloc[0]
    queues = {r["name"][len(run_id) + 1 :]: r["work_queue_name"]
              for r in runs if r["name"].startswith(run_id)}  # fmt: skip
    assert queues == {"pc-a": "pc-a", "pc-b": "pc-b"}


def _store_rows(fleet) -> dict[str, tuple[str, str]]:
    """Row key -> (host, outcome) of every row in the loopback store."""
    from minio import Minio

    client = Minio(f"127.0.0.1:{fleet.s3_port}", "testing", "testing", secure=False,
                   region="us-east-1")  # fmt: skip
    out = {}
    for obj in client.list_objects("joulefarm", recursive=True):
        if "/rows/" in obj.object_name:
            response = client.get_object("joulefarm", obj.object_name)
            try:
                row = json.loads(response.read())
                out[obj.object_name] = (row.get("host"), row.get("outcome"))
            finally:
                response.close()
                response.release_conn()
    return out


def test_lost_pc_keeps_rows_marks_the_rest_node_lost_and_resume_completes(fleet):
    env_slow = {"FAKE_SLEEP_S": "2.0"}
    fleet._stop("worker-pc-b")
    fleet.start_worker("pc-b", extra_env=env_slow)
    fleet.wait_workers()
    # Heartbeats every 2 s; a live PC's worker on a loaded host can miss a few of them, so a PC
    # is lost after 20 s of silence (pc-b's loss is still seen long before the 240 s limit).
    cmd = [sys.executable, "-m", "farm.cli", "fleet", "run", "--models=ad_fc_*",
           "--node-lost-after=20", "--", "-n", "0"]  # fmt: skip
    env = {**fleet.client_env(), "FARM_INVENTORY": str(fleet.project / "inventory.yaml")}
    before = _store_rows(fleet)
    proc = subprocess.Popen(cmd, cwd=fleet.project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        # Kill pc-b once it has uploaded a passed row of this run (a finished row to keep).
        while ("pc-b", "passed") not in {
            v for k, v in _store_rows(fleet).items() if k not in before
        }:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.5)
        fleet.kill("worker-pc-b")  # the PC loses power: worker, flow run and pytest
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 6, out + err  # infra errors only
    frame = _frame(subprocess.CompletedProcess(cmd, 6, out, err))
    run_id = frame["run_id"].iloc[0]
    lost = frame[frame["reason"] == "node lost: pc-b"]
    assert len(lost) > 0 and set(lost["outcome"]) == {"error"} and set(lost["host"]) == {"pc-b"}
    assert set(frame.loc[frame["host"] == "pc-a", "outcome"]) <= {"passed", "skipped"}
    assert (frame.loc[frame["host"] == "pc-b", "outcome"] == "passed").sum() >= 1
    kept = set(frame.loc[frame["outcome"] != "error", "test_id"])
    fleet.start_worker("pc-b")
    fleet.wait_workers()
    done = fleet_run(fleet, "--models=ad_fc_*", f"--resume={run_id}", "--", "-n", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(lost)} to run" in done.stdout
    resumed = _frame(done)
    assert resumed["test_id"].is_unique and len(resumed) == len(frame)
    assert set(resumed["outcome"]) <= {"passed", "skipped"}
    assert kept <= set(resumed["test_id"])


HOLD = textwrap.dedent("""
    import sys, time
    from prefect.concurrency.sync import concurrency
    # A long lease: the server restart below may take a minute on a busy PC.
    with concurrency("farm-board-jetson-shared", occupy=1, lease_duration=300, strict=True,
                     timeout_seconds=20, raise_on_lease_renewal_failure=False):
        print("held", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
""")

TRY = textwrap.dedent("""
    import sys
    from prefect.concurrency.sync import concurrency
    try:
        with concurrency("farm-board-jetson-shared", occupy=1, lease_duration=60, strict=True,
                         timeout_seconds=float(sys.argv[1])):
            print("acquired")
    except TimeoutError:
        print("busy")
""")


def _try_slot(fleet, timeout_s: float) -> str:
    done = subprocess.run([sys.executable, "-c", TRY, str(timeout_s)], env=fleet.client_env(),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]


def test_server_restart_mid_lease_loses_no_lease(fleet):
    holder = subprocess.Popen([sys.executable, "-c", HOLD], env=fleet.client_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        fleet.stop_server()
        fleet.start_server()  # same port, same PREFECT_HOME: the lease files are read back
        assert _try_slot(fleet, 3) == "busy"
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert holder.wait(timeout=30) == 0
        assert _try_slot(fleet, 20) == "acquired"
    finally:
        if holder.poll() is None:
            holder.kill()
        fleet.wait_workers()


def test_client_without_auth_string_is_refused(fleet):
    from farm.fleet.loopback import api_call

    assert api_call(fleet.api_url, "POST", "/flows/filter", {}, None)[0] == 401
    assert api_call(fleet.api_url, "POST", "/flows/filter", {}, "farm:wrong")[0] == 401
    assert api_call(fleet.api_url, "POST", "/flows/filter", {}, fleet.auth)[0] == 200
    env = {k: v for k, v in fleet.client_env().items() if k != "PREFECT_API_AUTH_STRING"}
    done = subprocess.run([sys.executable, "-m", "farm.cli", "fleet", "status"], env=env,
                          cwd=fleet.project, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0 and "401" in (done.stdout + done.stderr)


def _deployment_id(fleet) -> str:
    status, body = fleet.api("GET", "/deployments/name/run-shard/shard")
    assert status == 200
    return body["id"]


def _wait_final(fleet, flow_run_id: str) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status, run = fleet.api("GET", f"/flow_runs/{flow_run_id}")
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} did not finish")


def test_shard_request_outside_the_allow_list_is_rejected_before_pytest(fleet):
    deployment = _deployment_id(fleet)
    run_id = "20261206T000000Z-abcdef"
    # A parameter the flow does not have: the server refuses to create the run.
    status, _ = fleet.api("POST", f"/deployments/{deployment}/create_flow_run",
                          {"parameters": {"run_id": run_id, "host": "pc-a",
                                          "command": "touch /tmp/pwned"},
                           "work_queue_name": "pc-a"})  # fmt: skip
    assert status in (409, 422), "the server must refuse a parameter run-shard does not have"
    # An allowed parameter with a pytest option outside the allow-list: the shard refuses it.
    status, run = fleet.api("POST", f"/deployments/{deployment}/create_flow_run",
                            {"parameters": {"run_id": run_id, "host": "pc-a",
                                            "pytest_options": ["-p", "evil_plugin"]},
                             "work_queue_name": "pc-a"})  # fmt: skip
    assert status == 201
    final = _wait_final(fleet, run["id"])
    assert final["state"]["type"] == "FAILED"
    assert "not allowed in a fleet shard" in final["state"]["message"]
    shard_dir = fleet.root / "pc-a" / "fleet" / "pc-a"
    assert not list(shard_dir.glob(f"{run_id}*")), "pytest must not have started"


def test_fleet_status_lists_workers_queues_and_shared_board_limit(fleet):
    env = fleet.client_env()
    done = subprocess.run([sys.executable, "-m", "farm.cli", "fleet", "status", "--json"],
                          env=env, cwd=fleet.project, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert {w["name"] for w in status["workers"]} >= {"pc-a", "pc-b"}
    assert {q["name"] for q in status["queues"]} >= {"pc-a", "pc-b"}
    assert "farm-board-jetson-shared" in {lim["name"] for lim in status["limits"]}
