"""The playground's wiring (sine_lab.studies.widgets), driven without a browser: set
controls' ``.value``, ``click()`` the buttons, read what the playground recorded."""

import time

import pytest

from sine_lab.studies.playground import Settings, run_experiment
from sine_lab.studies.widgets import Playground

PNG = b"\x89PNG"


@pytest.fixture
def playground():
    return Playground(Settings(hidden_size=4, epochs=10), run_in_background=False)


def test_controls_start_at_the_settings_and_read_back_as_settings():
    settings = Settings(framing="article", cell="gru", hidden_size=7, num_layers=2, lr=0.001, window=9,
                        epochs=40, clip_grad_norm=0.5, init="orthogonal", seed=3)
    playground = Playground(settings, run_in_background=False)
    assert playground.settings() == settings
    assert playground.history is None
    assert bytes(playground.flow_image.value).startswith(PNG)


def test_train_click_records_the_same_history_as_running_the_settings(playground):
    playground.window.value = 8
    playground.lr.value = 0.03
    playground.train_button.click()
    settings = Settings(hidden_size=4, epochs=10, window=8, lr=playground.lr.value)
    assert playground.history.loss == run_experiment(settings).history.loss
    assert playground.runs[-1].settings == settings
    assert playground.progress.value == playground.progress.max == 10
    assert playground.progress.bar_style == "success"
    assert playground.message.startswith("Completed 10 epochs")
    for image in (playground.loss_image, playground.prediction_image, playground.gradient_image):
        assert bytes(image.value).startswith(PNG)
    assert playground.evaluation.forecast is not None
    assert not playground.train_button.disabled and playground.stop_button.disabled


def test_article_framing_explains_the_floor_and_the_broadcast_warning(playground):
    playground.framing.value = "article"
    playground.epochs.value = 10
    playground.train_button.click()
    assert "different to the input size" in playground.message
    assert "no loss can go below var(sin t)" in playground.message
    assert min(playground.history.loss) >= playground.runs[-1].experiment.constant_floor - 1e-6


def test_controls_that_do_not_apply_are_disabled(playground):
    playground.framing.value = "article"
    assert playground.window.disabled
    playground.framing.value = "windows"
    assert not playground.window.disabled
    playground.clip.value = False
    assert playground.clip_norm.disabled
    playground.clip.value = True
    assert not playground.clip_norm.disabled


@pytest.mark.parametrize(
    "change, message",
    [
        ({"clip": True, "clip_norm": 0.0}, "clip_grad_norm must be > 0.0"),
        ({"seed": -1}, "seed must be >= 0"),
        ({"cell": "lstm", "init": "irnn"}, "irnn initialisation is a ReLU RNN with W_hh = I, so it needs cell 'rnn'"),
    ],
)
def test_invalid_input_gives_a_message_and_no_run(playground, change, message):
    for name, value in change.items():
        getattr(playground, name).value = value
    playground.train_button.click()  # must not raise
    assert message in playground.message
    assert playground.message.startswith("Cannot train with these settings")
    assert "sine-lab-error" in playground.status.value
    assert len(playground.runs) == 0
    assert not playground.train_button.disabled


def test_stop_stops_a_background_run_and_frees_the_controls():
    playground = Playground(Settings(hidden_size=4, epochs=2000), run_in_background=True)
    playground.train_button.click()
    assert playground.is_training and playground.train_button.disabled and not playground.stop_button.disabled
    deadline = time.monotonic() + 20
    while playground.progress.value < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    playground.stop_button.click()
    assert playground.wait(timeout=20)
    history = playground.history
    assert history.stop_reason == "stopped"
    assert 3 <= history.epochs < 2000
    assert playground.progress.value == history.epochs
    assert playground.message.startswith(f"Stopped by the caller after epoch {history.epochs}")
    assert not playground.train_button.disabled and playground.stop_button.disabled


def test_background_run_updates_the_loss_plot_while_training():
    playground = Playground(Settings(hidden_size=4, epochs=2000), run_in_background=True)
    images = set()
    playground.loss_image.observe(lambda change: images.add(change["new"]), names="value")
    playground.train_button.click()
    deadline = time.monotonic() + 20
    while len(images) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    playground.stop_button.click()
    playground.wait(timeout=20)
    assert len(images) >= 2  # at least two live redraws before Stop


def test_comparison_overlays_kept_runs_with_legends_naming_their_settings():
    playground = Playground(Settings(hidden_size=4, epochs=10), run_in_background=False, keep_runs=1)
    playground.compare.value = True
    labels = []
    for lr in (0.001, 0.1):
        playground.lr.value = lr
        playground.train_button.click()
        labels.append(playground.runs[-1].settings.label)
    legend = [text.get_text() for text in playground.figures["loss"].axes[0].get_legend().get_texts()]
    # The figure drawn for run 2 overlays the run kept before it and itself.
    assert legend == [f"#1 {labels[0]}", f"now: {labels[1]}"]
    # Only keep_runs=1 run is kept for the next comparison.
    assert len(playground.runs) == 1
    assert list(playground.compared_histories()) == [f"#2 {labels[1]}"]
    playground.clear_button.click()
    assert len(playground.runs) == 0 and playground.compared_histories() == {}


def test_without_comparison_only_the_current_run_is_drawn(playground):
    playground.train_button.click()
    playground.train_button.click()
    legend = [text.get_text() for text in playground.figures["loss"].axes[0].get_legend().get_texts()]
    assert legend == [playground.runs[-1].settings.label]


def test_gradient_flow_explorer_recomputes_when_the_scale_moves(playground):
    playground.cell.value = "rnn"
    playground.hidden_size.value = 16
    playground.flow_scale.value = 3.0
    large = playground.flow
    before = playground.flow_image.value
    playground.flow_scale.value = 0.5
    small = playground.flow
    assert small.spectral_radius == pytest.approx(large.spectral_radius / 6, rel=1e-4)
    assert small.lag_norms[50] < 1e-3 < large.lag_norms[50]
    assert small.regime == "vanishing"
    assert playground.flow_image.value != before
    assert "vanishing" in playground.flow_status.value


def test_apply_sets_every_control_and_refuses_values_a_slider_would_clamp(playground):
    settings = Settings(framing="article", cell="lstm", hidden_size=9, num_layers=3, lr=0.2, window=30,
                        epochs=70, clip_grad_norm=2.5, init="orthogonal", seed=11)
    playground.apply(settings)
    assert playground.settings() == settings
    with pytest.raises(ValueError, match="hidden_size=300 is outside the playground's slider range 1..128"):
        playground.apply(Settings(hidden_size=300))
