"""Acceptance: SIGKILL a `pytest -n 4` run halfway; every finished row survives and reports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from farm.results.writer import iter_rows

N_TESTS = 400

SYNTHETIC_TESTS = textwrap.dedent(
    """
    import os
    import time

    import pytest

    from farm.results.schema import ResultRow
    from farm.results.writer import RowWriter

    RUN_DIR = os.environ["SYNTHETIC_RUN_DIR"]


    @pytest.mark.parametrize("i", range(@N_TESTS@))
    def test_measure(i, worker_id):
        time.sleep(0.03)
        row = ResultRow(
            run_id=os.path.basename(RUN_DIR),
            test_id=f"test_synthetic.py::test_measure[{i}]",
            test_kind="energy",
            model=f"model{i % 7}",
            model_family=f"family{i % 3}",
            target=f"target{i % 4}",
            firmware="fw-1",
            outcome="passed" if i % 17 else "failed",
            energy_uj=100.0 + i,
            latency_ms=5.0 + i % 11,
            worker=worker_id,
            reason=None if i % 17 else "synthetic failure",
        )
        RowWriter(RUN_DIR).write(row)
        # Logged only after the row is on disk: every logged id must have its row.
        with open(os.path.join(RUN_DIR, "done.log"), "a") as fh:
            fh.write(row.test_id + "\\n")
    """
).replace("@N_TESTS@", str(N_TESTS))


def _count_lines(path: Path) -> int:
    try:
        return path.read_text().count("\n")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_sigkilled_xdist_run_keeps_finished_rows_and_reports(tmp_path: Path) -> None:
    (tmp_path / "test_synthetic.py").write_text(SYNTHETIC_TESTS)
    run_dir = tmp_path / "reports" / "20261122T030000Z-kill00"
    run_dir.mkdir(parents=True)
    env = {**os.environ, "SYNTHETIC_RUN_DIR": str(run_dir)}
    cmd = [sys.executable, "-m", "pytest", "-n", "4", "-q", "-p", "no:cacheprovider",
           "-p", "no:farm", "--rootdir", str(tmp_path), "test_synthetic.py"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    done_log = run_dir / "done.log"
    deadline = time.monotonic() + 240
    try:
        while _count_lines(done_log) < 60 and time.monotonic() < deadline:
            assert proc.poll() is None, "the synthetic run ended before it could be killed"
            time.sleep(0.05)
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)  # the controller and all its xdist workers
    finally:
        proc.wait(timeout=120)
    time.sleep(0.2)

    finished = set(done_log.read_text().splitlines())
    rows = {r.test_id: r for r in iter_rows(run_dir)}
    assert 60 <= len(finished) < N_TESTS
    assert finished <= set(rows), "a finished test lost its row"
    assert len({r.worker for r in rows.values()}) > 1  # really several processes

    report = subprocess.run([sys.executable, "-m", "farm.cli", "report", str(run_dir),
                             "--print-path", "--no-test-pages"],
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert report.returncode == 0, report.stderr
    index = Path(report.stdout.strip().splitlines()[-1])
    assert index == run_dir / "index.html"
    html = index.read_text()
    assert f'<span class="n">{len(rows)}</span><span class="l">tests</span>' in html
    assert (run_dir / "results.parquet").is_file() and (run_dir / "results.csv").is_file()
