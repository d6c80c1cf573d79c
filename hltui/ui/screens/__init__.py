"""Screens: help, problems, filter."""
