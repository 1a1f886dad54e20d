"""Sphinx configuration of the sine-lab website: ``./dev site`` writes it to ``site/``.

The source folder is the repository itself, so that README.md (the home page) and the chapters'
relative links and figures resolve exactly as they do on GitHub; only README.md and the chapter
notebooks are read. The notebooks are rendered from their committed outputs and never executed.
Nothing is fetched over the network, neither at build time nor when a page is viewed: the theme's
assets ship in its wheel, MathJax comes from sphinx-mathjax-offline, and widget outputs (whose
JavaScript would come from a CDN) are replaced by a static picture.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sine_lab.studies.contents import CHAPTERS

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND = "notebooks/" + next(c.stem for c in CHAPTERS if c.slug == "playground")
PLAYGROUND_PICTURE = "../docs/playground.png"  # relative to the notebook, like the README's own picture
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

project = "sine-lab"
author = "sine-lab contributors"
html_title = "sine-lab: why can't a PyTorch RNN learn a sine function?"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
root_doc = "README"
include_patterns = ["README.md", "notebooks/*.ipynb", "notebooks/solutions/*.ipynb"]
# Not read anyway (include_patterns), but excluded so that Sphinx does not walk them.
exclude_patterns = [".*", "site", "build", "artifacts", "notebooks_py", "**/.ipynb_checkpoints"]

nb_execution_mode = "off"
# myst-nb would load require.js and the widget manager from a CDN for notebooks with widget state.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 4  # the README's "#benchmark"-style links, chapter 00's glossary terms (level 3)

html_theme = "furo"
# The home page is README.html (one source of truth with GitHub); index.html, where a web server
# starts, sends the reader there.
templates_path = ["_templates"]
html_additional_pages = {"index": "redirect.html"}
html_favicon = "favicon.svg"  # without one, browsers ask for /favicon.ico and log a 404
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None


def chapters(folder: str = "notebooks") -> list[str]:
    """The documents of ``folder``'s notebooks in order: the chapters, or ``notebooks/solutions``."""
    return sorted(f"{folder}/{p.stem}" for p in (ROOT / folder).glob("*.ipynb") if p.stem != "glossary")


def add_chapter_navigation(app, docname: str, source: list[str]) -> None:
    """Give the home page hidden tables of contents, so that the sidebar lists every chapter in order,
    then the solutions to their exercises.

    The README's link to the ``notebooks/`` folder (GitHub shows a listing there; a site has no such
    page) points to the first chapter instead.
    """
    if docname == root_doc:
        source[0] = source[0].replace("](notebooks/)", f"]({chapters()[0]}.ipynb)")
        for caption, entries in (("Chapters", chapters("notebooks")), ("Reference", ["notebooks/glossary"]),
                                 ("Solutions", chapters("notebooks/solutions"))):
            listed = "\n".join(entries)
            source[0] += f"\n\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{listed}\n```\n"


def picture_for_widgets(app, docname: str, source: list[str]) -> None:
    """Show the playground's widgets as the screenshot the browser test takes, with how to run it live."""
    if docname != PLAYGROUND:
        return
    notebook = json.loads(source[0])
    # The chapter may show the picture itself (for GitHub, which cannot run widgets either): then only the note.
    shown = any(PLAYGROUND_PICTURE in "".join(cell["source"]) for cell in notebook["cells"]
                if cell["cell_type"] == "markdown")
    picture = ("*The playground's widgets need a running Python kernel; the picture below shows them." if shown else
               f"![The playground in JupyterLab after training with its default settings]({PLAYGROUND_PICTURE})\n\n"
               "*A picture of the live playground: widgets need a running Python kernel.")
    note = (f"{picture} To use it, clone the repository and run `./dev lab`, then open `{PLAYGROUND}.ipynb` "
            "and run all cells.*")
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/markdown": note}
    notebook["metadata"].pop("widgets", None)  # the saved widget state, useless without the widget JS
    source[0] = json.dumps(notebook)


def links_in_outputs(app, docname: str, source: list[str]) -> None:
    """Point links in Markdown *outputs* (chapter 00 renders its tables in cells) at the built pages.

    myst-nb turns a markdown cell's link to ``X.ipynb`` into a link to the page ``X.html``, but leaves
    the links in a cell's ``text/markdown`` output as they are, and no ``.ipynb`` file is published.
    """
    if not docname.startswith("notebooks/"):
        return
    notebook = json.loads(source[0])
    link = re.compile(r"\]\(([^)\s]+?)\.ipynb(#[^)\s]*)?\)")
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text is not None:
                joined = "".join(text) if isinstance(text, list) else text
                output["data"]["text/markdown"] = link.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", joined)
    source[0] = json.dumps(notebook)


def setup(app) -> None:
    app.connect("source-read", add_chapter_navigation)
    app.connect("source-read", picture_for_widgets)
    app.connect("source-read", links_in_outputs)
