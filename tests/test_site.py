"""The website of the series, as a reader's browser sees it.

Builds the site from the committed notebooks (``docs/site/build.py``, as ``./dev site`` does, into a
temporary folder), serves it on 127.0.0.1 at a free port and opens every HTML page in headless
Chromium. Each page must load, log no console error, request nothing outside the local server (the
site must work offline: theme, MathJax and figures are all local), show every image (naturalWidth > 0),
typeset its math, and every link to the site itself must reach an existing page and, when it names
one, an existing anchor on it.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site's folder (a fresh build: what the committed notebooks give now)."""
    work = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "site" / "build.py"), str(work / "html"), "--workdir", str(work)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"the site did not build (warnings fail it):\n{result.stdout}\n{result.stderr}"
    return work / "html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would flood the test's output


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 at a free port; yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_site_has_the_home_page_and_every_chapter(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "README.html").is_file()
    missing = [p.name for p in CHAPTERS if not (site / "notebooks" / f"{p.stem}.html").is_file()]
    assert not missing, f"chapters without a page: {missing}"
    home = (site / "README.html").read_text()
    unlinked = [p.stem for p in CHAPTERS if f'href="notebooks/{p.stem}.html' not in home]
    assert not unlinked, f"chapters missing from the home page's navigation: {unlinked}"


def test_site_fetches_nothing_from_a_cdn(site: Path) -> None:
    """Also checked in the browser below; here every page's source, including what is never requested."""
    # What a page loads: src= of scripts, images, frames; href= of <link> (stylesheets, fonts, icons).
    # Plain <a href> links to other sites are fine: following them is the reader's choice.
    remote = re.compile(r"""(?:\bsrc=|<link\b[^>]*?\bhref=)["']((?:https?:)?//[^"']+)""")
    offenders = {str(p.relative_to(site)): remote.findall(p.read_text()) for p in site.rglob("*.html")}
    offenders = {page: urls for page, urls in offenders.items() if urls}
    assert not offenders, f"pages loading scripts, styles or images from elsewhere: {offenders}"


def test_playground_shows_its_picture_not_widget_code(site: Path) -> None:
    page = (site / "notebooks" / "11_playground.html").read_text()
    assert "playground.png" in page, "the playground page lacks the picture of the live playground"
    assert "widgets need a running Python kernel" in page, "the playground page lacks the note on how to run it live"
    assert "application/vnd.jupyter.widget" not in page, "widget output or state would need JavaScript from a CDN"


def test_every_page_loads_offline_with_images_math_and_links(server: str, site: Path, chromium) -> None:
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    anchors: dict[str, set[str]] = {}  # page path -> ids on it, filled as pages are visited
    links: list[tuple[str, str]] = []  # (page it is on, absolute link)
    problems: list[str] = []
    context = chromium.new_context()
    context.set_default_timeout(60_000)  # generous: a two-core machine running notebooks beside this test is slow
    for path in pages:
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda m, out=messages: out.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, out=messages: out.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r, out=messages: out.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r, out=messages: out.append(f"{r.status} for {r.url}") if r.status >= 400 else None)
        page.on("request", lambda r, out=messages: None if r.url.startswith((server, "data:")) else out.append(
            f"request outside the site: {r.url}"))
        response = page.goto(server + path, wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response and response.status}")
            continue
        if path == "index.html":  # the redirect to README.html
            page.wait_for_url(server + "README.html")
        # Images may load lazily; make each load now, and report those that do not decode.
        broken = page.evaluate("""async () => {
            const images = Array.from(document.images);
            images.forEach(i => { i.loading = "eager"; });
            await Promise.all(images.map(i => i.decode().catch(() => null)));
            return images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
        }""")
        problems += [f"{path}: image does not load: {src}" for src in broken]
        if page.locator(".math").count():
            try:
                page.wait_for_selector("mjx-container")
            except Exception:  # Playwright's TimeoutError: MathJax did not typeset the page
                problems.append(f"{path}: math present but MathJax rendered none")
        visited = urlsplit(page.url).path.lstrip("/")
        anchors[visited] = set(page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)"))
        hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.href)")
        links += [(path, href) for href in hrefs]
        problems += [f"{path}: {m}" for m in messages]
        page.close()
    context.close()

    for source, href in links:
        if not href.startswith(server):
            continue  # links leaving the site (e.g. to a paper) are not the site's to check
        url, fragment = urldefrag(href)
        target = unquote(urlsplit(url).path.lstrip("/")) or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if not (site / target).is_file():
            problems.append(f"{source}: link to a missing page: {href}")
        elif fragment and target.endswith(".html") and unquote(fragment) not in anchors.get(target, set()):
            problems.append(f"{source}: link to a missing anchor: {href}")
    assert len(pages) >= len(CHAPTERS) + 2, pages
    assert not problems, "\n".join(problems)
