"""Every chapter notebook has a committed jupytext text pair that says the same thing.

The pairs (``notebooks_py/NN_name.py``, ``py:percent``) exist for reviewable diffs; they are only
useful if they match. The check renders each ``.ipynb`` the way jupytext would write its pair, with
the project's jupytext configuration, and compares the text — not timestamps, which a clone resets.
``./dev sync`` (or ``./dev execute``) repairs a mismatch.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PAIRS = ROOT / "notebooks_py"
FIX = "run `./dev sync` (or `./dev execute`) and commit both files"


def rendered_pair(notebook: nbformat.NotebookNode, path: Path) -> str:
    """The text jupytext writes for ``notebook`` (read from ``path``) as its py:percent pair."""
    return jupytext.writes(notebook, fmt="py:percent", config=load_jupytext_config(str(path)))


def test_there_are_chapters() -> None:
    assert len(NOTEBOOKS) >= 5, f"expected the chapter notebooks in {ROOT / 'notebooks'}; found {len(NOTEBOOKS)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS])
def test_pair_matches_notebook(path: Path) -> None:
    pair = PAIRS / path.relative_to(ROOT / "notebooks").with_suffix(".py")
    assert pair.is_file(), f"{path.name} has no text pair {pair.relative_to(ROOT)}; {FIX}"
    expected = rendered_pair(nbformat.read(path, as_version=4), path)
    committed = pair.read_text()
    if committed != expected:
        # Name the first line that differs, so the report says where the two parted.
        pair_lines, notebook_lines = committed.splitlines(), expected.splitlines()
        differing = [
            (number, have, want)
            for number, (have, want) in enumerate(zip(pair_lines, notebook_lines, strict=False), 1)
            if have != want
        ]
        lengths = ("end", f"{len(pair_lines)} lines", f"{len(notebook_lines)} lines")
        number, have, want = differing[0] if differing else lengths
        pytest.fail(
            f"{pair.relative_to(ROOT)} is out of sync with {path.name} at line {number}:\n"
            f"  pair:     {have!r}\n  notebook: {want!r}\n{FIX}"
        )


def test_no_pair_without_a_notebook() -> None:
    notebooks = {p.relative_to(ROOT / "notebooks").with_suffix("") for p in NOTEBOOKS}
    orphans = sorted(
        str(p.relative_to(PAIRS)) for p in PAIRS.rglob("*.py") if p.relative_to(PAIRS).with_suffix("") not in notebooks
    )
    assert not orphans, f"text pairs whose notebook is gone (delete them or restore the notebook): {orphans}"


def test_a_changed_cell_shows_in_the_rendering() -> None:
    """The comparison above can fail: editing one cell of a notebook changes its rendered pair."""
    path = NOTEBOOKS[0]
    notebook = nbformat.read(path, as_version=4)
    before = rendered_pair(notebook, path)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    cell.source += "\nprint('one more line')"
    after = rendered_pair(notebook, path)
    assert after != before
    assert "print('one more line')" in after
