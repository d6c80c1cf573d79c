"""`python -m hltui` is the `hltui` command."""

from hltui.cli import main

if __name__ == "__main__":  # not when a search worker process imports it
    main()
