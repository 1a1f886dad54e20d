"""Re-execute notebooks in place so their committed outputs match the code.

Usage: ``./dev execute [NOTEBOOK ...]`` (default: every ``notebooks/*.ipynb``).

Each notebook runs top to bottom in a fresh kernel from the ``notebooks/`` folder,
as a reader's JupyterLab would; widget state is stored so widgets render on
GitHub. A notebook that raises where it is not marked to is reported and left
unchanged on disk, so a failing run never overwrites good outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from clean_outputs import clean_outputs

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    # Every chapter opens with the project's kernel; authoring tools' metadata is not part of it.
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    # A cell nbval expects to raise (first line "# NBVAL_RAISES_EXCEPTION") must be
    # allowed to raise here too; nbclient reads that from a tag, which is set only
    # while executing, since nbval warns when a comment and a tag both mark a cell.
    raising = [
        cell for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_RAISES_EXCEPTION")
    ]
    for cell in raising:
        cell.metadata["tags"] = [*cell.metadata.get("tags", []), "raises-exception"]
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"FAILED {path.name}: {error}", file=sys.stderr)
        return False
    for cell in raising:
        cell.metadata["tags"].remove("raises-exception")
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]
    clean_outputs(notebook)
    nbformat.write(notebook, path)
    print(f"ok     {path.name} ({time.perf_counter() - started:.0f} s)")
    return True


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("no such notebook: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    results = [execute(p) for p in paths]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
