"""Operator commands: setup helpers, the emulator, change sets, preflight, drift."""
