"""The result recorder (``farm.plugin.recording``) on a small farm project run by real pytest:
one row per matrix test with its outcome, identity and measurements, rows written by xdist
workers and merged once, JUnit properties, a 10 % energy regression flagged, exit codes 0/1/6
and one row for a test retried after an infra error. No QEMU: the tests only lease boards."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from testing.core.conftest import make_project
from testing.plugin.conftest import clean_env

BOARDS = "  - {id: l4-01, target: NUCLEO_L4R5ZI, backend: qemu}\n"
MODELS = {"kws.tflite": None, "ad.onnx": None}  # the ONNX model is a matrix skip on an MCU
FIRMWARE = {"harness": "name: harness\nversions:\n  '1.0': {}\n"}
SETTINGS = "quarantine_after = 10\ninfra_retries = 1\n"

TESTS = """
import os
from pathlib import Path

import pytest

from farm.errors import ProbeError, SerialLinkError

ATTEMPTS = Path(__file__).parent / "attempts.log"


@pytest.fixture
def flashed(board):
    raise SerialLinkError("port vanished", board=board.id)


@pytest.fixture
def compiled(board_pool):
    pytest.fail("model 'kws': needs 300000 B of arena; use a smaller model", pytrace=False)


def test_latency_ok(model, board_pool, firmware, board, record):
    record.set(latency_ms=12.5, energy_uj=float(os.environ["ENERGY_UJ"]), n_inferences=5)


def test_inference_wrong(model, board_pool, firmware, board, record):
    record.set(latency_ms=3.0)
    assert 1 + 1 == 3, "outputs differ at index 3"


def test_inference_refused(model, board_pool, firmware, compiled):
    pass


def test_memory_probe(model, board_pool, firmware, board):
    raise ProbeError("probe lost the target", board=board.id)


def test_memory_flash(model, board_pool, firmware, flashed):
    pass


def test_energy_nomon(model, board_pool, firmware, board):
    pytest.skip("no power monitor on this board")


def test_host_check(model):
    assert model.key == "none", "a host-only check: no board pool, no row"


def test_accuracy_flaky(model, board_pool, firmware, board, record):
    with ATTEMPTS.open("a") as fh:
        fh.write(model.key + "\\n")
    if len(ATTEMPTS.read_text().splitlines()) == 1:
        record.set(max_abs_diff=99.0)  # the first attempt's draft must not leak into the row
        raise ProbeError("probe glitch", board=board.id)
    record.set(outputs_bit_exact=True)
"""


def _project(root: Path) -> Path:
    make_project(root, BOARDS, MODELS, FIRMWARE, settings=SETTINGS)
    (root / "test_lab.py").write_text(TESTS)
    return root


def _run(root: Path, run_id: str, energy_uj: float, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest with every farm plugin (recorder included) in a subprocess."""
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA"]
    return subprocess.run(
        [*argv, f"--farm-run-id={run_id}", *args],
        cwd=root,
        env={**clean_env(), "ENERGY_UJ": str(energy_uj)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _rows(run_dir: Path) -> dict[str, dict]:
    rows = [json.loads(p.read_text()) for p in sorted((run_dir / "rows").glob("*.json"))]
    by_test = {r["test_id"].split("::", 1)[1]: r for r in rows}
    assert len(by_test) == len(rows), "two row files for one test"
    return by_test


def _properties(junit: Path) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Global properties and each test case's properties of a JUnit XML file."""
    root = ET.parse(junit).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    glob = [(p.get("name"), p.get("value")) for p in suite.findall("properties/property")]
    cases = {
        tc.get("name"): [(p.get("name"), p.get("value")) for p in tc.findall("properties/property")]
        for tc in suite.iter("testcase")
    }
    return glob, cases  # type: ignore[return-value]


def test_rows_junit_and_report_under_xdist(tmp_path: Path) -> None:
    root = _project(tmp_path)
    run_id = "20261122T010000Z-aaaaaa"
    done = _run(root, run_id, 100.0, "-n", "2", "-k", "not host", "--junitxml=junit.xml")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out  # a product failure (infra errors too)
    run_dir = root / "reports" / run_id
    rows = _rows(run_dir)
    tests = ("latency_ok", "inference_wrong", "inference_refused", "memory_probe")
    tests += ("memory_flash", "energy_nomon", "accuracy_flaky")
    # ad.onnx on the MCU pool can never run: not a test item, no row, one count in the summary
    assert set(rows) == {f"test_{t}[kws-l4-01-harness@1.0]" for t in tests}
    assert (
        "farm: 1 matrix items n/a (can never run, not collected): "
        "1 model format the board kind cannot run" in done.stdout
    )

    # identity: matrix params and the leased board
    kws_sha = hashlib.sha256((root / "models" / "kws.tflite").read_bytes()).hexdigest()
    ok = rows["test_latency_ok[kws-l4-01-harness@1.0]"]
    expected = {"run_id": run_id, "test_kind": "latency", "model": "kws", "model_sha256": kws_sha}
    expected |= {"target": "NUCLEO_L4R5ZI", "board_id": "l4-01", "firmware": "harness"}
    expected |= {"firmware_version": "1.0", "virtual": True, "outcome": "passed", "reason": None}
    expected |= {"latency_ms": 12.5, "energy_uj": 100.0, "n_inferences": 5}
    assert {k: ok[k] for k in expected} == expected
    assert {r["worker"] for r in rows.values()} <= {"gw0", "gw1"}

    def result(test: str, model: str = "kws") -> tuple:
        row = rows[f"test_{test}[{model}-l4-01-harness@1.0]"]
        return row["outcome"], row["reason"], row["error_kind"], row["board_id"]

    assert result("inference_wrong") == ("failed", "outputs differ at index 3", None, "l4-01")
    assert rows["test_inference_wrong[kws-l4-01-harness@1.0]"]["latency_ms"] == 3.0
    refused = "model 'kws': needs 300000 B of arena; use a smaller model"
    assert result("inference_refused") == ("failed", refused, None, None)  # verdict, not lab
    assert result("memory_probe") == ("error", "probe lost the target", "probe", "l4-01")
    assert result("memory_flash") == ("error", "port vanished", "serial", "l4-01")
    assert result("energy_nomon") == ("skipped", "no power monitor on this board", None, "l4-01")

    # retried after an infra error: one row, the final attempt's
    assert (root / "attempts.log").read_text().split() == ["kws", "kws"]
    flaky = rows["test_accuracy_flaky[kws-l4-01-harness@1.0]"]
    assert (flaky["outcome"], flaky["error_kind"], flaky["reason"]) == ("passed", None, None)
    assert (flaky["max_abs_diff"], flaky["outputs_bit_exact"]) == (None, True)

    # merged once by the controller: results, run.json and the report
    import pandas as pd

    assert len(pd.read_parquet(run_dir / "results.parquet")) == len(rows)
    assert len(pd.read_csv(run_dir / "results.csv")) == len(rows)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["run_id"] == run_id
    assert (run_dir / "index.html").is_file()
    assert f"farm: report {run_dir / 'index.html'}" in done.stdout

    # JUnit: one set of farm properties per test case, from the final attempt
    _, cases = _properties(root / "junit.xml")
    props = dict(cases["test_latency_ok[kws-l4-01-harness@1.0]"])
    assert props["farm_model"] == "kws" and props["farm_model_sha256"] == kws_sha
    assert props["farm_board_id"] == "l4-01" and props["farm_target"] == "NUCLEO_L4R5ZI"
    assert props["farm_firmware"] == "harness" and props["farm_firmware_version"] == "1.0"
    assert (props["farm_latency_ms"], props["farm_energy_uj"]) == ("12.5", "100")
    assert props["farm_outcome"] == "passed"
    flaky_props = cases["test_accuracy_flaky[kws-l4-01-harness@1.0]"]
    assert [v for k, v in flaky_props if k == "farm_outcome"] == ["passed"]
    assert ("farm_retried_after", "probe glitch") in flaky_props
    probe = dict(cases["test_memory_probe[kws-l4-01-harness@1.0]"])
    assert (probe["farm_outcome"], probe["farm_error_kind"]) == ("error", "probe")


def test_exit_codes_and_energy_regression(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before, after = "20261122T010000Z-aaaaaa", "20261122T020000Z-bbbbbb"
    infra_only = _run(root, before, 100.0, "-k", "latency_ok or memory_probe")
    assert infra_only.returncode == 6, infra_only.stdout + infra_only.stderr
    assert len(_rows(root / "reports" / before)) == 2  # kws only: ad.onnx on an MCU is n/a

    done = _run(root, after, 110.0, "-k", "latency_ok", "--farm-models=kws", "--junitxml=j.xml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "farm: 1 regressions vs previous run" in done.stdout
    glob, cases = _properties(root / "j.xml")
    assert ("farm_regressions", "1") in glob and ("farm_previous_run", before) in glob
    change = next(v for k, v in glob if k == "farm_regression")
    assert change.startswith("energy_uj +10.0 % (100 -> 110) for kws on NUCLEO_L4R5ZI/harness")
    assert ("farm_energy_uj", "110") in cases["test_latency_ok[kws-l4-01-harness@1.0]"]
    page = (root / "reports" / after / "index.html").read_text()
    assert 'class="regressed"' in page and "▲ regression" in page
    assert "energy_uj" in page and "+10.0" in page


def test_failed_report_keeps_junit_and_exit_code(tmp_path: Path) -> None:
    """Merging or rendering fails (here: the runs index path is a directory): the terminal says
    so, JUnit XML is still written, and a failing test without a row still means exit 1."""
    root = _project(tmp_path)
    (root / "reports" / "index.html").mkdir(parents=True)
    done = _run(
        root, "20261122T010000Z-cccccc", 100.0, "-k", "memory_probe or host", "--junitxml=j.xml"
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out  # an infra error and a product failure without a row
    assert "farm: no report: IsADirectoryError" in done.stdout, out
    assert "the rows are kept, run 'farm report " in done.stdout
    assert (root / "j.xml").is_file()
    assert len(_rows(root / "reports" / "20261122T010000Z-cccccc")) == 1
