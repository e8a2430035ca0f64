"""The Pi twin's "external power monitor": streams the virtual rail's watts, one line per read.

Runs on the lab PC as the ``power_monitor.command`` of a Pi twin, like a USB power meter's
logging tool would: ``python -m farm.virtual.rail_reader <power_w file> --period-ms 2``. It
keeps running and prints a number (watts) per line until it is killed.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a virtual rail's watts, streaming.")
    parser.add_argument("watts_file")
    parser.add_argument("--period-ms", type=float, default=2.0)
    args = parser.parse_args(argv)
    period_s = args.period_ms / 1000.0
    while True:
        with open(args.watts_file) as handle:
            value = handle.read().strip()
        sys.stdout.write(value + "\n")
        sys.stdout.flush()
        time.sleep(period_s)


if __name__ == "__main__":
    sys.exit(main())
