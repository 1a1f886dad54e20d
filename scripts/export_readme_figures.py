"""Copy the README's figures out of the executed notebooks, so they always match them.

Usage: ``.venv/bin/python scripts/export_readme_figures.py`` after ``./dev execute``.
Each figure is the PNG output of the first code cell whose source contains a marker.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
# (notebook, text that identifies the cell, output file)
FIGURES = [
    ("01_example1_simple_rnn.ipynb", "Example 1 outputs one number for all 1000 times", "docs/example1.png"),
]


def export(notebook: str, marker: str, output: str) -> None:
    cells = nbformat.read(ROOT / "notebooks" / notebook, as_version=4).cells
    for cell in cells:
        if cell.cell_type == "code" and marker in cell.source:
            for out in cell.get("outputs", []):
                if "image/png" in out.get("data", {}):
                    (ROOT / output).write_bytes(base64.b64decode(out["data"]["image/png"]))
                    print(f"{output} <- {notebook}")
                    return
            raise SystemExit(f"{notebook}: the cell with {marker!r} has no PNG output; execute the notebook first")
    raise SystemExit(f"{notebook}: no code cell contains {marker!r}")


if __name__ == "__main__":
    for figure in FIGURES:
        export(*figure)
    sys.exit(0)
