"""The one way the tools print a table: columns padded to their widest cell, the last one free."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """The lines of a table; every column but the last is left-justified to its widest cell."""
    cells = [[str(value) for value in row] for row in [headers, *rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers) - 1)]
    return [
        "  ".join([*(value.ljust(width) for value, width in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in cells
    ]
