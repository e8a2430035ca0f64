"""The board-side INA3221 sampler: rail discovery in both sysfs layouts, integration, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm.devices import ina3221
from farm.devices.linux_result import ina3221_power
from farm.virtual.sysfs import HWMON_DIR, RailPowerModel, VirtualRail


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_discovers_jetpack5_hwmon_rails_and_reads_milliwatts(tmp_path: Path) -> None:
    rail = VirtualRail(RailPowerModel(idle_w=4.5, active_w=7.0), tmp_path, sysfs_root=tmp_path)
    rail.start()
    rail.stop()
    rails = ina3221.discover_rails(str(tmp_path))
    assert sorted(rails) == ["VDD_CPU_GPU_CV", "VDD_IN", "VDD_SOC"]
    vdd_in = rails["VDD_IN"]
    assert vdd_in.layout == "hwmon"
    assert vdd_in.files == [str(tmp_path / HWMON_DIR / "in1_input"),
                            str(tmp_path / HWMON_DIR / "curr1_input")]  # fmt: skip
    assert vdd_in.read_mw() == pytest.approx(4500.0)  # 5000 mV x 900 mA
    assert ina3221.update_interval_ms(vdd_in) == 5.0


def test_discovers_jetpack4_iio_rails(tmp_path: Path) -> None:
    iio = tmp_path / "bus/i2c/drivers/ina3221x/1-0040/iio:device0"
    for channel, name in enumerate(("POM_5V_IN", "POM_5V_GPU", "POM_5V_CPU")):
        write(iio / f"rail_name_{channel}", name)
        write(iio / f"in_power{channel}_input", str(1000 * (channel + 1)))
    rails = ina3221.discover_rails(str(tmp_path))
    assert rails["POM_5V_GPU"].layout == "iio"
    assert rails["POM_5V_GPU"].read_mw() == 2000.0
    assert ina3221.update_interval_ms(rails["POM_5V_GPU"]) is None


def test_zero_order_hold_integration() -> None:
    times, mw = [0.0, 1.0, 2.0], [100.0, 200.0, 300.0]
    assert ina3221.integrate_zoh(times, mw, 0.5, 2.5) == pytest.approx(50 + 200 + 150)
    assert ina3221.integrate_zoh(times, mw, 3.0, 4.0) == pytest.approx(300.0)
    assert ina3221.integrate_zoh([], [], 0.0, 1.0) == 0.0


def test_sampler_reports_missing_rails_with_what_exists(tmp_path: Path) -> None:
    write(tmp_path / HWMON_DIR / "in1_label", "VDD_IN")
    write(tmp_path / HWMON_DIR / "in1_input", "5000")
    write(tmp_path / HWMON_DIR / "curr1_input", "1000")
    out = tmp_path / "power.tsv"
    code = ina3221.main(["--sysfs-root", str(tmp_path), "--rails", "VDD_GPU", "--out", str(out)])
    assert code == 3
    error = json.loads(out.read_text())["error"]
    assert error == f"rails VDD_GPU not found under {tmp_path}; found: VDD_IN"


def test_a_sampler_that_dies_early_is_an_error_not_a_held_value(tmp_path: Path) -> None:
    import time

    rail = VirtualRail(RailPowerModel(idle_w=4.5, active_w=7.0), tmp_path, sysfs_root=tmp_path)
    rail.start()
    rail.stop()
    script = ina3221.__file__
    sampler = ina3221.SamplerProcess(script, str(tmp_path), "VDD_IN", 1.0, str(tmp_path / "p.tsv"))
    (tmp_path / HWMON_DIR / "curr1_input").unlink()  # the channel vanishes: reads fail
    deadline = time.monotonic() + 60
    while sampler.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sampler.stop() == {"error": "sampler died during the window (exit 1); see the board log"}


def test_stated_uncertainty_covers_a_sampler_asleep_across_the_window_start() -> None:
    # The rail steps from 4.5 W to 7 W at the window start; the sampler read every 5 ms but was
    # descheduled from 0.1 s before the start to 0.2 s after it (as on a loaded host), so the
    # idle value is held for the first 0.2 s of the window.
    t0, t1 = 10.0, 10.5
    times = [t0 - 1.0 + 0.005 * k for k in range(181)]  # up to t0 - 0.1
    times += [t0 + 0.2 + 0.005 * k for k in range(100)]  # from t0 + 0.2 past t1
    power = [4500.0 if t < t0 else 7000.0 for t in times]
    header = {"rails": ["VDD_IN"], "update_interval_ms": 5.0, "period_ms": 5.0}
    doc = ina3221.summarize({**header, "t_s": times, "power_mw": power},
                            {"baseline": t0 - 1.0, "timed": t0, "done": t1}, 10)  # fmt: skip
    assert doc["max_read_gap_s"] == pytest.approx(0.3)  # t0 - 0.1 .. t0 + 0.2
    measured = ina3221_power(doc, 10, "jetson")
    truth_uj = 7.0 * (t1 - t0) * 1e6
    error_uj = abs(measured.energy_uj - truth_uj)
    assert error_uj == pytest.approx(2.5 * 0.2 * 1e6)  # the idle value held for 0.2 s
    assert measured.energy_uncertainty_uj is not None
    assert error_uj <= measured.energy_uncertainty_uj * measured.inferences < measured.energy_uj


def test_read_gap_runs_to_the_window_end_when_no_read_follows_it() -> None:
    gap = ina3221.max_read_gap_s([0.9, 1.0, 1.1], t0=1.0, t1=1.5)
    assert gap == pytest.approx(0.4)  # 1.1 held to 1.5
