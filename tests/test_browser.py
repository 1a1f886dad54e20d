"""End to end: the playground notebook in JupyterLab, in a real headless Chromium.

Starts ``jupyter lab`` on 127.0.0.1 (a free port, a fresh random token) with a
temporary root folder holding a copy of ``notebooks/11_playground.ipynb`` and
temporary config, settings and workspace folders, so nothing of the user's or
the repository's is read or changed. Playwright drives Debian's
``/usr/bin/chromium`` (``./dev test`` installs it as root; the ``chromium``
fixture of conftest.py launches it): clear the outputs, run the cells up to the playground, press Train
with the defaults, watch the progress bar and the loss plot update, and check that
the free-running forecast stays on the wave (the status line says so, with its MSE).
The screenshot lands in ``artifacts/playground.png``; it is the README's
``docs/playground.png``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "11_playground.ipynb"
ARTIFACT = ROOT / "artifacts" / "playground.png"
# JupyterLab would otherwise ask whether to fetch news and check for updates (over the network).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def lab(tmp_path: Path):
    """A JupyterLab server on loopback serving a copy of the notebook; yields its notebook URL."""
    root, config, settings = tmp_path / "root", tmp_path / "config", tmp_path / "settings"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / "notebooks" / NOTEBOOK)
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(24)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True",
                "--LabApp.extension_manager=readonly",  # no extension lookups on PyPI
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            ],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: teardown ends the kernels too
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/notebooks/{NOTEBOOK}?token={token}"
    finally:
        _kill_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _kill_group(process, signal.SIGKILL)
            process.wait(timeout=15)


def _kill_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:  # the server and its kernels are already gone
        pass


# ``chromium`` comes first: it skips (or fails under CI) before a JupyterLab server is started for nothing.
def test_playground_trains_live_in_jupyterlab(chromium, lab: str) -> None:
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1500, "height": 1500})
    page.set_default_timeout(60_000)
    page.goto(lab)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget")
    notebook = page.locator(".jp-NotebookPanel")
    expect(notebook.locator(".jp-CodeCell").first).to_be_visible()
    # Wait for the kernel, then start from empty outputs so that everything seen below is new.
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'"
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    # Run the notebook down to the cell that shows the playground (nbval runs every cell of it anyway; the
    # experiments after it would only cost this test time): make that cell active, run all above, then it.
    index = page.evaluate(
        "(() => { const cells = window.jupyterapp.shell.currentWidget.content.widgets;"
        " return cells.findIndex(c => c.model.type === 'code'"
        " && c.model.sharedModel.getSource().includes('playground = Playground()')); })()"
    )
    assert index >= 0, "the playground notebook has no cell that builds the playground"
    page.evaluate(f"window.jupyterapp.shell.currentWidget.content.activeCellIndex = {index}")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-above')")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
    # The playground cell has run when it has an execution count.
    prompt = notebook.locator(".jp-Cell").nth(index).locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=90_000)

    train = page.locator(".sine-lab-train-button")
    expect(train).to_be_enabled()
    progress = page.locator(".sine-lab-progress")
    loss = page.locator(".sine-lab-loss-image img, img.sine-lab-loss-image").first
    train.scroll_into_view_if_needed()
    sources = {loss.get_attribute("src")}
    train.click()
    expect(page.locator(".sine-lab-stop-button")).to_be_enabled()
    # While training: the bar's label counts steps and the loss picture is replaced.
    live_labels, deadline = set(), time.monotonic() + 180
    while train.is_disabled() and time.monotonic() < deadline:
        live_labels.add(progress.inner_text().strip())
        sources.add(loss.get_attribute("src"))
        time.sleep(0.1)
    expect(train).to_be_enabled()
    sources.add(loss.get_attribute("src"))
    status = page.locator(".sine-lab-status")
    expect(status).to_contain_text("Stage 1: Completed 150 steps")
    expect(status).to_contain_text("stays on the wave")
    mse = float(re.search(r"Free-running forecast of 300 steps: MSE (\S+) ", status.inner_text()).group(1))
    assert mse <= 1e-3, status.inner_text()
    assert len({label for label in live_labels if label.startswith("step ")}) >= 2, live_labels
    assert len(sources) >= 3, "the loss plot was not redrawn while training"
    assert page.locator(".sine-lab-error").count() == 0
    errors = notebook.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output:has-text("Traceback")'
    )
    assert errors.count() == 0, errors.all_inner_texts()

    ARTIFACT.parent.mkdir(exist_ok=True)
    playground = notebook.locator(".jp-OutputArea-output").filter(has=train)
    playground.scroll_into_view_if_needed()
    playground.screenshot(path=str(ARTIFACT))
    assert ARTIFACT.stat().st_size > 10_000
