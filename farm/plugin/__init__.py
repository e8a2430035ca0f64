"""pytest plugin, registered as `pytest11: farm = farm.plugin`."""
