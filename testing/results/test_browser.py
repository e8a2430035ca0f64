"""The report in headless Chromium: no console errors, working JS, no script injection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from farm.results.finish import finish_run
from farm.results.schema import ResultRow, safe_id
from farm.results.trace import write_trace
from testing.results.chromium import Chromium
from testing.results.conftest import XSS

SHOTS = Path(__file__).resolve().parents[1] / ".screenshots-tmp" / "results"
OLD, NEW = "20261121T010000Z-aaaaaa", "20261122T010000Z-bbbbbb"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path / "chromium-profile")
    yield chromium
    chromium.close()


@pytest.fixture
def report(make_run, tmp_path: Path) -> Path:
    run_dir = tmp_path / "reports" / NEW
    t = np.arange(0.0, 0.6, 2e-4)
    current = 0.0035 + 0.012 * ((t % 0.12) < 0.05) + 0.0004 * np.sin(t * 400)
    windows = [(k * 0.12, k * 0.12 + 0.05) for k in range(5)]
    write_trace(run_dir / "traces" / "trace.parquet", t, current, windows)
    (run_dir / "logs").mkdir(parents=True)
    (run_dir / "logs" / "console.log").write_text(f"m-ready\nmodel {XSS}\nm-results 12 ms\n")
    extra = [
        ResultRow(run_id=NEW, test_id=f"tests/test_energy.py::test_energy[{XSS}.tflite]",
                  test_kind="energy", model=f"{XSS}.tflite", model_family="mobilenet",
                  target="stm32l4r5", board_id="l4r5-01", firmware="tflm-2024.11",
                  outcome="passed", energy_uj=250.0, latency_ms=30.0, mean_power_mw=8.3,
                  n_inferences=5, energy_method="stlink-v3pwr", sample_rate_hz=5000.0,
                  trace_parquet="traces/trace.parquet", console_log="logs/console.log"),
    ]  # fmt: skip
    make_run(OLD, n_rows=144)
    finish_run(tmp_path / "reports" / OLD)
    make_run(NEW, n_rows=144, energy_factor={"ds-cnn_v1_int8": 1.10}, extra=extra)
    finish_run(run_dir)
    return run_dir


def test_error_capture_works_on_a_broken_page(browser: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><script>notDefined();</script><img src='missing.png'>")
    browser.open(page.as_uri())
    assert len(browser.errors()) >= 2


def test_report_pages_load_without_console_errors(browser: Chromium, report: Path) -> None:
    browser.open((report / "index.html").as_uri())
    assert browser.errors() == []
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]
    assert browser.evaluate("document.querySelectorAll('img[onerror]').length") == 0
    browser.screenshot(SHOTS / "run_page.png")
    # The table sorts (energy column, descending) and filters.
    top = browser.evaluate(
        "(() => { const th = document.querySelectorAll('#results-table th')[9];"
        " th.click(); th.click();"
        " return document.querySelector('#results-table tbody tr td:nth-child(10)').dataset.v })()"
    )
    energies = browser.evaluate(
        "[...document.querySelectorAll('#results-table tbody td:nth-child(10)')]"
        ".map(td => td.dataset.v).filter(v => v !== '').map(Number)"
    )
    assert float(top) == max(energies)
    count = browser.evaluate(
        "(() => { const s = document.querySelector('select[data-filter=outcome]');"
        " s.value = 'failed'; s.dispatchEvent(new Event('change'));"
        " return document.getElementById('filter-count').textContent })()"
    )
    assert count.endswith("rows") and " of " in count
    browser.evaluate("window.scrollTo(0, document.getElementById('plots').offsetTop)")
    browser.screenshot(SHOTS / "run_page_plots.png")
    browser.evaluate("window.scrollTo(0, document.getElementById('results').offsetTop - 50)")
    browser.screenshot(SHOTS / "run_page_table.png")

    test_page = (
        report / "tests" / f"{safe_id(f'tests/test_energy.py::test_energy[{XSS}.tflite]')}.html"
    )
    browser.open(test_page.as_uri())
    assert browser.errors() == []
    assert XSS in browser.evaluate("document.querySelector('h1').textContent")
    assert browser.evaluate("document.querySelectorAll('svg.trace rect.t-win').length") == 5
    box = browser.evaluate("document.querySelector('svg.trace').getBoundingClientRect().width")
    assert box > 600  # the power trace is drawn at page width
    browser.screenshot(SHOTS / "test_page.png")

    browser.open((report.parent / "index.html").as_uri())
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('tbody tr').length") == 2
