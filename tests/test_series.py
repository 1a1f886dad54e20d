"""The series' house rules, where a machine can check them.

- Names: every chapter's file, title and solutions notebook follow ``sine_lab.studies.contents``, and
  the README's chapter table is its rendering.
- Size: a chapter (or a solutions notebook) a reader can hold in mind: at most 40 cells and 2,500
  words of prose.
- Words: readers never meet the project's internal words (issue numbers, "the old recipe", ...).
- Colours: figures take colours from ``sine_lab.plots.COLOURS`` only, so a model kind has one colour
  in every chapter; no colour literal in a chapter or in the package outside ``plots``.
- Exercises: every exercise links its worked solution, and every solution asserts its answer.
- Stored results: every file in ``sine_lab/studies/results`` records the command that made it and is
  read by a chapter or the README.

Each check is parametrized by chapter, so ``pytest tests/test_series.py -k 04`` checks one chapter.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from sine_lab.studies.contents import CHAPTERS, Chapter, chapter_table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
RESULTS = ROOT / "sine_lab" / "studies" / "results"
README = ROOT / "README.md"
IDS = [c.stem for c in CHAPTERS]
WITH_EXERCISES = [c for c in CHAPTERS if c.exercises]

MAX_CELLS, MAX_WORDS = 40, 2500
# Words only the project's authors know.
INTERNAL = re.compile(
    r"\bissues? ?#?\d+|\bold recipe\b|\bthis session\b|\bprevious session\b|\bTF loss\b|\bs3-\d\d\b"
    r"|\btime (?:we|the authors) had\b|\bhelper session\b",
    re.IGNORECASE,
)
# A colour given by value instead of by name from sine_lab.plots: color="...", "tab:red", "C0", "#c0392b",
# or a matplotlib format string with a colour letter ("k--", "ro").
COLOUR_LITERAL = re.compile(
    r"""\b(?:colou?r|facecolou?r|edgecolou?r|c)\s*=\s*["'][^"']+["']"""
    r"""|["'](?:tab:\w+|C\d|#[0-9a-fA-F]{3,8})["']"""
    r"""|["'][bgrcmykw](?:--|-\.|-|:|o|\*|x|\.|s|\^)["']"""
)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def prose_words(notebook: nbformat.NotebookNode) -> int:
    return sum(len(cell.source.split()) for cell in notebook.cells if cell.cell_type == "markdown")


def visible_text(notebook: nbformat.NotebookNode) -> str:
    """Every cell's source and the text of its outputs."""
    parts = []
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
            parts.extend([output.get("evalue", "")])
    return "\n".join(parts)


def exercises(notebook: nbformat.NotebookNode) -> list[str]:
    """The exercises of a chapter: the numbered items of its "## Try this" section."""
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    match = re.search(r"^## Try this\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, "the chapter has no '## Try this' section"
    return re.findall(r"^\d+\. (.*?)(?=^\d+\. |\Z)", match.group(1), re.M | re.S)


# ------------------------------------------------------------------ names


def test_the_contents_list_every_notebook_once() -> None:
    on_disk = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert on_disk == [c.stem for c in CHAPTERS], "notebooks/ and sine_lab.studies.contents.CHAPTERS disagree"
    assert [c.number for c in CHAPTERS] == [f"{i:02d}" for i in range(len(CHAPTERS))], "chapters numbered 00, 01, ..."
    solutions = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    assert solutions == [c.stem for c in WITH_EXERCISES], "one solutions notebook per chapter with exercises"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_a_chapter_is_titled_as_the_contents_say(chapter: Chapter) -> None:
    first = read(NOTEBOOKS / f"{chapter.stem}.ipynb").cells[0]
    assert first.cell_type == "markdown" and first.source.splitlines()[0] == f"# {chapter.heading}"


@pytest.mark.parametrize("chapter", WITH_EXERCISES, ids=[c.stem for c in WITH_EXERCISES])
def test_its_solutions_are_titled_as_the_contents_say(chapter: Chapter) -> None:
    first = read(SOLUTIONS / f"{chapter.stem}.ipynb").cells[0]
    assert first.cell_type == "markdown" and first.source.splitlines()[0] == f"# {chapter.solutions_heading}"


def test_the_readme_table_is_rendered_from_the_contents() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- chapters:start -->\n(.*?)\n<!-- chapters:end -->", text, re.S)
    assert block, "README.md lacks its generated chapter table"
    assert block.group(1) == chapter_table("notebooks/"), "run scripts/render_contents.py"


def test_the_overview_renders_the_same_map() -> None:
    overview = read(NOTEBOOKS / "00_overview.ipynb")
    shown = visible_text(overview)
    assert chapter_table("") in shown, "chapter 00 shows the map rendered by chapter_table('')"


# ------------------------------------------------------------------ size and words


@pytest.mark.parametrize("path", [NOTEBOOKS / f"{c.stem}.ipynb" for c in CHAPTERS]
                         + [SOLUTIONS / f"{c.stem}.ipynb" for c in WITH_EXERCISES],
                         ids=IDS + [f"solutions-{c.stem}" for c in WITH_EXERCISES])
def test_a_reader_can_hold_it_in_mind(path: Path) -> None:
    notebook = read(path)
    assert len(notebook.cells) <= MAX_CELLS, f"{len(notebook.cells)} cells (at most {MAX_CELLS})"
    assert prose_words(notebook) <= MAX_WORDS, f"{prose_words(notebook)} words of prose (at most {MAX_WORDS})"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.rglob("*.ipynb")) + [README],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_internal_words(path: Path) -> None:
    text = README.read_text(encoding="utf-8") if path == README else visible_text(read(path))
    found = sorted({m.group(0) for m in INTERNAL.finditer(text)})
    assert not found, f"words a reader cannot know: {found}"


def test_the_internal_word_check_can_fail() -> None:
    assert INTERNAL.search("as issue 12 asked") and INTERNAL.search("the old recipe") and INTERNAL.search("TF loss")
    assert not INTERNAL.search("the recipe issues a warning")


# ------------------------------------------------------------------ colours


def package_sources() -> list[Path]:
    return sorted(p for p in (ROOT / "sine_lab").rglob("*.py") if p.name != "plots.py")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.rglob("*.ipynb")) + package_sources(),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_colours_come_from_the_palette(path: Path) -> None:
    if path.suffix == ".ipynb":
        code = "\n".join(c.source for c in read(path).cells if c.cell_type == "code")
    else:
        code = path.read_text(encoding="utf-8")
    found = sorted({m.group(0) for m in COLOUR_LITERAL.finditer(code)})
    assert not found, f"colour literals (use sine_lab.plots.colour(name)): {found}"


def test_the_colour_check_can_fail() -> None:
    for literal in ('color="tab:red"', "colour='grey'", '"C0"', "'k--'", '"#c0392b"', 'c="red"'):
        assert COLOUR_LITERAL.search(literal), literal
    assert not COLOUR_LITERAL.search('color=colour("lstm")')


# ------------------------------------------------------------------ exercises and solutions


@pytest.mark.parametrize("chapter", WITH_EXERCISES, ids=[c.stem for c in WITH_EXERCISES])
def test_every_exercise_links_a_solution_that_asserts_its_answer(chapter: Chapter) -> None:
    items = exercises(read(NOTEBOOKS / f"{chapter.stem}.ipynb"))
    assert items, "the Try this section lists no numbered exercise"
    for number, item in enumerate(items, 1):
        link = f"solutions/{chapter.stem}.ipynb#exercise-{number}"
        assert link in item, f"exercise {number} does not link its solution ({link})"
    solutions = read(SOLUTIONS / f"{chapter.stem}.ipynb")
    sections: dict[int, list[nbformat.NotebookNode]] = {}
    current = None
    for cell in solutions.cells:
        heading = re.match(r"## Exercise (\d+)\b", cell.source) if cell.cell_type == "markdown" else None
        if heading:
            current = int(heading.group(1))
            sections[current] = []
            assert f"../{chapter.stem}.ipynb" in cell.source, f"solution {current} does not link back to its chapter"
        elif current is not None:
            sections[current].append(cell)
    assert sorted(sections) == list(range(1, len(items) + 1)), (
        f"the chapter has {len(items)} exercises; the solutions have sections {sorted(sections)}")
    for number, cells in sections.items():
        asserts = [c for c in cells if c.cell_type == "code" and _has_assert(c.source)]
        assert asserts, f"solution {number} asserts nothing"


def _has_assert(source: str) -> bool:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


# ------------------------------------------------------------------ stored results


RESULT_FILES = sorted(p for p in RESULTS.iterdir() if p.is_file()) if RESULTS.is_dir() else []


@pytest.mark.parametrize("path", RESULT_FILES, ids=lambda p: p.name)
def test_a_stored_result_says_how_it_was_made_and_is_read(path: Path) -> None:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and str(data.get("command", "")).strip(), (
            f"{path.name} records no 'command' that made it")
    else:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert re.match(r"[#$] .*python", first), f"{path.name} does not open with the command that made it"
    # Read by its file name, or by its stem (a log read by name, e.g. load_logs("beyond_recall_lru")).
    named = re.compile(rf"{re.escape(path.name)}|[\"']{re.escape(path.stem)}[\"']")
    texts = {p: visible_text(read(p)) for p in NOTEBOOKS.glob("*.ipynb")}
    texts |= {p: p.read_text(encoding="utf-8") for p in [*(ROOT / "sine_lab").rglob("*.py"), README]}
    readers = [p for p, text in texts.items() if named.search(text)]
    assert readers, f"no chapter, package module or README reads {path.name}"
