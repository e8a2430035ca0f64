"""Firmware side by side: per (model, target) figures of each firmware version and the ratio to
a baseline (option, default the first version in the recipe), on the run page and in
``farm report --compare-firmware A B``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from farm.results.finish import finish_run
from farm.results.firmware_compare import compare_firmware, format_table
from farm.results.merge import load_frame, merge_run
from farm.results.schema import ResultRow
from farm.results.writer import RowWriter

RUN = "20261206T010000Z-ffffff"
FARM = [sys.executable, "-m", "farm.cli"]
# firmware version -> (latency ms, energy uJ, flash B, ram B) for model m1 on T1
FIGURES = {"1.0": (10.0, 100.0, 30000, 80000), "1.1": (5.0, 60.0, 31000, 80000),
           "2.0": (20.0, 150.0, 29000, 82000)}  # fmt: skip


def _rows(run_id: str) -> list[ResultRow]:
    rows = []
    for version, (lat, energy, flash, ram) in FIGURES.items():
        for target, virtual, scale in (("T1", True, 1.0), ("T2", False, 2.0)):
            base = dict(run_id=run_id, model="m1", target=target, virtual=virtual,
                        firmware="fw", firmware_version=version, outcome="passed")  # fmt: skip
            rows += [
                ResultRow(**base, test_id=f"i-{version}-{target}", test_kind="inference",
                          latency_ms=lat * scale),
                ResultRow(**base, test_id=f"e-{version}-{target}", test_kind="energy",
                          energy_uj=energy * scale, latency_ms=999.0),
                ResultRow(**base, test_id=f"m-{version}-{target}", test_kind="memory",
                          flash_bytes=flash, ram_bytes=ram),
            ]  # fmt: skip
    # A failed row never counts; a model with one firmware has no comparison.
    rows.append(ResultRow(run_id=run_id, test_id="bad", test_kind="inference", model="m1",
                          target="T1", virtual=True, firmware="fw", firmware_version="1.1",
                          outcome="failed", latency_ms=0.001))  # fmt: skip
    rows.append(ResultRow(run_id=run_id, test_id="solo", test_kind="inference", model="m2",
                          target="T1", virtual=True, firmware="fw", firmware_version="1.0",
                          outcome="passed", latency_ms=3.0))  # fmt: skip
    return rows


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    path = tmp_path / "reports" / RUN
    writer = RowWriter(path)
    for row in _rows(RUN):
        writer.write(row)
    return path


def test_ratios_to_the_first_version_in_the_recipe(run_dir: Path) -> None:
    frame = load_frame(run_dir)
    order = ["fw@1.0", "fw@1.1", "fw@2.0"]
    found = compare_firmware(frame, firmware_order=order)
    assert found is not None and [(g.model, g.target) for g in found.groups] == [
        ("m1", "T1"), ("m1", "T2")
    ]  # fmt: skip
    t1 = found.groups[0]
    assert t1.baseline == "fw@1.0" and t1.virtual is True
    by_fw = {e.firmware: e for e in t1.entries}
    assert [e.firmware for e in t1.entries] == order
    # Latency from the inference row (not the failed one, not the energy window's 999 ms).
    assert by_fw["fw@1.1"].values["latency_ms"] == 5.0
    assert by_fw["fw@1.1"].ratios == pytest.approx(
        {"latency_ms": 0.5, "energy_uj": 0.6, "flash_bytes": 31000 / 30000, "ram_bytes": 1.0}
    )
    assert by_fw["fw@1.0"].baseline and by_fw["fw@1.0"].ratios["latency_ms"] == 1.0
    # Geometric mean over models per (target, firmware) feeds the plot.
    assert found.geomean_ratios()[("T2", False, "fw@2.0")]["latency_ms"] == pytest.approx(2.0)
    # The option picks another baseline; a bare version works too.
    other = compare_firmware(frame, baseline="1.1", firmware_order=order)
    assert other is not None and other.groups[0].baseline == "fw@1.1"
    assert {e.firmware: e.ratios["latency_ms"] for e in other.groups[0].entries}["fw@1.0"] == 2.0


def test_run_page_and_report_command_show_the_comparison(run_dir: Path) -> None:
    summary = finish_run(run_dir, {"firmware_order": ["fw@1.0", "fw@1.1", "fw@2.0"]})
    html = summary.index_html.read_text()
    assert '<section id="firmware">' in html and "baseline: first version in the recipe" in html
    assert 'data-v="0.5"' in html  # latency ratio of fw@1.1 on T1
    assert (run_dir / "plots" / "firmware_ratios.png").stat().st_size > 5000
    assert 'src="plots/firmware_ratios.png"' in html
    done = subprocess.run([*FARM, "report", str(run_dir), "--compare-firmware", "fw@1.1", "2.0"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["model", "target", "firmware", "latency_ms"]
    t1 = [ln.split() for ln in lines if ln.startswith("m1") and "T1" in ln]
    assert [r[3] for r in t1] == ["fw@1.1", "fw@2.0"] and t1[0][4] == "*"
    assert t1[1][4:6] == ["20", "4.000"]  # latency 20 ms = 4 x the baseline's 5 ms
    assert "fw@1.0" not in done.stdout
    assert format_table(
        compare_firmware(load_frame(run_dir), baseline="fw@1.1", only=("fw@1.1", "2.0"))
    ) in (done.stdout)
    missing = subprocess.run([*FARM, "report", str(run_dir), "--compare-firmware", "fw@1.0", "x"],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert missing.returncode == 2
    assert "no model measured on one target with both 'fw@1.0' and 'x'" in missing.stderr
    assert "fw@1.0, fw@1.1, fw@2.0" in missing.stderr


def test_no_comparison_without_two_firmware(tmp_path: Path) -> None:
    path = tmp_path / RUN
    RowWriter(path).write(_rows(RUN)[-1])
    assert compare_firmware(merge_run(path).frame) is None


def test_firmware_section_in_chromium(run_dir: Path, tmp_path: Path) -> None:
    from testing.results.chromium import Chromium

    summary = finish_run(run_dir, {"firmware_order": ["fw@1.0", "fw@1.1", "fw@2.0"]})
    browser = Chromium(tmp_path / "profile")
    try:
        browser.open(summary.index_html.as_uri())
        assert browser.errors() == []
        rows = browser.evaluate("document.querySelectorAll('#firmware-table tbody tr').length")
        assert rows == 6  # 2 targets x 3 firmware
        assert browser.evaluate("document.querySelectorAll('tr.baseline-row').length") == 2
        img = "document.querySelector('img[src=\"plots/firmware_ratios.png\"]')"
        assert browser.evaluate(f"{img}.naturalWidth") > 300
    finally:
        browser.close()


def test_energies_at_different_supply_voltages_get_no_ratio(tmp_path: Path) -> None:
    path = tmp_path / RUN
    writer = RowWriter(path)
    for version, volts in (("1.0", 3300.0), ("1.1", 3000.0), ("1.2", 3300.0)):
        writer.write(ResultRow(run_id=RUN, test_id=f"e{version}", test_kind="energy", model="m",
                               target="T", firmware="fw", firmware_version=version,
                               outcome="passed", energy_uj=100.0, voltage_mv=volts))  # fmt: skip
    found = compare_firmware(merge_run(path).frame)
    assert found is not None
    ratios = {e.firmware: e.ratios["energy_uj"] for e in found.groups[0].entries}
    assert ratios == {"fw@1.0": 1.0, "fw@1.1": None, "fw@1.2": 1.0}
