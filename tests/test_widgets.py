"""The playground's wiring (sine_lab.studies.widgets), driven without a browser: set
controls' ``.value``, ``click()`` the buttons, read what the playground recorded."""

import time

import pytest

from sine_lab.studies.playground import PRESETS, Settings, run_experiment
from sine_lab.studies.widgets import CHOOSE_PRESET, Playground

PNG = b"\x89PNG"


def run_labels(ax) -> list[str]:
    """The legend's entries for runs: without the reference band (e.g. "best constant: var(sin t)")."""
    return [t.get_text() for t in ax.get_legend().get_texts() if not t.get_text().startswith("best constant")]


@pytest.fixture
def playground():
    return Playground(Settings(framing="windows", hidden_size=4, epochs=10), run_in_background=False)


def test_controls_start_at_the_settings_and_read_back_as_settings():
    settings = Settings(framing="article", cell="gru", hidden_size=7, num_layers=2, lr=0.001, window=9,
                        epochs=40, clip_grad_norm=0.5, init="orthogonal", seed=3, period=35.5, noise=0.02,
                        recipe="teacher_forcing", horizon=120, delta_order=1, scaled_loss=False)
    playground = Playground(settings, run_in_background=False)
    assert playground.settings() == settings
    assert playground.history is None
    assert bytes(playground.flow_image.value).startswith(PNG)


def test_train_click_records_the_same_history_as_running_the_settings(playground):
    playground.window.value = 8
    playground.lr.value = 0.03
    playground.train_button.click()
    settings = Settings(framing="windows", hidden_size=4, epochs=10, window=8, lr=playground.lr.value)
    assert playground.history.loss == run_experiment(settings).history.loss
    assert playground.runs[-1].settings == settings
    assert playground.progress.value == playground.progress.max == 10
    assert playground.progress.bar_style == "success"
    assert playground.message.startswith("Completed 10 epochs")
    for image in (playground.loss_image, playground.prediction_image, playground.gradient_image):
        assert bytes(image.value).startswith(PNG)
    assert playground.evaluation.forecast is not None
    gradients = playground.figures["gradients"].axes[0]  # drawn by sine_lab.plots.plot_lag_norms
    assert gradients.get_yscale() == "log" and gradients.get_xlabel() == "lag k (steps back)"
    assert gradients.get_title() == f"trained model: {playground.evaluation.regime} over 7 steps"
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
        ({"clip": True, "clip_norm": "0.0"}, "clip_grad_norm must be > 0.0"),
        ({"seed": "-1"}, "seed must be >= 0"),
        ({"seed": "two"}, "seed must be a whole number, got 'two'"),
        ({"clip": True, "clip_norm": "1,5"}, "max norm must be a number, got '1,5'"),
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
    playground = Playground(Settings(framing="windows", hidden_size=4, epochs=2000), run_in_background=True)
    playground.train_button.click()
    assert playground.is_training and playground.train_button.disabled and not playground.stop_button.disabled
    deadline = time.monotonic() + 20
    while playground.progress.value < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    playground.stop_button.click()
    assert playground.wait(timeout=20)
    history = playground.history
    assert history.stop_reason == "stopped"
    assert 2 <= history.epochs < 2000
    # The bar counts steps begun: the step Stop interrupted has no finished epoch.
    assert history.epochs <= playground.progress.value <= history.epochs + 1
    assert playground.message.startswith(f"Stopped by the caller after step {playground.progress.value}")
    assert not playground.train_button.disabled and playground.stop_button.disabled


def test_background_run_updates_the_loss_plot_while_training():
    playground = Playground(Settings(framing="windows", hidden_size=4, epochs=2000), run_in_background=True)
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
    playground = Playground(Settings(framing="windows", hidden_size=4, epochs=10), run_in_background=False,
                            keep_runs=1)
    playground.compare.value = True
    labels = []
    for lr in (0.001, 0.1):
        playground.lr.value = lr
        playground.train_button.click()
        labels.append(playground.runs[-1].settings.label)
    legend = run_labels(playground.figures["loss"].axes[0])
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
    legend = run_labels(playground.figures["loss"].axes[0])
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
                        epochs=70, clip_grad_norm=2.5, init="orthogonal", seed=11, period=80.0, noise=0.3,
                        recipe="teacher_forcing", horizon=2000, delta_order=1, scaled_loss=False)
    playground.apply(settings)
    assert playground.settings() == settings
    with pytest.raises(ValueError, match="hidden_size=300 is outside the playground's slider range 1..128"):
        playground.apply(Settings(hidden_size=300))


def test_stop_acts_within_a_second_in_a_recipe_run():
    playground = Playground(Settings(epochs=2000), run_in_background=True)
    playground.train_button.click()
    deadline = time.monotonic() + 30
    while playground.progress.value < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    changes = []
    playground.progress.observe(lambda change: changes.append(time.monotonic()), names="value")
    clicked = time.monotonic()
    playground.stop_button.click()
    assert playground.wait(timeout=30)
    # No training step after the first second (drawing the stopped run's figures may take longer).
    assert not changes or changes[-1] - clicked < 1.0, changes[-1] - clicked
    assert playground.history.stop_reason == "stopped"
    assert playground.progress.bar_style == "warning"


def test_default_train_forecasts_on_the_wave_and_says_so():
    playground = Playground(run_in_background=False)
    started = time.process_time()  # CPU time: the wall clock depends on what else shares the machine
    playground.train_button.click()
    assert time.process_time() - started <= 15  # issue 12: "within about 15 s"
    evaluation = playground.evaluation
    assert evaluation.forecast_mse <= 1e-3
    assert evaluation.forecast.numel() == playground.horizon.value == 300
    assert "stays on the wave" in playground.message
    # A stage that stops on its validation leaves steps unused; the finished run still fills the bar.
    assert playground.progress.value == playground.progress.max and playground.progress.bar_style == "success"
    right = playground.figures["prediction"].axes[1]
    assert [text.get_text() for text in right.get_legend().get_texts()] == [
        "truth: sin(t)", "free-running (own outputs)"]


def test_controls_that_a_framing_ignores_are_disabled_and_named(playground):
    playground.framing.value = "recipe"
    assert playground.window.disabled and playground.init.disabled and playground.num_layers.disabled
    assert not playground.recipe.disabled and not playground.period.disabled
    assert "Not used here: window, num layers" in playground.not_applying.value
    playground.framing.value = "article"
    assert playground.period.disabled and playground.horizon.disabled and playground.noise.disabled
    assert "framing uses its own data" in playground.not_applying.value


def test_the_head_and_loss_controls_drive_the_recipe_and_are_disclosed():
    playground = Playground(Settings(hidden_size=4, epochs=10, recipe="teacher_forcing", horizon=20),
                            run_in_background=False)
    assert playground.delta_order.value == 2 and playground.scaled_loss.value
    assert [label for label, _ in playground.delta_order.options] == [
        "2: predict the curvature", "1: predict the change", "0: predict the value (bare cell)"]
    playground.train_button.click()
    assert playground.runs[-1].experiment.model.delta_order == 2
    assert "a head predicting the curvature: output = 2 x[n] − x[n−1] + scale × head" in playground.message
    loss_axes = playground.figures["loss"].axes[0]
    assert loss_axes.get_ylabel() == "loss (MSE / head scale²)"
    assert "curvature head" in run_labels(loss_axes)[-1]
    # The stages score different things: each is named on the curve, and the title says how many.
    assert [text.get_text() for text in loss_axes.texts] == ["Adam on true values", "L-BFGS on true values"]
    assert "in 2 stages, last stage's loss" in loss_axes.get_title()

    playground.delta_order.value = 1
    playground.scaled_loss.value = False
    playground.train_button.click()
    run = playground.runs[-1]
    assert run.settings == Settings(hidden_size=4, epochs=10, recipe="teacher_forcing", horizon=20, delta_order=1,
                                    scaled_loss=False)
    assert run.experiment.model.delta_order == 1
    assert "a head predicting the change: output = x[n] + scale × head" in playground.message
    loss_axes = playground.figures["loss"].axes[0]
    assert loss_axes.get_ylabel() == "loss (MSE)"
    assert "change head raw MSE" in run_labels(loss_axes)[-1]


def test_the_head_controls_are_disabled_where_the_model_has_a_plain_head(playground):
    playground.framing.value = "windows"
    assert playground.delta_order.disabled and playground.scaled_loss.disabled
    assert "delta order, scaled loss" in playground.not_applying.value
    playground.framing.value = "recipe"
    assert not playground.delta_order.disabled and not playground.scaled_loss.disabled


def test_a_preset_loads_its_settings_and_trains_in_one_click(playground):
    name = "the article: t → sin t, one output"
    playground.preset.value = name
    assert playground.runs[-1].settings == PRESETS[name]
    assert playground.settings() == PRESETS[name]
    assert playground.preset.value == CHOOSE_PRESET  # ready for the next choice
    assert "no loss can go below var(sin t)" in playground.message


def test_train_while_training_and_a_preset_while_training_say_so():
    playground = Playground(Settings(framing="windows", hidden_size=4, epochs=2000), run_in_background=True)
    playground.train_button.click()
    playground.train_button.click()
    assert "A run is in progress" in playground.message
    playground.preset.value = "the article: t → sin t, one output"
    assert "A run is in progress" in playground.message
    playground.stop_button.click()
    assert playground.wait(timeout=20)
    assert playground.settings().framing == "windows"


def test_the_explorer_explains_settings_a_kind_rejects_instead_of_raising(playground):
    # Found by the stress test: a Transformer whose width its heads do not divide raised from an observer.
    playground.cell.value = "transformer"
    playground.hidden_size.value = 3
    assert playground.flow is None
    assert "divisible" in playground.flow_status.value
    playground.cell.value = "rnn"
    assert playground.flow is not None and "spectral radius" in playground.flow_status.value
