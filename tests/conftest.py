"""Shared test settings.

The unit tests use small tensors, for which one torch thread is fastest; with
several threads on a busy two-core machine they slow down many times over.
Hypothesis profiles: "default" keeps the property tests within the suite's time
budget; HYPOTHESIS_PROFILE=thorough explores far more examples.

The browser tests (test_browser.py, test_site.py) share the ``chromium`` fixture:
Playwright driving Debian's /usr/bin/chromium, never a browser of Playwright's own.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

torch.set_num_threads(1)

settings.register_profile(
    "default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Debian's chromium by default; SINE_LAB_CHROMIUM names another Chromium-based browser
# (the GitHub workflow uses the runner's preinstalled Chrome).
CHROMIUM = Path(os.environ.get("SINE_LAB_CHROMIUM", "/usr/bin/chromium"))
# As root, Chromium needs --no-sandbox; the rest keep it from calling out to a
# network this machine does not have (refused connections, DNS failures).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def require_chromium() -> None:
    """Skip when the browser is missing, except under CI, where the browser tests must run."""
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} is missing; `./dev test` installs Debian's chromium when run as root, or set SINE_LAB_CHROMIUM"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " - the browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Iterator:
    """A headless Chromium (a Playwright ``Browser``), closed after the test."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
