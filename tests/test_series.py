"""The series' house rules, where a machine can check them.

- Names: every chapter's file, title and solutions notebook follow ``sine_lab.studies.contents``, and
  the README's chapter table is its rendering.
- Size: a chapter (or a solutions notebook) a reader can hold in mind: at most 40 cells and 2,500
  words of prose.
- Words: readers never meet the project's internal words (issue numbers, "the old recipe", ...), and every
  glossary term a chapter uses is linked to the glossary page at its first use.
- Numbers: a result quoted in prose (``0.46``, ``2.9e-15``, ``5.4·10⁸``) is one a cell of the notebook
  prints (or, for a solution, one its chapter prints), to the digits quoted; the few numbers prose
  derives by arithmetic from a setting are listed, each with its derivation.
- Colours: figures take colours from ``sine_lab.plots.COLOURS`` only, so a model kind has one colour
  in every chapter; no colour literal in a chapter or in the package outside ``plots``.
- Exercises: every exercise links its worked solution, and every solution asserts its answer.
- Stored results: every file in ``sine_lab/studies/results`` records the command that made it and is
  read by a chapter or the README.
- The ledger: every claim of the article is quoted verbatim, with a verdict and the chapter section that
  asserts it; chapter 00 and the README show the same rendering.

Each check is parametrized by chapter, so ``pytest tests/test_series.py -k 04`` checks one chapter.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from sine_lab.studies.contents import (
    CHAPTERS,
    GLOSSARY,
    GLOSSARY_PAGE,
    Chapter,
    chapter,
    chapter_table,
    glossary_link,
    navigation,
    unlinked_first_uses,
)
from sine_lab.studies.forecasting_study import cycles_table, kinds_table
from sine_lab.studies.ledger import ANSWER, LEDGER, Claim, answer_list, ledger_table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
RESULTS = ROOT / "sine_lab" / "studies" / "results"
README = ROOT / "README.md"
ARTICLE = ROOT.parent / "shared" / "seed" / "why-cant-a-pytorch-rnn-learn-a-sine.md"
IDS = [c.stem for c in CHAPTERS]
WITH_EXERCISES = [c for c in CHAPTERS if c.exercises]

MAX_CELLS, MAX_WORDS = 40, 2500
# Words only the project's authors know.
INTERNAL = re.compile(
    r"\bissues? ?#?\d+|\bold recipe\b|\bthis session\b|\bprevious session\b|\bTF loss\b|\bs3-\d\d\b"
    r"|\btime (?:we|the authors) had\b|\bhelper session\b|(?-i:\bNBVAL_[A-Z_]+)",
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
    assert on_disk == sorted([c.stem for c in CHAPTERS] + [GLOSSARY_PAGE]), \
        "notebooks/ and sine_lab.studies.contents.CHAPTERS (and the glossary page) disagree"
    assert [c.number for c in CHAPTERS] == [f"{i:02d}" for i in range(len(CHAPTERS))], "chapters numbered 00, 01, ..."
    solutions = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    assert solutions == [c.stem for c in WITH_EXERCISES], "one solutions notebook per chapter with exercises"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_a_chapter_is_titled_as_the_contents_say(chapter: Chapter) -> None:
    first = read(NOTEBOOKS / f"{chapter.stem}.ipynb").cells[0]
    assert first.cell_type == "markdown" and first.source.splitlines()[0] == f"# {chapter.heading}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_a_chapter_ends_with_links_to_its_neighbours_titled_as_the_contents_say(chapter: Chapter) -> None:
    last = [c for c in read(NOTEBOOKS / f"{chapter.stem}.ipynb").cells if c.cell_type == "markdown"][-1]
    assert navigation(chapter.number) in last.source, f"its last cell lacks: {navigation(chapter.number)}"


@pytest.mark.parametrize("chapter", WITH_EXERCISES, ids=[c.stem for c in WITH_EXERCISES])
def test_its_solutions_are_titled_as_the_contents_say(chapter: Chapter) -> None:
    first = read(SOLUTIONS / f"{chapter.stem}.ipynb").cells[0]
    assert first.cell_type == "markdown" and first.source.splitlines()[0] == f"# {chapter.solutions_heading}"


BLOCKS = [("answer", answer_list), ("chapters", chapter_table), ("ledger", ledger_table)]
# Blocks only the README shows (rendered without a folder argument).
README_ONLY = [("cycles", lambda _folder: cycles_table()), ("kinds", lambda _folder: kinds_table())]


@pytest.mark.parametrize(("block", "render"), BLOCKS + README_ONLY)
def test_the_readme_blocks_are_rendered_from_their_source(block: str, render) -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {block}:start -->\n(.*?)\n<!-- {block}:end -->", text, re.S)
    assert found, f"README.md lacks its generated {block} block"
    assert found.group(1) == render("notebooks/"), "run scripts/render_contents.py"


@pytest.mark.parametrize("render", [render for _, render in BLOCKS])
def test_the_overview_shows_the_same_renderings(render) -> None:
    shown = visible_text(read(NOTEBOOKS / "00_overview.ipynb"))
    assert render("") in shown, f"chapter 00 shows {render.__name__}('') as rendered now (re-execute it)"


# ------------------------------------------------------------------ size and words


@pytest.mark.parametrize("path", [NOTEBOOKS / f"{c.stem}.ipynb" for c in CHAPTERS]
                         + [SOLUTIONS / f"{c.stem}.ipynb" for c in WITH_EXERCISES],
                         ids=IDS + [f"solutions-{c.stem}" for c in WITH_EXERCISES])
def test_a_reader_can_hold_it_in_mind(path: Path) -> None:
    notebook = read(path)
    assert len(notebook.cells) <= MAX_CELLS, f"{len(notebook.cells)} cells (at most {MAX_CELLS})"
    assert prose_words(notebook) <= MAX_WORDS, f"{prose_words(notebook)} words of prose (at most {MAX_WORDS})"


# A number in scientific notation, as prose writes it: 2.9e-15, 5.4·10⁸, 2.9×10⁵, 3.45·10⁻⁹.
QUOTED = re.compile(r"(?<![\w.])(\d\.(\d+))(?:e|·10|×10)([-−⁻]?[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
# A decimal number that is not the mantissa of one (0.46, 1.67); section numbers and code spans are left out.
DECIMAL = re.compile(r"(?<![\w.·^])(\d+\.(\d+))(?![\w.]|·10|×10|e[-\d])")
# Numbers the prose derives from a setting by arithmetic rather than quoting a cell: (notebook, number): how.
DERIVED = {
    ("glossary.ipynb", "0.38"): "12/32, the two-sided chance of the sign test's example",
    ("glossary.ipynb", "0.5"): "an example matrix's eigenvalue; the mean square of a unit sine, 1/2",
    ("05_the_articles_advice.ipynb", "0.003"): "an exercise's noise setting",
    ("08_sampling_rate_and_the_head.ipynb", "1.6"): "1000 steps / (2π · 100 samples per cycle)",
    ("09_when_memory_matters.ipynb", "0.73"): "σ(1), the forget gate's start with bias 1",
    ("11_playground.ipynb", "0.9"): "the threshold the playground's verdict uses",
    ("11_playground.ipynb", "0.5"): "an exercise's slider setting",
    ("solutions/06_gradients_through_time.ipynb", "11.5"): "the printed chance 0.115, as a percentage",
}
PRINTED = re.compile(r"\d+(?:\.\d*)?(?:e[-+]?\d+)?")
_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹−", "-0123456789-")


def quoted_numbers(notebook: nbformat.NotebookNode) -> list[tuple[str, float, float]]:
    """``(as written, value, half a unit of its last digit)`` for each number the prose quotes."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        # Headings carry section numbers (### 2.1) and code spans settings (noise=0.05): neither is a result.
        prose = re.sub(r"`[^`]*`", "", "\n".join(line for line in cell.source.splitlines() if not line.startswith("#")))
        for match in QUOTED.finditer(prose):
            exponent = int(match.group(3).translate(_SUPERSCRIPTS))
            value = float(match.group(1)) * 10.0**exponent
            found.append((match.group(0), value, 0.5 * 10.0 ** (exponent - len(match.group(2)))))
        for match in DECIMAL.finditer(prose):
            found.append((match.group(1), float(match.group(1)), 0.5 * 10.0 ** -len(match.group(2))))
    return found


def printed_numbers(notebook: nbformat.NotebookNode) -> list[float]:
    text = "\n".join(c.source + "\n" + visible_text(nbformat.v4.new_notebook(cells=[c]))
                     for c in notebook.cells if c.cell_type == "code")
    return [float(m.group(0)) for m in PRINTED.finditer(text)]


# A factor as prose writes it: 14x, 2,050x, 1.005×, 9.96x.
FACTOR = re.compile(r"(?<![\w.·^,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?[x×](?![\w\d])")
# A count of runs or seeds: 7 of 9 (printed as 7 of 9 or 7/9); "the last 1000 of 5000 steps" is a stretch.
COUNT = re.compile(r"(?<![\w.])(\d+) of (\d+)(?!\d| steps| samples)")
_CHAPTER_MENTION = re.compile(r"chapters? (\d\d)(?:(?:,| and| to|–) (\d\d))*")


def summary_numbers(text: str) -> list[tuple[str, float, float]]:
    """What :func:`quoted_numbers` finds in a piece of prose, plus its factors (``14x``)."""
    found = quoted_numbers(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]))
    for match in FACTOR.finditer(re.sub(r"`[^`]*`", "", text)):
        digits = match.group(2) or ""
        value = float(match.group(1).replace(",", "") + (f".{digits}" if digits else ""))
        found.append((match.group(0), value, 0.5 * 10.0 ** -len(digits)))
    return found


def evidence(paths: list[Path]) -> tuple[list[float], str]:
    """Every number the code cells of these notebooks print, and their sources and outputs as text."""
    printed, text = [], ""
    for path in paths:
        notebook = read(path)
        printed += printed_numbers(notebook)
        text += "\n".join(visible_text(nbformat.v4.new_notebook(cells=[c]))
                          for c in notebook.cells if c.cell_type == "code")
    # Printed tables write thousands with commas (2,050x); read them whole too.
    printed += [float(m.replace(",", "")) for m in re.findall(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text)]
    return printed, text


def unprinted(prose: str, paths: list[Path]) -> list[str]:
    """Numbers, factors and counts (``7 of 9``) in the prose that no code cell of ``paths`` prints."""
    printed, shown = evidence(paths)
    missing = [t for t, value, half in summary_numbers(prose)
               if not any(abs(p - value) <= half * 1.0001 for p in printed)]
    missing += [m.group(0) for m in COUNT.finditer(re.sub(r"`[^`]*`", "", prose))
                if m.group(0) not in shown and f"{m.group(1)}/{m.group(2)}" not in shown]
    return missing


def chapter_paths(numbers: set[str]) -> list[Path]:
    stems = [chapter(n).stem for n in sorted(numbers) if any(c.number == n for c in CHAPTERS)]
    return [p for stem in stems for p in (NOTEBOOKS / f"{stem}.ipynb", SOLUTIONS / f"{stem}.ipynb") if p.exists()]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.rglob("*.ipynb")), ids=lambda p: str(p.relative_to(ROOT)))
def test_prose_quotes_numbers_a_cell_prints(path: Path) -> None:
    sources = [path] + ([NOTEBOOKS / path.name] if path.parent == SOLUTIONS else [])  # a solution may quote its chapter
    name = str(path.relative_to(NOTEBOOKS))
    # Headings carry section numbers (### 2.1) and code spans settings (noise=0.05): neither is a result.
    prose = "\n".join(line for cell in read(path).cells if cell.cell_type == "markdown"
                      for line in cell.source.splitlines() if not line.startswith("#"))
    # Prose may quote a chapter it names ("chapter 08's 0 of 9").
    named = {n for m in _CHAPTER_MENTION.finditer(prose) for n in re.findall(r"\d\d", m.group(0))}
    missing = [text for text in unprinted(prose, sources + chapter_paths(named)) if (name, text) not in DERIVED]
    assert not missing, f"quoted in the prose but printed by no cell (to the digits quoted): {missing}"


def unprinted_in_summary(text: str, cited: tuple[str, ...]) -> list[str]:
    """Numbers, factors and counts of a README summary that no cell of the chapters it cites (or names) prints."""
    numbers = set(cited)
    for match in _CHAPTER_MENTION.finditer(text):
        numbers |= set(re.findall(r"\d\d", match.group(0)))
    return unprinted(text, chapter_paths(numbers))


SUMMARIES = ([(f"ledger: {c.quote[:40]}", c.verdict + " " + c.evidence, (c.chapter,)) for c in LEDGER]
             + [(f"answer: {p.lead[:40]}", p.plain + " " + p.text, p.chapters) for p in ANSWER]
             + [(f"row {c.number}", c.finds, (c.number,)) for c in CHAPTERS])


@pytest.mark.parametrize(("label", "text", "cited"), SUMMARIES, ids=[s[0] for s in SUMMARIES])
def test_the_readme_quotes_numbers_its_chapters_print(label: str, text: str, cited: tuple[str, ...]) -> None:
    missing = unprinted_in_summary(text, cited)
    assert not missing, f"{label}: printed by no cell of chapters {cited} (to the digits quoted): {missing}"


def test_the_summary_check_reads_factors_and_counts_and_can_fail() -> None:
    found = {t for t, _, _ in summary_numbers("beats it 2,050x, then 1.005×; `lr=0.05`; 7 of 9")}
    assert {"2,050x", "1.005×"} <= found and not found & {"0.05", "7", "9"}
    assert unprinted_in_summary("overfits in 99 of 99 runs, 123456x below", ("05",)) == ["123456x", "99 of 99"]


def test_the_number_check_reads_both_notations_and_can_fail() -> None:
    new = nbformat.v4
    notebook = new.new_notebook(cells=[
        new.new_markdown_cell("## 2.1 A section\nerrors 2.9e-15 and 5.4·10⁸, then 3.1·10⁻⁹; `lr=0.05`; ratio 0.46"),
        new.new_code_cell("print(x)")])
    notebook.cells[1].outputs = [new.new_output("stream", text="2.94e-15 540000000.0 0.4651\n")]
    assert [(t, v) for t, v, _ in quoted_numbers(notebook)] == [
        ("2.9e-15", 2.9e-15), ("5.4·10⁸", 5.4e8), ("3.1·10⁻⁹", pytest.approx(3.1e-9)), ("0.46", 0.46)]
    printed = printed_numbers(notebook)
    assert [t for t, v, h in quoted_numbers(notebook) if not any(abs(p - v) <= h * 1.0001 for p in printed)] == [
        "3.1·10⁻⁹", "0.46"]  # 0.4651 rounds to 0.47: a prose 0.46 is not what the cell printed


def glossary_headings() -> list[str]:
    page = read(NOTEBOOKS / f"{GLOSSARY_PAGE}.ipynb")
    return [m.group(1).strip() for cell in page.cells if cell.cell_type == "markdown"
            for m in re.finditer(r"^## (.+)$", cell.source, re.M)]


def test_the_glossary_defines_every_term_chapters_link_to() -> None:
    headings = set(glossary_headings())
    assert set(GLOSSARY) <= headings, f"terms without a glossary entry: {sorted(set(GLOSSARY) - headings)}"


def test_the_glossary_is_alphabetical_and_indexed() -> None:
    headings = glossary_headings()
    assert headings == sorted(headings, key=str.lower), "entries out of alphabetical order"
    first = read(NOTEBOOKS / f"{GLOSSARY_PAGE}.ipynb").cells[0].source
    unindexed = [h for h in headings if f"](#{h.replace(' ', '-')})" not in first and "(" not in h]
    assert not unindexed, f"entries missing from the index at the top: {unindexed}"


@pytest.mark.parametrize("chapter_", CHAPTERS[1:], ids=lambda c: c.stem)
def test_a_glossary_term_is_linked_at_its_first_use(chapter_: Chapter) -> None:
    notebook = read(NOTEBOOKS / f"{chapter_.stem}.ipynb")
    unlinked = unlinked_first_uses([cell.source for cell in notebook.cells if cell.cell_type == "markdown"])
    assert not unlinked, f"first uses not linked to the glossary: {unlinked}"


def test_the_first_use_check_can_fail() -> None:
    link = glossary_link("teacher forcing")
    assert unlinked_first_uses([f"# Teacher forcing\n\nWe use [teacher forcing]({link}) here."]) == []
    assert unlinked_first_uses(["> the article's teacher forcing", f"then [teacher forcing]({link})"]) == []
    found = unlinked_first_uses(["Trained with teacher forcing.", f"Later [teacher forcing]({link})."])
    assert [term for term, _ in found] == ["teacher forcing"]
    assert [t for t, _ in unlinked_first_uses(["the `MSE` in code, then the MSE in prose"])] == ["mse"]
    # A link whose text is another word still links the term: its address names the anchor.
    assert unlinked_first_uses([f"it is run [free]({glossary_link('free running')}) afterwards"]) == []


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.rglob("*.ipynb")) + [README],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_internal_words(path: Path) -> None:
    text = README.read_text(encoding="utf-8") if path == README else visible_text(read(path))
    found = sorted({m.group(0) for m in INTERNAL.finditer(text)})
    assert not found, f"words a reader cannot know: {found}"


def test_the_internal_word_check_can_fail() -> None:
    assert INTERNAL.search("as issue 12 asked") and INTERNAL.search("the old recipe") and INTERNAL.search("TF loss")
    assert not INTERNAL.search("the recipe issues a warning")
    assert INTERNAL.search("# NBVAL_CHECK_OUTPUT") and not INTERNAL.search("nbval_sanitize.cfg")


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


# ------------------------------------------------------------------ links into the overview


def heading_anchors(notebook: nbformat.NotebookNode) -> set[str]:
    """Each markdown heading's anchor as JupyterLab, GitHub and the site write it: its text with spaces as '-'
    (the glossary's headings are lowercase, so the case-keeping and lowercasing schemes agree)."""
    found = set()
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for heading in re.findall(r"^#{1,6} (.+?)\s*$", cell.source, re.M):
                found.add(heading.replace(" ", "-"))
    return found


LINKED = sorted([*NOTEBOOKS.glob("*.ipynb"), *SOLUTIONS.glob("*.ipynb")])


@pytest.mark.parametrize("path", LINKED, ids=lambda p: f"{p.parent.name}-{p.stem}")
@pytest.mark.parametrize("target", ["00_overview", GLOSSARY_PAGE])
def test_every_link_into_the_overview_and_the_glossary_finds_its_heading(path: Path, target: str) -> None:
    anchors = heading_anchors(read(NOTEBOOKS / f"{target}.ipynb"))
    text = "\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")
    pattern = r"\]\(#([^)\s]+)\)" if path.stem == target else rf"{target}\.ipynb#([^)\s]+)\)"
    missing = sorted({a for a in re.findall(pattern, text) if a not in anchors})
    assert not missing, f"links to headings {target} does not have: {missing}"


def test_the_anchor_check_can_fail() -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### teacher forcing\ntext")])
    assert heading_anchors(notebook) == {"teacher-forcing"}


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
        # "## Exercise N" and nothing after it: its anchor is then exercise-N on GitHub and the site.
        heading = re.match(r"## Exercise (\d+)[ \t]*$", cell.source, re.M) if cell.cell_type == "markdown" else None
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


# ------------------------------------------------------------------ the ledger of the article's claims

# What the ledger must answer (the article's diagnosis, each remedy it names, the long-period remark).
REQUIRED = (
    "vanishing gradient problem", "significantly influenced by values many steps in the past",
    "Jacobians is consistently less than 1", "unbounded nature of the sine function's derivatives",
    "gating mechanisms", "GRUs", "period is significantly long relative to the sequence length",
    "increasing the number of LSTM layers and the hidden state dimension", "lower learning rate often needed",
    "batch size", "dropout", "Overfitting remains a concern", "gradient clipping", "different activation functions",
    "attention mechanisms and Transformer networks",
)


def _normal(text: str) -> str:
    return " ".join(text.replace("*", "").split())


def test_the_ledger_answers_every_claim_of_the_article() -> None:
    quotes = " | ".join(claim.quote for claim in LEDGER)
    missing = [phrase for phrase in REQUIRED if phrase not in quotes]
    assert not missing, f"claims of the article the ledger does not quote: {missing}"


def section_cells(notebook: nbformat.NotebookNode, title: str) -> list[nbformat.NotebookNode] | None:
    """The cells of the section headed ``title`` (any level): from its heading to the next heading of the
    same or a higher level; ``None`` if there is no such heading."""
    found = None  # (index of the heading's cell, its level)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for match in re.finditer(r"^(#+) (.*)$", cell.source, re.M):
            level, text = len(match.group(1)), match.group(2).strip()
            if found is None and text == title:
                found = (index, level)
            elif found is not None and index > found[0] and level <= found[1]:
                return notebook.cells[found[0] : index]
    return None if found is None else notebook.cells[found[0] :]


@pytest.mark.parametrize("claim", LEDGER, ids=lambda c: c.quote[:40])
def test_a_ledger_entry_quotes_the_article_and_points_to_an_asserting_section(claim: Claim) -> None:
    assert _normal(claim.quote) in _normal(ARTICLE.read_text(encoding="utf-8")), "not the article's words"
    cells = section_cells(read(NOTEBOOKS / f"{chapter(claim.chapter).stem}.ipynb"), claim.section)
    assert cells is not None, f"chapter {claim.chapter} has no heading {claim.section!r}"
    if claim.by_calculus:  # derived, not measured: the section must show the derivation
        assert any(c.cell_type == "markdown" and "d^n/dt^n" in c.source for c in cells), claim.section
        return
    assert any(c.cell_type == "code" and _has_assert(c.source) for c in cells), (
        f"section {claim.section!r} of chapter {claim.chapter} holds no assert")


def test_the_section_check_can_fail() -> None:
    new = nbformat.v4
    notebook = new.new_notebook(cells=[
        new.new_markdown_cell("## A claim\ntext"), new.new_code_cell("x = 1"),
        new.new_markdown_cell("### detail"), new.new_code_cell("print(x)"),
        new.new_markdown_cell("## Another"), new.new_code_cell("assert x == 1"),
    ])
    cells = section_cells(notebook, "A claim")
    assert len(cells) == 4 and not any(_has_assert(c.source) for c in cells if c.cell_type == "code")
    assert section_cells(notebook, "Missing") is None
    assert _has_assert(section_cells(notebook, "Another")[1].source)


# ------------------------------------------------------------------ README figures


def test_the_readme_figures_are_the_executed_notebooks_figures() -> None:
    """The README says its figures are copied out of the executed notebooks: each must be byte for byte the PNG
    its notebook shows now (re-run ``scripts/export_readme_figures.py`` after ``./dev execute``)."""
    import base64
    import importlib.util

    script = ROOT / "scripts" / "export_readme_figures.py"
    spec = importlib.util.spec_from_file_location("export_readme_figures", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for notebook, marker, output in module.FIGURES:
        cell = next(c for c in read(NOTEBOOKS / notebook).cells if c.cell_type == "code" and marker in c.source)
        shown = next(o["data"]["image/png"] for o in cell.outputs if "image/png" in o.get("data", {}))
        assert base64.b64decode(shown) == (ROOT / output).read_bytes(), f"{output} is stale: re-export it"
