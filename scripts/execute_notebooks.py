"""Re-execute notebooks in place so their committed outputs match the code, and keep their text pairs in sync.

Usage: ``./dev execute [NOTEBOOK ...]`` (default: every chapter ``notebooks/*.ipynb``
and every solutions notebook ``notebooks/solutions/*.ipynb``);
``./dev sync [NOTEBOOK ...]`` only syncs the text pairs, without executing.

Every chapter ``notebooks/NN_name.ipynb`` has a jupytext twin ``notebooks_py/NN_name.py``
(``py:percent``; the pairing is ``[tool.jupytext]`` in ``pyproject.toml``). Syncing follows jupytext's
rule: the more recently modified file of a pair gives the cells' sources, the ``.ipynb`` keeps the
outputs. So a reader may edit either file; ``./dev execute`` first takes in such edits, then runs the
notebook and writes both files.

Each notebook runs top to bottom in a fresh kernel from the ``notebooks/`` folder, as a reader's
JupyterLab would; widget state is stored so widgets render on GitHub. A notebook that raises where it
is not marked to is reported and its outputs are left unchanged on disk, so a failing run never
overwrites good outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from clean_outputs import clean_outputs
from jupytext.cli import jupytext
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def sync(path: Path) -> bool:
    """Bring ``path`` and its text pair in line (newest sources win); False when jupytext fails."""
    try:
        code = jupytext(["--sync", "--quiet", str(path)])
    except Exception as error:  # jupytext reports a malformed pair or notebook by raising
        print(f"FAILED {path.name}: could not sync its text pair: {error}", file=sys.stderr)
        return False
    return code == 0


def execute(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    # Every chapter opens with the project's kernel; authoring tools' metadata is not part of it
    # (the pairing lives in pyproject.toml, not in each notebook).
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    started = time.perf_counter()
    # A cell tagged "raises-exception" (an intended error) may raise: nbclient reads the tag, as nbval does.
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"FAILED {path.name}: {error}", file=sys.stderr)
        return False
    clean_outputs(notebook)
    nbformat.write(notebook, path)
    print(f"ok     {path.name} ({time.perf_counter() - started:.0f} s)")
    return True


def main(argv: list[str]) -> int:
    sync_only = "--sync-only" in argv
    arguments = [a for a in argv if a != "--sync-only"]
    paths = [Path(a).resolve() for a in arguments] or sorted(
        p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    missing = [p for p in paths if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        print("expected notebooks (.ipynb files); received: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    results = []
    for path in paths:
        # Sync before executing, so that a reader's edits of the .py are what runs, and after, since
        # executing rewrites the notebook (its kernelspec, for one) and the pair must follow.
        ok = sync(path) and (sync_only or (execute(path) and sync(path)))
        if ok and sync_only:
            print(f"synced {path.name}")
        results.append(ok)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
