"""Reusable widgets of the hltui browser."""
