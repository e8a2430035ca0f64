"""``make fleet-demo``: a two-PC fleet on 127.0.0.1 running the virtual lab, end to end.

Starts moto's S3 server, a Prefect server (temporary home, basic auth, filesystem lease
storage), deploys, starts workers for ``pc-a`` and ``pc-b`` (each with its own build cache and
lock directory, as two PCs would have), runs ``farm fleet run`` on the demo inventory
(``scripts/fleet_demo/inventory.yaml``), checks the merged ``results.parquet`` and stops every
process. The last line printed is the report path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from farm.fleet.loopback import LoopbackFleet

#: What the demo runs, to keep it to a few minutes: two models (the .tflite and its .onnx twin)
#: over every pool and both harness versions.
DEMO_MODELS = "ad_fc_32,ad_fc_32.onnx"


def _check(report: Path) -> list[str]:
    import pandas as pd

    frame = pd.read_parquet(report.parent / "results.parquet")
    hosts = sorted(frame["host"].dropna().unique())
    dupes = int(frame["test_id"].duplicated().sum())
    counts = frame.groupby(["host", "outcome"]).size().to_dict()
    lines = [f"fleet-demo: results.parquet: {len(frame)} rows, hosts {hosts}, {dupes} duplicates"]
    lines += [f"fleet-demo:   {h}: {n} {o}" for (h, o), n in sorted(counts.items())]
    if len(hosts) < 2 or dupes:
        raise SystemExit("fleet-demo: merged results lack a host or have duplicate rows")
    return lines


def main(argv: list[str]) -> int:
    project = Path(__file__).resolve().parents[2]
    inventory = project / "scripts" / "fleet_demo" / "inventory.yaml"
    models = os.environ.get("FLEET_DEMO_MODELS", DEMO_MODELS)
    start = time.monotonic()
    # Both "PCs" keep the demo inventory (a lab PC keeps the lab's in its checkout).
    with LoopbackFleet(project, worker_env={"FARM_INVENTORY": str(inventory)}) as fleet:
        print(f"fleet-demo: servers and workers under {fleet.root}", flush=True)
        fleet.start(inventory)
        up = time.monotonic() - start
        print(f"fleet-demo: Prefect server {fleet.api_url}, S3 127.0.0.1:{fleet.s3_port}, "
              f"workers pc-a and pc-b up in {up:.0f} s", flush=True)  # fmt: skip
        env = {**fleet.client_env(), "FARM_INVENTORY": str(inventory)}
        cmd = [sys.executable, "-m", "farm.cli", "fleet", "run", f"--models={models}", *argv]
        run_start = time.monotonic()
        done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
        run_s = time.monotonic() - run_start
        print(done.stdout.rstrip() or "", flush=True)
        lines = done.stdout.strip().splitlines()
        report = Path(lines[-1]) if lines else None
        if done.returncode not in (0, 1, 6) or report is None or not report.is_file():
            print(done.stderr[-4000:], file=sys.stderr)
            for name in ("worker-pc-a", "worker-pc-b"):
                log = fleet.root / f"{name}.log"
                if log.is_file():
                    print(f"--- {name}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            return done.returncode or 1
        for line in _check(report):
            print(line)
        print(f"fleet-demo: dispatch to merged report {run_s:.0f} s; total with start-up "
              f"{time.monotonic() - start:.0f} s", flush=True)  # fmt: skip
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
