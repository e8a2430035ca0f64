# The farm's pytest plugin is registered through the `pytest11` entry point (farm.plugin);
# this file stays thin on purpose.
