"""Offline test helpers shared by the project's test suites."""
