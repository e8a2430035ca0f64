"""``python -m farm.cli``: the same as the ``farm`` console script."""

from farm.cli import main

main()
