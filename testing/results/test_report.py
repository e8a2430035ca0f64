"""Report building: escaping, regressions, JUnit properties, runs without some columns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from farm.results.compare import compare_runs
from farm.results.exitcodes import FarmExitCode, run_exit_code
from farm.results.finish import finish_run
from farm.results.junit import junit_properties, regression_properties
from farm.results.merge import load_frame, merge_run
from farm.results.schema import ResultRow, safe_id
from farm.results.trace import write_trace
from testing.results.conftest import XSS

FARM = [sys.executable, "-m", "farm.cli"]
OLD, NEW = "20261121T010000Z-aaaaaa", "20261122T010000Z-bbbbbb"


def test_hostile_model_name_and_log_are_escaped(make_run, tmp_path: Path) -> None:
    run_id = NEW
    run_dir = tmp_path / "reports" / run_id
    (run_dir / "logs").mkdir(parents=True)
    (run_dir / "logs" / "console.log").write_text(f"boot\n{XSS}\n<script>alert(2)</script>\n")
    bad = ResultRow(
        run_id=run_id,
        test_id=f"tests/test_energy.py::test_energy[{XSS}.tflite-l4r5]",
        test_kind="energy",
        model=f"{XSS}.tflite",
        model_family=XSS,
        target="stm32l4r5",
        outcome="failed",
        reason=f"model {XSS}.tflite does not fit",
        error_details=f"Traceback: {XSS}",
        console_log="logs/console.log",
        energy_uj=1.0,
        latency_ms=2.0,
    )
    escape = ResultRow(run_id=run_id, test_id="t.py::test_escape", outcome="passed",
                       console_log="../../../../../../etc/passwd", trace_parquet="/etc/hostname")  # fmt: skip
    make_run(run_id, extra=[bad, escape])
    summary = finish_run(run_dir)
    escaped = (run_dir / "tests" / f"{safe_id(escape.test_id)}.html").read_text()
    assert "root:" not in escaped and "No console log recorded" in escaped
    assert "Power trace" not in escaped  # artifacts outside the run directory are ignored
    page = summary.index_html.read_text()
    test_page = (run_dir / "tests" / f"{safe_id(bad.test_id)}.html").read_text()
    for html in (page, test_page):
        assert XSS not in html
        assert "<script>alert(2)" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in test_page
    assert 'href="../logs/console.log"' in test_page


def test_ten_percent_more_energy_is_a_regression(make_run, tmp_path: Path) -> None:
    make_run(OLD)
    run_dir = make_run(NEW, energy_factor={"ds-cnn_v1_int8": 1.10})
    summary = finish_run(run_dir)
    assert summary.comparison is not None
    regressions = summary.comparison.regressions
    assert regressions and {c.model for c in regressions} == {"ds-cnn_v1_int8"}
    assert {c.metric for c in regressions} == {"energy_uj"}
    assert all(abs(c.change_pct - 10.0) < 0.01 for c in regressions)
    page = summary.index_html.read_text()
    assert "▲ regression" in page and "+10.0 %" in page
    saved = json.loads((run_dir / "regressions.json").read_text())
    assert saved["previous_run_id"] == OLD and len(saved["regressions"]) == len(regressions)
    props = dict(regression_properties(summary.comparison))
    assert props["farm_regressions"] == str(len(regressions))
    # Below the threshold nothing is flagged.
    frame_old, frame_new = load_frame(tmp_path / "reports" / OLD), load_frame(run_dir)
    assert not compare_runs(frame_old, frame_new, threshold_pct=10.5).regressions


def test_junit_properties_carry_units_identity_and_regressions(make_run, tmp_path) -> None:
    from farm.results.compare import Baseline

    make_run(OLD)
    finish_run(tmp_path / "reports" / OLD)
    baseline = Baseline.from_frame(load_frame(tmp_path / "reports" / OLD), OLD)
    row = next(
        r
        for r in (tmp_path / "reports" / OLD / "rows").glob("*.json")
        if (loaded := ResultRow.model_validate_json(r.read_bytes())).energy_uj
    )
    loaded = ResultRow.model_validate_json(row.read_bytes())
    worse = loaded.model_copy(update={"energy_uj": loaded.energy_uj * 1.1, "run_id": NEW})
    changes = baseline.check(worse)
    props = junit_properties(worse, changes)
    names = [n for n, _ in props]
    assert ("farm_model", loaded.model) in props and "farm_energy_uj" in names
    assert ("farm_virtual", "true" if loaded.virtual else "false") in props
    assert any(n == "farm_regression" and "+10.0 %" in v for n, v in props)
    assert not baseline.check(loaded)


def test_run_without_energy_or_memory_columns_still_renders(tmp_path: Path) -> None:
    from farm.results.writer import RowWriter

    run_dir = tmp_path / "reports" / NEW
    writer = RowWriter(run_dir)
    writer.write(ResultRow(run_id=NEW, test_id="t.py::test_a", outcome="error", error_kind="ssh"))
    writer.write(ResultRow(run_id=NEW, test_id="t.py::test_b", outcome="skipped", reason="x"))
    summary = finish_run(run_dir)
    html = summary.index_html.read_text()
    assert "No measurements to plot" in html
    assert summary.outcomes == {"passed": 0, "failed": 0, "error": 1, "skipped": 1}
    assert run_exit_code(1, summary.outcomes) == FarmExitCode.INFRA_ERRORS_ONLY
    assert run_exit_code(1, {"failed": 1, "error": 3}) == FarmExitCode.PRODUCT_FAILURES
    assert run_exit_code(0, {"passed": 3}) == FarmExitCode.OK
    empty = merge_run(tmp_path / "reports" / "20261123T000000Z-empty0")
    assert list(empty.frame.columns)[:3] == ["schema_version", "run_id", "test_id"]


def test_test_page_draws_power_trace_with_windows(make_run, tmp_path: Path) -> None:
    import numpy as np

    run_dir = tmp_path / "reports" / NEW
    t = np.arange(0, 0.5, 1e-4)
    current = 0.004 + 0.01 * ((t % 0.1) < 0.04)
    write_trace(
        run_dir / "traces" / "a.parquet", t, current, [(k * 0.1, k * 0.1 + 0.04) for k in range(5)]
    )
    row = ResultRow(run_id=NEW, test_id="t.py::test_trace", outcome="passed", energy_uj=5.0,
                    latency_ms=40.0, trace_parquet="traces/a.parquet")  # fmt: skip
    make_run(NEW, n_rows=4, extra=[row])
    finish_run(run_dir)
    html = (run_dir / "tests" / f"{safe_id(row.test_id)}.html").read_text()
    assert "Power trace" in html
    assert html.count('<rect class="t-win"') == 5  # one shaded band per inference window
    points = html.split('<polyline class="t-line" points="', 1)[1].split('"', 1)[0].split()
    assert 1000 <= len(points) <= 2 * 900  # an envelope, not 5,000 raw samples
    assert 'href="../traces/a.parquet"' in html


def test_report_cli_latest_prints_path_last_and_bad_dir_exits_2(make_run, tmp_path) -> None:
    make_run(OLD)
    make_run(NEW, energy_factor={"ds-cnn_v1_int8": 1.2})
    reports = tmp_path / "reports"
    done = subprocess.run(
        [*FARM, "report", "--latest", "--print-path", "--reports", str(reports), "--no-test-pages",
         "--fail-on-regression"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    # No previous merged run with results? OLD has rows, so NEW is compared with it.
    assert done.returncode == FarmExitCode.REGRESSIONS, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert Path(last) == reports / NEW / "index.html" and Path(last).is_file()
    assert (reports / "index.html").is_file()
    bad = subprocess.run([*FARM, "report", str(tmp_path / "nope")], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and "error: run directory" in bad.stderr
    assert "Traceback" not in bad.stderr
