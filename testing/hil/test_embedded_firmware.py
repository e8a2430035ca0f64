"""The harness with the model compiled in (recipe ``model: embedded``) passes on a twin and
gives the same outputs as the blob-loading harness for the same model and inputs; no blob is
written; its items are marked ``model_in_image`` in ``farm matrix --json``."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from .conftest import MODEL, REPO, MakeProject, python

EMBEDDED = "joulefarm-harness-embedded@1.0"
BLOB = "joulefarm-harness@1.0"


def _results_lines(text: str) -> list[str]:
    return re.findall(r"m-results-(?:raw-)?\[[^\]]*\]", text)


@pytest.mark.slow
def test_model_in_image_gives_the_blob_harness_outputs(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L4R5ZI"])
    link = project.root / "firmware" / "harness_embedded"
    link.symlink_to(REPO / "firmware" / "harness_embedded")
    listed = subprocess.run(
        [python(), "-m", "farm.cli", "matrix", "--json"],
        cwd=project.root, env=project.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    items = {i["firmware"]: i for i in json.loads(listed.stdout) if i["model"] == MODEL}
    assert items[EMBEDDED]["model_in_image"] is True and items[EMBEDDED]["status"] == "run"
    assert items[BLOB]["model_in_image"] is False

    board = next(iter(project.boards))
    embedded_id, blob_id = (project.node_id(board, fw) for fw in (EMBEDDED, BLOB))
    run = project.run(embedded_id, blob_id, timeout_s=600, FARM_HIL_INPUTS="3")
    assert run.returncode == 0, run.output
    rows = {fw: run.row(i) for fw, i in ((EMBEDDED, embedded_id), (BLOB, blob_id))}
    for row in rows.values():
        assert row["outcome"] == "passed" and row["outputs_bit_exact"] is True, row
    assert rows[EMBEDDED]["image_hash"] != rows[BLOB]["image_hash"]
    assert rows[EMBEDDED]["instructions_per_inference"] > 0
    logs = {fw: (run.run_dir / row["console_log"]).read_text() for fw, row in rows.items()}
    # The same inputs give the same outputs, line for line (raw int8 and 3-decimal results).
    assert _results_lines(logs[EMBEDDED]) == _results_lines(logs[BLOB])
    assert len(_results_lines(logs[BLOB])) >= 6
    # The embedded image is started without a model blob; the blob harness with one.
    assert ", model 0 bytes" in logs[EMBEDDED] and ", model 0 bytes" not in logs[BLOB]
