"""Issue 14: the playground under a reader's hands. 200 seeded random actions in a row
(change any control, Train, Stop mid-run, Train while training, Clear, compare on and
off, presets, invalid text in the numeric fields), with tiny training sizes; after each:
no exception escaped, at most one training thread, the displayed state matches the
controls, and every problem is a readable message in the interface."""

import random
import threading
import time
import warnings

import pytest

import sine_lab.studies.playground as playground_module
from sine_lab.studies.playground import PRESETS, Settings, playground_kinds
from sine_lab.studies.widgets import CHOOSE_PRESET, Playground

ACTIONS = 200
# Every preset, shrunk to a few steps: the stress is on the wiring, not on training.
TINY = {name: Settings(**{**preset.__dict__, "hidden_size": 4, "epochs": 10, "horizon": 20})
        for name, preset in PRESETS.items()}


def _training_threads() -> int:
    return sum(thread.name == "sine-lab-training" and thread.is_alive() for thread in threading.enumerate())


def _change_a_control(playground: Playground, rng: random.Random) -> None:
    choice = rng.choice([
        ("framing", lambda: rng.choice(playground.framing.options)[1]),
        ("cell", lambda: rng.choice(playground_kinds())),
        ("hidden_size", lambda: rng.randint(1, 6)),
        ("num_layers", lambda: rng.randint(1, 3)),
        ("lr", lambda: 10 ** rng.uniform(-3, 0)),
        ("window", lambda: rng.randint(2, 30)),
        ("epochs", lambda: rng.choice([10, 20])),
        ("clip", lambda: rng.random() < 0.5),
        ("clip_norm", lambda: rng.choice(["1.0", "0.5", "0", "-2", "abc", "", "1e400", " 2 "])),
        ("init", lambda: rng.choice(playground.init.options)[1]),
        ("seed", lambda: rng.choice(["0", "3", "-1", "1.5", "seven", ""])),
        ("period", lambda: rng.uniform(5, 100)),
        ("noise", lambda: rng.choice([0.0, 0.05, 0.5])),
        ("recipe", lambda: rng.choice(playground.recipe.options)[1]),
        ("delta_order", lambda: rng.choice(playground.delta_order.options)[1]),
        ("scaled_loss", lambda: rng.random() < 0.5),
        ("horizon", lambda: rng.choice([10, 20, 40])),
        ("compare", lambda: rng.random() < 0.5),
    ])
    name, value = choice
    getattr(playground, name).value = value()


@pytest.fixture
def tiny_presets(monkeypatch):
    monkeypatch.setattr(playground_module, "PRESETS", TINY)
    import sine_lab.studies.widgets as widgets_module
    monkeypatch.setattr(widgets_module, "PRESETS", TINY)


def test_two_hundred_random_actions(tiny_presets):
    rng = random.Random(2026)
    playground = Playground(Settings(hidden_size=4, epochs=10, horizon=20), run_in_background=True, keep_runs=3)
    ignore_all = [f for f in warnings.filters if f[0] == "ignore" and f[2] is Warning and f[1] is None]
    problems = []
    started = time.monotonic()
    for action in range(ACTIONS):
        kind = rng.choices(["control", "train", "stop", "clear", "preset", "wait"], [10, 4, 2, 1, 2, 1])[0]
        try:
            if kind == "control":
                _change_a_control(playground, rng)
            elif kind == "train":
                playground.train_button.click()
            elif kind == "stop":
                time.sleep(rng.uniform(0, 0.3))  # stop mid-run
                playground.stop_button.click()
            elif kind == "clear":
                playground.clear_button.click()
            elif kind == "preset":
                playground.preset.value = rng.choice(list(TINY))
            else:
                playground.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 - the point is that nothing escapes
            problems.append(f"action {action} ({kind}) raised {type(error).__name__}: {error}")
            continue
        assert _training_threads() <= 1, f"action {action}: {_training_threads()} training threads"
        # While a run trains, nobody has muted warnings for the whole process.
        if playground.is_training:
            muted = [f for f in warnings.filters if f[0] == "ignore" and f[2] is Warning and f[1] is None]
            assert muted == ignore_all, f"action {action}: warnings muted process-wide during a run"
            assert playground.train_button.disabled and not playground.stop_button.disabled
        if playground.preset.value != CHOOSE_PRESET:
            problems.append(f"action {action}: the preset menu stayed on {playground.preset.value!r}")
    assert playground.wait(timeout=60)
    assert not problems, problems
    assert time.monotonic() - started < 120
    # Idle: the buttons are free and the displayed state matches the controls.
    assert not playground.train_button.disabled and playground.stop_button.disabled
    try:
        settings = playground.settings()
    except ValueError as error:
        # An invalid control shows as a readable message naming it when Train is pressed.
        playground.train_button.click()
        assert playground.message == f"Cannot train with these settings: {error}"
        assert "sine-lab-error" in playground.status.value
    else:
        playground.train_button.click()
        assert playground.wait(timeout=60)
        assert playground.runs[-1].settings == settings
        assert settings.label in playground.figures["loss"].axes[0].get_legend().get_texts()[-1].get_text()
        assert playground.progress.value == playground.progress.max or playground.history.stop_reason != "completed"
    # Every message shown was a sentence, never a traceback.
    assert "Traceback" not in playground.status.value
