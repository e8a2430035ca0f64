"""``python -m farm.cli``: the same as the ``farm`` console script."""

from farm.cli import main

if __name__ == "__main__":
    main()
