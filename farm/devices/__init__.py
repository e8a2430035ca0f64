"""Board drivers: real Nucleo boards over pyocd, QEMU twins, Linux boards over SSH.

Open a board with :func:`farm.devices.registry.open_board`; what a board can do is in
:mod:`farm.devices.protocols`. Drivers register themselves by the inventory's ``backend``
(``pyocd`` -> :mod:`~farm.devices.nucleo`, ``qemu`` -> :mod:`~farm.devices.qemu`, ``ssh`` ->
:mod:`~farm.devices.linux`) and are imported on first use.
"""
