"""``power_monitor.type: none`` (the default): the board has no monitor; rows get no energy."""

from __future__ import annotations

from farm.powermon.registry import NO_MONITOR, Reading, register_monitor_kind
from farm.powermon.section import MonitorSection


@register_monitor_kind(NO_MONITOR, reading=Reading.NOTHING)
class NoMonitorSection(MonitorSection):
    """A section without a monitor takes no other key."""

    kind = NO_MONITOR
