"""Every committed notebook's outputs are clean enough to read on GitHub.

The chapters are committed executed, so what a reader sees is whatever the
kernel printed. These checks keep out what belongs to the machine that ran
them (absolute paths, installed-package locations), terminal noise (ANSI
colour codes, progress bars' text fallbacks) and long logs, and require every
code cell to have run. ``scripts/execute_notebooks.py`` cleans warnings and
intended exceptions into one short line each when it executes a notebook.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

# Chapters and their solutions (notebooks/solutions/).
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").rglob("*.ipynb"))

# Locations that exist only on the machine that executed the notebook.
MACHINE_PATH = re.compile(
    r"(?<![\w.])/(?:work|tmp|root|home|Users|usr|opt|var)/|site-packages|dist-packages|\b[A-Z]:\\(?=\w)"
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# tqdm's text rendering: "  0%|     | 0/1000 [00:00<?, ?it/s]".
PROGRESS = re.compile(r"\d+%\|| ?(?:it|epoch|step)s?/s\]")
# A log is many lines that differ only in their numbers ("Epoch [100/1000], Loss: 0.44"); a table of
# results has rows that differ in their labels. At most this many lines of one shape, and at most
# MAX_STREAM_LINES lines in all, per stream of a cell.
MAX_LOG_LINES = 10
MAX_STREAM_LINES = 40
DIGITS = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# Rich outputs whose text is not shown to the reader (widgets render from their state).
TEXT_MIMES = ("text/plain", "text/html", "text/markdown")


def output_texts(output: dict) -> list[str]:
    """The text a reader can see in one output: stream text, text renderings, error lines."""
    if output["output_type"] == "stream":
        return [output["text"]]
    if output["output_type"] == "error":
        return [output["ename"], output["evalue"], *output["traceback"]]
    data = output.get("data", {})
    return [
        data[mime] if isinstance(data[mime], str) else "".join(data[mime]) for mime in TEXT_MIMES if mime in data
    ]


def problems(path: Path) -> list[str]:
    """Every way ``path``'s committed outputs break the rules above, one line each."""
    found = []
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {index}"
        if cell.execution_count is None and cell.source.strip():
            found.append(f"{where}: not executed")
        streams: dict[str, list[str]] = {}
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                streams.setdefault(output["name"], []).extend(output["text"].rstrip("\n").split("\n"))
            for text in output_texts(output):
                rules = ((MACHINE_PATH, "a machine path"), (ANSI, "an ANSI code"), (PROGRESS, "progress-bar text"))
                for pattern, what in rules:
                    match = pattern.search(text)
                    if match:
                        start = max(0, match.start() - 40)
                        found.append(f"{where}: {what}: …{text[start:match.end() + 40]!r}…")
            if output["output_type"] == "error" and len(output["traceback"]) > 1:
                found.append(f"{where}: a {len(output['traceback'])}-frame traceback instead of one clean line")
        for name, lines in streams.items():
            if len(lines) > MAX_STREAM_LINES:
                found.append(f"{where}: {len(lines)} lines of {name} (at most {MAX_STREAM_LINES})")
            shapes = Counter(DIGITS.sub("#", line).strip() for line in lines if line.strip())
            shape, count = shapes.most_common(1)[0] if shapes else ("", 0)
            if count > MAX_LOG_LINES:
                found.append(f"{where}: a log of {count} lines like {shape!r} in {name} (at most {MAX_LOG_LINES})")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_are_clean(path):
    found = problems(path)
    assert not found, "\n".join(found)


def test_the_checks_catch_what_they_look_for(tmp_path):
    """Each rule fails on a notebook that breaks it (so a clean result means something)."""
    notebook = nbformat.v4.new_notebook()
    stream = nbformat.v4.new_output("stream", name="stderr", text=(
        "/home/me/.venv/lib/python3.11/site-packages/torch/nn/modules/loss.py:630: UserWarning: size\n"
    ))
    notebook.cells = [
        nbformat.v4.new_code_cell("print(1)", execution_count=None),
        nbformat.v4.new_code_cell("warn()", execution_count=2, outputs=[stream]),
        nbformat.v4.new_code_cell("bar()", execution_count=3, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/plain": "training:   0%|          | 0/1000 [00:00<?, ?epoch/s]"})]),
        nbformat.v4.new_code_cell("raise", execution_count=4, outputs=[nbformat.v4.new_output(
            "error", ename="IndexError", evalue="too many indices",
            traceback=["\x1b[0;31mIndexError\x1b[0m Traceback", "IndexError: too many indices"])]),
        nbformat.v4.new_code_cell("log()", execution_count=5, outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="".join(f"Epoch [{e}/1000], Loss: {1 / e:.4f}\n" for e in range(1, 12)))]),
        nbformat.v4.new_code_cell("wall()", execution_count=6, outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="".join(f"row {chr(65 + i % 26)}{i // 26}\n" for i in range(41)))]),
        nbformat.v4.new_code_cell("table()", execution_count=7, outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="".join(f"{name:8s} {i * 0.1:.1e}\n" for i, name in enumerate(
                ["rnn", "lstm", "gru", "linear", "irnn", "lru", "attention", "transformer", "mlp", "tcn", "s4", "x"]
            )))]),
        nbformat.v4.new_code_cell("fine()", execution_count=8, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="UserWarning: size\n" + "x = 1/2\n" * 5)]),
    ]
    path = tmp_path / "bad.ipynb"
    nbformat.write(notebook, path)
    found = problems(path)
    expected = {
        "cell 0: not executed", "cell 1: a machine path", "cell 2: progress-bar text", "cell 3: an ANSI code",
        "cell 3: a 2-frame traceback", "cell 4: a log of 11 lines like 'Epoch [#/#], Loss: #'",
        "cell 5: 41 lines of stdout",
    }
    for fragment in expected:
        assert any(fragment in line for line in found), (fragment, found)
    # A 12-row table of results and a cleaned warning are not logs.
    assert not any("cell 6" in line or "cell 7" in line for line in found), found
    assert len(found) == len(expected), found


def test_clean_outputs_shortens_warnings_and_tracebacks(tmp_path):
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "clean_outputs.py"
    spec = importlib.util.spec_from_file_location("clean_outputs", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    warning = (
        "/home/me/.venv/lib/python3.11/site-packages/torch/nn/modules/loss.py:630: "
        "UserWarning: Using a target size\n"
        "  return F.mse_loss(input, target, reduction=self.reduction)\n"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("train(); train()", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="Epoch [100/1000], Loss: 0.4432\n"),
            nbformat.v4.new_output("stream", name="stderr", text=warning),
            nbformat.v4.new_output("stream", name="stderr", text=warning),
        ]),
        nbformat.v4.new_code_cell("train()", execution_count=2, outputs=[
            nbformat.v4.new_output("stream", name="stderr", text=warning),
            nbformat.v4.new_output("error", ename="IndexError", evalue="too many indices for tensor of dimension 2",
                                   traceback=["\x1b[31mIndexError\x1b[39m Traceback", "File /home/me/x.py:3",
                                              "IndexError: …"]),
        ]),
        nbformat.v4.new_code_cell("playground", execution_count=3, outputs=[
            nbformat.v4.new_output("display_data", data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "1", "version_major": 2, "version_minor": 0},
                "text/plain": "VBox(children=(HTML(value='<h3>sine-lab playground</h3>'), ...))"}),
        ]),
    ]
    module.clean_outputs(notebook)
    first, second, widget = notebook.cells
    assert widget.outputs[0].data["text/plain"] == module.WIDGET_TEXT, "a widget's repr becomes how to use it"
    assert [o.text for o in first.outputs] == ["Epoch [100/1000], Loss: 0.4432\n", "UserWarning: Using a target size\n"]
    assert second.outputs[0].text == "UserWarning: Using a target size\n"  # once per cell, so again here
    assert second.outputs[1].traceback == ["IndexError: too many indices for tensor of dimension 2"]
    nbformat.write(notebook, tmp_path / "cleaned.ipynb")
    assert not problems(tmp_path / "cleaned.ipynb")
