"""Run the ``dunning`` command line with ``python -m dunning``."""

from dunning.cli import main

main()
