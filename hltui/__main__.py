"""`python -m hltui` is the `hltui` command."""

from hltui.cli import main

main()
