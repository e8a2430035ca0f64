"""``power_monitor.type: ina3221``: a Linux board's own INA3221 rail monitor.

The board reads it itself: the remote runner starts the sysfs sampler (:mod:`farm.devices.ina3221`,
uploaded as a plain script, which is why this registration lives apart from it) around the timed
window and returns the rail's samples with the run.
"""

from __future__ import annotations

from farm.powermon.registry import Reading, register_monitor_kind
from farm.powermon.section import MonitorSection


@register_monitor_kind("ina3221", reading=Reading.ON_BOARD, energy_method="ina3221-sysfs")
class Ina3221Section(MonitorSection):
    """A board's ``power_monitor`` section with ``type: ina3221``."""

    kind = "ina3221"

    rail: str = "VDD_IN"
    """The sysfs rail label(s) to read, comma-separated (``in1_label`` ...)."""
