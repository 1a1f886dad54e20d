"""Build the website of the series from the committed notebooks (never executing them).

Usage: ``./dev site`` or ``python docs/site/build.py [DESTINATION] [--workdir DIR]``
(default destination ``site/``, default workdir ``build/site/``). Sphinx works in the workdir (its
doctrees and myst-nb's extracted outputs live beside the HTML there, and are reused by the next
build); the finished HTML is then copied to the destination. Any Sphinx warning, such as a link to a
chapter that does not exist, fails the build.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def build(destination: Path, workdir: Path) -> int:
    """Write the site's HTML to ``destination``; return Sphinx's exit status (0 on success)."""
    html = workdir / "html"
    # -W: any warning (a link to a missing chapter, say) fails the build; --keep-going reports them all.
    options = ["-W", "--keep-going", "-q", "-b", "html", "-c", str(HERE), "-d", str(workdir / "doctrees")]
    status = build_main([*options, str(ROOT), str(html)])
    if status != 0:
        return status
    if destination.resolve() != html.resolve():
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(html, destination)
    print(f"site written to {destination}; open {destination / 'index.html'} or serve it: "
          f"python -m http.server -d {destination}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", nargs="?", type=Path, default=ROOT / "site")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "site")
    arguments = parser.parse_args(argv)
    return build(arguments.destination, arguments.workdir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
