"""hltui: a terminal browser for Humanloop LLM logs."""

__version__ = "0.1.0"
