"""Same seed, same settings -> the same history and parameters, also in a fresh process."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from sine_lab.checkpoints import load_model, save_model
from sine_lab.data import make_windows, sine_series
from sine_lab.models import SequenceModel
from sine_lab.training import seed_everything, train

SETTINGS = {"cell": "lstm", "hidden_size": 8, "num_layers": 2, "dropout": 0.2, "seed": 11,
            "epochs": 3, "lr": 0.01, "batch_size": 16, "window": 10}


def digest(model) -> str:
    """A fingerprint of every parameter's exact bytes."""
    return hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()


def run(settings: dict, checkpoint: str | None = None) -> dict:
    """Train from scratch with everything random (init, shuffling, dropout, noise) seeded."""
    seed_everything(settings["seed"])
    model = SequenceModel(settings["cell"], hidden_size=settings["hidden_size"],
                          num_layers=settings["num_layers"], dropout=settings["dropout"])
    _, series = sine_series(100, noise=0.05, seed=settings["seed"])
    x, y = make_windows(series, settings["window"])
    history = train(model, x, y, epochs=settings["epochs"], lr=settings["lr"],
                    batch_size=settings["batch_size"], seed=settings["seed"])
    if checkpoint:
        save_model(model, checkpoint, settings)
    return {"loss": history.loss, "parameters": digest(model)}


# The child uses one thread like this test session (tests/conftest.py): "same settings".
CHILD = """
import json, sys
import torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from test_reproducibility import SETTINGS, run
print(json.dumps(run(SETTINGS, sys.argv[2])))
"""


def test_same_seed_same_history_and_parameters_in_a_fresh_process(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(Path(__file__).parent), str(tmp_path / "child.pt")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    here = run(SETTINGS)  # meanwhile, the same run in this (already busy) process
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert json.loads(out) == here  # floats compared exactly, through their JSON repr
    assert len(here["loss"]) == SETTINGS["epochs"]

    # The checkpoint a fresh process wrote reloads to the same weights, with its settings.
    model, settings = load_model(tmp_path / "child.pt")
    assert settings == SETTINGS
    assert digest(model) == here["parameters"]


def test_a_different_seed_gives_a_different_run():
    # Guards the test above: the seed really reaches what it compares.
    assert run(SETTINGS | {"epochs": 1})["loss"] != run(SETTINGS | {"epochs": 1, "seed": 12})["loss"]
