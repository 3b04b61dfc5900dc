"""`python -m mbo` is the `mbo` command."""

from mbo.cli import main

main()
