"""Driver registry: in-tree registration, duplicates refused, helpful unknown-type errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from farm.errors import ConfigError, PluginError
from farm.powermon.lpm01a import Lpm01aMonitor
from farm.powermon.registry import create_powermon, get_powermon, powermon_kinds, register_powermon
from farm.powermon.stlink_v3pwr import StlinkV3PwrMonitor


def test_builtin_drivers_are_registered() -> None:
    assert {"stlink-v3pwr", "lpm01a"} <= set(powermon_kinds())
    assert get_powermon("stlink-v3pwr").driver is StlinkV3PwrMonitor
    assert get_powermon("lpm01a").driver is Lpm01aMonitor


def test_duplicate_registration_is_refused() -> None:
    class Other:
        pass

    with pytest.raises(PluginError, match="power monitor type 'lpm01a': registered twice"):
        register_powermon("lpm01a", config=BaseModel)(Other)


def test_unknown_type_suggests_the_close_one() -> None:
    with pytest.raises(ConfigError, match="did you mean 'stlink-v3pwr'"):
        get_powermon("stlink-v3pw")


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ConfigError, match="voltage_mv") as info:
        create_powermon("lpm01a", "b/lpm", {"port": "/dev/null", "voltage_mv": 3600})
    assert info.value.field == "power_monitor.voltage_mv"
    with pytest.raises(ConfigError, match="sample_rate"):
        create_powermon("stlink-v3pwr", "b/v3", {"sample_rate": 5})
    driver = create_powermon("stlink-v3pwr", "b/v3", {"port": "/dev/null"}, board="b")
    assert driver.name == "b/v3"
