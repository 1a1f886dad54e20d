"""Clean executed notebooks' outputs so that they read the same on any machine.

Called by ``scripts/execute_notebooks.py`` after each run, before writing the
notebook; ``tests/test_notebook_outputs.py`` checks the result.
"""

from __future__ import annotations

import re

import nbformat

# "/path/to/module.py:630: UserWarning: message" and the source line Python prints under it.
WARNING = re.compile(r"^\S[^\n]*?:\d+: (\w*Warning): ([^\n]*)\n(?:  [^\n]*\n)?", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
WIDGET = "application/vnd.jupyter.widget-view+json"
# What GitHub (which cannot run widgets) shows for a widget instead of its repr.
WIDGET_TEXT = "[an interactive widget: open this notebook in JupyterLab and run it to use it]"


def clean_outputs(notebook: nbformat.NotebookNode) -> None:
    """Shorten warnings and intended exceptions in ``notebook``'s outputs, in place.

    A warning shows as ``Category: message`` — without the path of the installed
    package that raised it, or the source line under it — and once per cell. An
    exception shows as its last line (``IndexError: …``), without the coloured
    traceback through the package. A widget's text fallback (its ``VBox(children=…`` repr) becomes one
    sentence saying how to use it. Everything else is left as it was.
    """
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        once = _FirstTime()
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = WARNING.sub(once, output.text)
            elif output.output_type == "error":
                output.traceback = [f"{output.ename}: {ANSI.sub('', output.evalue)}"]
            elif WIDGET in output.get("data", {}):
                output.data["text/plain"] = WIDGET_TEXT
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and not o.text)]


class _FirstTime:
    """A ``re.sub`` replacement: a warning as ``Category: message`` the first time, nothing after."""

    def __init__(self) -> None:
        self.shown: set[str] = set()

    def __call__(self, match: re.Match) -> str:
        line = f"{match[1]}: {match[2]}\n"
        if line in self.shown:
            return ""
        self.shown.add(line)
        return line
