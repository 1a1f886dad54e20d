"""The playground: ipywidgets controls around :mod:`sine_lab.studies.playground`.

This layer only reads controls into a :class:`~sine_lab.studies.playground.Settings`,
calls :func:`~sine_lab.studies.playground.run_experiment`, :func:`~sine_lab.studies.playground.evaluate`
and :func:`~sine_lab.studies.playground.gradient_flow`, and draws what they return.
Figures are rendered to PNG and swapped into ``Image`` widgets: an update
replaces one picture with the next (no flicker), and it works from the training
thread, where a cell's output area does not.
"""

from __future__ import annotations

import html
import io
import math
import threading
import time
from collections import deque

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..arguments import check_float, check_int
from ..plots import colour, plot_lag_norms, plot_loss, plot_prediction
from ..training import History
from .playground import (
    FRAMINGS,
    HEADS,
    PERIOD_RANGE,
    PRESETS,
    RECIPES,
    RECURRENT_INITS,
    Evaluation,
    GradientFlow,
    Run,
    Settings,
    baseline_forecasts,
    evaluate,
    gradient_flow,
    playground_kinds,
    recipe_settings,
    run_experiment,
)

__all__ = ["Playground"]

FRAMING_LABELS = {"article": "article: t → sin t", "windows": "windows of past values",
                  "recipe": "forecasting recipe"}
RECIPE_LABELS = {"teacher_forcing": "teacher forcing only", "rollout": "with rollout stages"}
CHOOSE_PRESET = "(choose a preset: it loads and trains)"
# The controls each framing ignores, and why (shown next to the controls).
NOT_APPLYING = {
    "article": (("window", "period", "noise", "recipe", "horizon", "delta_order", "scaled_loss"),
                "the article's framing uses its own data and answers one number"),
    "windows": (("recipe", "delta_order", "scaled_loss"),
                "the windows framing trains full-batch Adam for the epochs, with a plain head"),
    "recipe": (("window", "num_layers", "clip", "clip_norm", "init"),
               "the recipe builds one layer with PyTorch's initialisation and clips its Adam stage at 1"),
}
# The recipe's fixed residual by the head's order (sine_lab.stepwise.Residual), for the status line.
RESIDUALS = {0: "scale × head", 1: "x[n] + scale × head", 2: "2 x[n] − x[n−1] + scale × head"}
INIT_LABELS = {"default": "default (PyTorch)", "orthogonal": "orthogonal", "irnn": "identity, ReLU (IRNN)"}
# Seconds between two redraws of the live loss curve: often enough to watch,
# rarely enough that drawing costs little of the training time.
REDRAW_SECONDS = 0.5
DPI = 80
# A free-running forecast with at most this MSE is called "on the wave" in the widget's message: the
# benchmark's 2000-step target, 10x looser than its 1000-step one (1e-4); a coarse label, not a verdict.
ON_WAVE_MSE = 1e-3
HEIGHT = 3.4
MSE_UNITS = "loss (MSE)"


def _number(name: str, text: str, kind: type) -> int | float:
    """Read a text field as ``kind``; a typo is a ``ValueError`` naming the field."""
    try:
        return kind(text.strip())
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {expected}, got {text!r}") from None


def _figure(width: float, columns: int = 1) -> tuple[Figure, object]:
    # Fixed margins in inches (room for log-scale tick labels and the axis label):
    # tight_layout would cost more than drawing the figure, on every live redraw.
    figure = Figure(figsize=(width, HEIGHT))
    figure.subplots_adjust(left=0.95 / width, right=1 - 0.2 / width, bottom=0.55 / HEIGHT,
                           top=1 - 0.35 / HEIGHT, wspace=0.3)
    return figure, figure.subplots(1, columns)


def _loss_units(settings: Settings) -> str:
    """The loss axis's label for a run of ``settings``: the recipe's scaled loss is the MSE
    divided by the square of its head's scale (``delta_scale``), not the MSE."""
    if settings.framing == "recipe" and settings.scaled_loss:
        return "loss (MSE / head scale²)"
    return MSE_UNITS


def _mark_stages(ax, stages: tuple[tuple[str, int], ...]) -> None:
    """Name each stage of a recipe run at its first epoch, with a dotted line between stages:
    their losses score different things (true values against free runs), so a jump at a
    boundary is a change of what is measured, not a step back."""
    first = 1
    for number, (name, epochs) in enumerate(stages):
        if number:
            ax.axvline(first - 0.5, linestyle=":", color=colour("reference"), linewidth=1)
        ax.annotate(name, (first, 0.03), xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                    color=colour("reference"), ha="center", va="bottom")
        first += epochs


def _no_recurrent_layer(ax) -> None:
    ax.axis("off")
    ax.text(0.5, 0.5, "this kind of model has no recurrent layer:\nno hidden state to follow back in time",
            ha="center", va="center")


class Playground:
    """Controls, a Train and a Stop button, live loss, predictions, gradients and a
    gradient-flow explorer. Display it as the last expression of a cell.

    Drive it from code as a reader would with the mouse: set the controls'
    ``.value`` and call ``train_button.click()``; then read :attr:`runs`,
    :attr:`history` or :attr:`message`.

    Args:
        settings: the controls' initial values.
        run_in_background: train in a thread so that the notebook stays responsive
            and Stop works; ``False`` trains inside ``click()`` (deterministic, for tests
            and notebook checks).
        keep_runs: how many finished runs the comparison keeps.
    """

    def __init__(self, settings: Settings | None = None, *, run_in_background: bool = True, keep_runs: int = 5) -> None:
        settings = settings if settings is not None else Settings()
        if not isinstance(settings, Settings):
            raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
        self.run_in_background = bool(run_in_background)
        self.runs: deque[Run] = deque(maxlen=check_int("keep_runs", keep_runs, minimum=1))
        self.evaluation: Evaluation | None = None
        self.flow: GradientFlow | None = None
        self.message = ""
        self.live_loss: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = False
        self._last_draw = 0.0
        self._run_count = 0
        self._run_numbers: deque[int] = deque(maxlen=self.runs.maxlen)
        self.figures: dict[str, Figure] = {}
        self._live_figure: Figure | None = None
        self._live_line = None

        style = {"description_width": "110px"}
        wide = widgets.Layout(width="320px")
        self.framing = widgets.Dropdown(
            options=[(FRAMING_LABELS[f], f) for f in FRAMINGS], description="framing", style=style, layout=wide,
        )
        self.cell = widgets.Dropdown(options=playground_kinds(), description="cell", style=style, layout=wide)
        self.hidden_size = widgets.IntSlider(min=1, max=128, description="hidden size", style=style, layout=wide)
        self.num_layers = widgets.IntSlider(min=1, max=3, description="layers", style=style, layout=wide)
        self.lr = widgets.FloatLogSlider(
            base=10, min=-4, max=0, step=0.1, description="learning rate", readout_format=".1e",
            style=style, layout=wide,
        )
        self.window = widgets.IntSlider(min=2, max=100, description="window", style=style, layout=wide)
        self.epochs = widgets.IntSlider(min=10, max=2000, step=10, description="epochs/steps", style=style, layout=wide)
        self.clip = widgets.Checkbox(description="clip gradient norm", indent=False)
        # Text, not FloatText: a typo becomes a readable message instead of being dropped.
        self.clip_norm = widgets.Text(value="1.0", description="max norm", style=style, layout=wide)
        self.init = widgets.Dropdown(
            options=[(INIT_LABELS[i], i) for i in RECURRENT_INITS], description="recurrent init",
            style=style, layout=wide,
        )
        self.seed = widgets.Text(value="0", description="seed", style=style, layout=wide)
        self.period = widgets.FloatSlider(min=PERIOD_RANGE[0], max=PERIOD_RANGE[1], step=0.1,
                                          description="samples/radian", style=style, layout=wide)
        self.noise = widgets.FloatSlider(min=0.0, max=0.5, step=0.01, description="noise (std)", style=style,
                                         layout=wide)
        self.recipe = widgets.Dropdown(options=[(RECIPE_LABELS[r], r) for r in RECIPES], description="recipe",
                                       style=style, layout=wide)
        self.horizon = widgets.IntSlider(min=10, max=2000, step=10, description="forecast steps", style=style,
                                         layout=wide)
        self.delta_order = widgets.Dropdown(options=[(f"{order}: predict the {what}", order)
                                                     for order, what in HEADS.items()],
                                            description="head", style=style, layout=wide)
        self.scaled_loss = widgets.Checkbox(description="loss in units of the head's scale", indent=False)
        self.preset = widgets.Dropdown(options=[CHOOSE_PRESET, *PRESETS], description="preset", style=style,
                                       layout=wide)
        self.not_applying = widgets.HTML()
        self.compare = widgets.Checkbox(value=False, description="compare with earlier runs", indent=False)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop", disabled=True)
        self.clear_button = widgets.Button(description="Clear runs", icon="trash")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="step 0", style=style, layout=wide)
        self.status = widgets.HTML()
        self.loss_image = widgets.Image(format="png")
        self.prediction_image = widgets.Image(format="png")
        self.gradient_image = widgets.Image(format="png")
        self.flow_scale = widgets.FloatLogSlider(
            value=1.0, base=10, min=-1.5, max=1.5, step=0.05, description="W_hh scale ×",
            readout_format=".3g", continuous_update=False, style=style, layout=wide,
        )
        self.flow_status = widgets.HTML()
        self.flow_image = widgets.Image(format="png")
        # Classes name the parts for the browser test and for styling.
        for name in ("train_button", "stop_button", "progress", "status", "loss_image", "flow_image"):
            getattr(self, name).add_class("sine-lab-" + name.replace("_", "-"))

        self._controls = [
            self.framing, self.cell, self.hidden_size, self.num_layers, self.lr, self.window,
            self.epochs, self.clip, self.clip_norm, self.init, self.seed, self.period, self.noise,
            self.recipe, self.delta_order, self.scaled_loss, self.horizon,
        ]
        self.apply(settings)
        self.train_button.on_click(self._on_train)
        self.stop_button.on_click(lambda _: self._stop.set())
        self.clear_button.on_click(self._on_clear)
        self.framing.observe(lambda _: self._sync_enabled(), names="value")
        self.clip.observe(lambda _: self._sync_enabled(), names="value")
        self.preset.observe(self._on_preset, names="value")
        for control in (self.flow_scale, self.cell, self.hidden_size):
            control.observe(lambda _: self.update_flow(), names="value")
        self._sync_enabled()

        self.widget = widgets.VBox([
            widgets.HTML("<h3>sine-lab playground</h3>"),
            widgets.HBox([
                widgets.VBox([self.preset, *self._controls, self.not_applying] + [
                    widgets.HBox([self.train_button, self.stop_button]),
                    self.compare, self.clear_button,
                ]),
                widgets.VBox([self.progress, self.status, self.loss_image]),
            ]),
            widgets.HBox([self.prediction_image, self.gradient_image]),
            widgets.HTML("<h4>Gradient-flow explorer: scale the recurrent weights of a fresh model</h4>"),
            widgets.HBox([widgets.VBox([self.flow_scale, self.flow_status]), self.flow_image]),
        ])
        self._set_status(["Set the controls and press Train."])
        self._draw_loss({}, None, None)
        self.update_flow()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- reading and setting the controls -------------------------------------

    def apply(self, settings: Settings) -> None:
        """Set every control to ``settings``; a value outside a slider's range raises
        ``ValueError`` (a slider would silently clamp it)."""
        if not isinstance(settings, Settings):
            raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
        for name in ("hidden_size", "num_layers", "lr", "window", "epochs", "period", "noise", "horizon"):
            control, value = getattr(self, name), getattr(settings, name)
            low, high = control.min, control.max
            if isinstance(control, widgets.FloatLogSlider):
                low, high = control.base**low, control.base**high
            if not low <= value <= high:
                raise ValueError(f"{name}={value} is outside the playground's slider range {low:g}..{high:g}")
        self.framing.value, self.cell.value = settings.framing, settings.cell
        self.hidden_size.value, self.num_layers.value = settings.hidden_size, settings.num_layers
        self.lr.value, self.window.value, self.epochs.value = settings.lr, settings.window, settings.epochs
        self.clip.value = settings.clip_grad_norm is not None
        if settings.clip_grad_norm is not None:
            self.clip_norm.value = f"{settings.clip_grad_norm:g}"
        self.init.value, self.seed.value = settings.init, str(settings.seed)
        self.period.value, self.noise.value = settings.period, settings.noise
        self.recipe.value, self.horizon.value = settings.recipe, settings.horizon
        self.delta_order.value, self.scaled_loss.value = settings.delta_order, settings.scaled_loss
        # The status describes the last run; after new settings it would describe a run they did not make.
        self._set_status(["Settings applied: press Train to run them."])

    def settings(self) -> Settings:
        """The controls' current values as :class:`Settings` (raises if one is invalid)."""
        return Settings(
            framing=self.framing.value, cell=self.cell.value, hidden_size=self.hidden_size.value,
            num_layers=self.num_layers.value, lr=self.lr.value, window=self.window.value,
            epochs=self.epochs.value,
            clip_grad_norm=_number("max norm", self.clip_norm.value, float) if self.clip.value else None,
            init=self.init.value, seed=_number("seed", self.seed.value, int), period=self.period.value,
            noise=self.noise.value, recipe=self.recipe.value, horizon=self.horizon.value,
            delta_order=self.delta_order.value, scaled_loss=self.scaled_loss.value,
        )

    @property
    def history(self) -> History | None:
        """The last finished run's history, or ``None`` before the first."""
        return self.runs[-1].history if self.runs else None

    @property
    def is_training(self) -> bool:
        return self._busy or (self._thread is not None and self._thread.is_alive())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background run to finish; ``True`` if none is running any more."""
        if self._thread is not None:
            self._thread.join(None if timeout is None else check_float("timeout", timeout, minimum=0.0))
        return not self.is_training

    def _sync_enabled(self) -> None:
        # Called on every framing or clip change too: the busy flag, not the caller, says
        # whether a run holds the controls.
        training = self._busy
        ignored, reason = NOT_APPLYING[self.framing.value]
        for control in self._controls:
            control.disabled = training or any(control is getattr(self, name) for name in ignored)
        if not self.clip.value:
            self.clip_norm.disabled = True
        for control in (self.train_button, self.clear_button, self.preset):
            control.disabled = training
        self.stop_button.disabled = not training
        names = ", ".join(name.replace("_", " ") for name in ignored)
        self.not_applying.value = f"<small>Not used here: {html.escape(names)} ({html.escape(reason)}).</small>"

    def _on_preset(self, change: dict) -> None:
        name = change["new"]
        if name == CHOOSE_PRESET:
            return
        if self.is_training:
            self._set_status([f"A run is in progress: press Stop before loading the preset {name!r}."], error=True)
        else:
            self.apply(PRESETS[name])
            self._on_train()
        self.preset.value = CHOOSE_PRESET

    # --- training -------------------------------------------------------------

    def _on_train(self, _button: widgets.Button | None = None) -> None:
        if self.is_training:
            self._set_status(["A run is in progress: wait for it or press Stop before training again."],
                             error=True)
            return
        try:
            settings = self.settings()
        except (TypeError, ValueError) as error:
            self._set_status([f"Cannot train with these settings: {error}"], error=True)
            return
        self._stop.clear()
        self.live_loss = []
        self._last_draw = 0.0
        if settings.framing == "recipe":
            recipe = recipe_settings(settings)
            self.progress.max = recipe.adam_steps + recipe.lbfgs_steps + (recipe.rollout_steps if recipe.rollout else 0)
        else:
            self.progress.max = settings.epochs
        self.progress.value = 0
        self.progress.description = "step 0"
        self.progress.bar_style = ""
        self._busy = True
        self._sync_enabled()
        self._set_status([f"Training {settings.label} …"])
        if self.run_in_background:
            self._thread = threading.Thread(target=self._train, args=(settings,), daemon=True,
                                            name="sine-lab-training")
            self._thread.start()
        else:
            self._train(settings)

    def _on_step(self, step: int, loss: float | None) -> bool:
        self.progress.value = min(step, self.progress.max)
        self.progress.description = f"step {step}"
        if loss is not None:
            self.live_loss.append(loss)
        now = time.monotonic()
        if self.live_loss and now - self._last_draw >= REDRAW_SECONDS:
            self._last_draw = now
            self._update_live_plot()
        return not self._stop.is_set()

    def _train(self, settings: Settings) -> None:
        try:
            compared = self.compared_histories()
            self._start_live_plot(compared, settings)
            # The training loop records PyTorch's warnings per run (History.warnings); the
            # status line shows them. Nothing here changes the process-wide warning filters.
            run = run_experiment(settings, callback=self._on_step)
            self._show_run(settings, compared, run, evaluate(run))
        except (TypeError, ValueError) as error:
            self._fail(f"Cannot train with these settings: {error}")
        except Exception as error:  # noqa: BLE001
            # Anything else escaping the training thread would print a traceback into
            # whichever cell ran last and leave the buttons locked: report it here.
            self._fail(f"Training failed: {type(error).__name__}: {error}")

    def _show_run(self, settings: Settings, compared: dict[str, History], run: Run, evaluation: Evaluation) -> None:
        self._run_count += 1
        self.runs.append(run)
        self._run_numbers.append(self._run_count)
        self.evaluation = evaluation
        history = run.history
        self.progress.bar_style = {"completed": "success", "stopped": "warning",
                                   "early_stopped": "success"}.get(history.stop_reason, "danger")
        if history.stop_reason in ("completed", "early_stopped"):
            # A recipe stage that stops on its validation leaves steps unused: the run is done all the same.
            self.progress.value = self.progress.max
        # The var(sin t) floor is a loss in MSE units: drawn only when the loss is the MSE.
        floor = run.experiment.constant_floor if _loss_units(settings) == MSE_UNITS else None
        self._draw_loss(compared, settings, history, floor=floor, stages=run.stages)
        self._draw_prediction(evaluation, settings.cell)
        self._draw_gradients(evaluation, settings.cell)
        notes = [history.message]
        if settings.framing == "recipe":
            # A row named rnn/lstm/gru is that cell plus its head: say which head, wherever results show.
            notes.append(f"Model: {settings.cell} with {settings.hidden_size} units and a head predicting the "
                         f"{HEADS[settings.delta_order]}: output = {RESIDUALS[settings.delta_order]}.")
        if evaluation.forecast_mse is not None:
            on_wave = "stays on the wave" if evaluation.forecast_mse <= ON_WAVE_MSE else "leaves the wave"
            cycles = settings.horizon / (2 * math.pi * settings.period)
            notes.append(f"Free-running forecast of {settings.horizon} steps: MSE {evaluation.forecast_mse:.3g} "
                         f"({on_wave}; {cycles:.2g} cycles of the wave; one step ahead "
                         f"{evaluation.one_step_mse:.3g}). The 2-tap least-squares recurrence, run free over the "
                         f"same steps: MSE {baseline_forecasts(run)['recurrence']:.3g}.")
        notes += [f"PyTorch warned: {w.splitlines()[0]}" for w in history.warnings]
        if settings.framing == "article":
            notes.append(
                f"In this framing the model answers one number for all 1000 targets, so no loss can go "
                f"below var(sin t) = {run.experiment.constant_floor:.4f}."
            )
        self._set_status(notes, error=history.stop_reason == "diverged")
        self._busy = False
        self._sync_enabled()

    def _fail(self, message: str) -> None:
        self._set_status([message], error=True)
        self.progress.bar_style = "danger"
        self._busy = False
        self._sync_enabled()

    def compared_histories(self) -> dict[str, History]:
        """``{"#n settings": History}`` of the kept runs when comparing, else empty."""
        if not self.compare.value:
            return {}
        return {f"#{n} {run.settings.label}": run.history for n, run in zip(self._run_numbers, self.runs, strict=True)}

    def _on_clear(self, _button: widgets.Button | None = None) -> None:
        self.runs.clear()
        self._run_numbers.clear()
        self._draw_loss({}, None, None)
        self._set_status(["Cleared the kept runs."])

    # --- drawing --------------------------------------------------------------

    def _set_status(self, lines: list[str], *, error: bool = False) -> None:
        self.message = "\n".join(lines)
        text_colour, css = (colour("error"), "sine-lab-error") if error else (colour("status"), "sine-lab-ok")
        body = "<br>".join(html.escape(line) for line in lines)
        self.status.value = f'<div class="{css}" style="color:{text_colour}; max-width:560px">{body}</div>'

    def _show(self, name: str, figure: Figure, image: widgets.Image) -> None:
        self.figures[name] = figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
        image.value = buffer.getvalue()

    def _loss_axes(self, compared: dict[str, History], title: str, floor: float | None = None,
                   units: str = MSE_UNITS):
        figure, ax = _figure(7)
        reference = {"best constant: var(sin t)": floor} if floor is not None else None
        if compared:
            plot_loss(compared, title=title, ax=ax, reference=reference)
        else:
            ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_title(title)
            ax.grid(True, alpha=0.3)
        ax.set_ylabel(units)
        return figure, ax

    def _start_live_plot(self, compared: dict[str, History], settings: Settings) -> None:
        # One figure per run; each update only moves the line's data and re-renders.
        figure, ax = self._loss_axes(compared, "training …", units=_loss_units(settings))
        (self._live_line,) = ax.plot([], [], color=colour("truth"), label=f"now: {settings.label}")
        ax.legend(fontsize=7, loc="upper right")
        self._live_figure = figure

    def _update_live_plot(self) -> None:
        ax = self._live_line.axes
        self._live_line.set_data(range(1, len(self.live_loss) + 1), self.live_loss)
        ax.relim()
        ax.autoscale_view()
        ax.set_title(f"training: epoch {len(self.live_loss)}, loss {self.live_loss[-1]:.3g}")
        self._show("loss", self._live_figure, self.loss_image)

    def _draw_loss(self, compared: dict[str, History], settings: Settings | None, history: History | None,
                   *, floor: float | None = None, stages: tuple[tuple[str, int], ...] = ()) -> None:
        if settings is None or history is None:
            figure, ax = self._loss_axes({}, "loss against epoch (press Train)")
        else:
            curves = {**compared, (f"now: {settings.label}" if compared else settings.label): history}
            title = f"{history.stop_reason}: loss {history.final_loss:.3g} after {history.epochs} epochs"
            if len(stages) > 1:
                title = (f"{history.stop_reason}: {history.epochs} epochs in {len(stages)} stages, "
                         f"last stage's loss {history.final_loss:.3g}")
            if history.epochs == 0:
                title = f"{history.stop_reason}: no epoch finished"
            figure, ax = self._loss_axes(curves, title, floor, _loss_units(settings))
            _mark_stages(ax, stages)
            ax.legend(fontsize=7, loc="upper right")
        self._show("loss", figure, self.loss_image)

    def _draw_prediction(self, evaluation: Evaluation, kind: str) -> None:
        figure, (left, right) = _figure(8.4, columns=2)
        kinds = {"one-step (true inputs)": kind, "free-running (own outputs)": kind}  # the model kind's colour
        plot_prediction(
            evaluation.t, evaluation.truth, {"one-step (true inputs)": evaluation.one_step},
            title=f"one step ahead: MSE {evaluation.one_step_mse:.3g}", ax=left, kinds=kinds,
        )
        left.legend(fontsize=7)
        if evaluation.forecast is not None:
            plot_prediction(
                evaluation.forecast_t, evaluation.forecast_truth, {"free-running (own outputs)": evaluation.forecast},
                title=f"free-running {evaluation.forecast.numel()} steps: MSE {evaluation.forecast_mse:.3g}", ax=right,
                kinds=kinds,
            )
            right.legend(fontsize=7)
        else:
            right.axis("off")
            right.text(0.5, 0.5, "article framing: one number for the\nwhole sequence, nothing to run forward",
                       ha="center", va="center")
        self._show("prediction", figure, self.prediction_image)

    def _draw_gradients(self, evaluation: Evaluation, kind: str) -> None:
        figure, ax = _figure(4.4)
        if evaluation.lag_norms is None:
            _no_recurrent_layer(ax)
        else:
            steps = evaluation.lag_norms.numel() - 1
            plot_lag_norms(evaluation.lag_norms, title=f"trained model: {evaluation.regime} over {steps} steps", ax=ax,
                           kind=kind)
        self._show("gradients", figure, self.gradient_image)

    # --- gradient-flow explorer -----------------------------------------------

    def update_flow(self) -> None:
        """Recompute the explorer for the current cell, hidden size and scale."""
        try:
            flow = gradient_flow(self.cell.value, self.hidden_size.value, self.flow_scale.value)
        except (TypeError, ValueError) as error:
            # TypeError: a kind without a recurrent layer has no W_hh to scale. ValueError: settings
            # the kind rejects (e.g. a width its attention heads do not divide). Either is shown, not raised.
            self.flow = None
            figure, ax = _figure(5.6)
            if isinstance(error, TypeError):
                _no_recurrent_layer(ax)
            else:
                ax.axis("off")
                ax.text(0.5, 0.5, "no model to explore with these settings:\nsee the message below",
                        ha="center", va="center")
            self._show("flow", figure, self.flow_image)
            self.flow_status.value = html.escape(str(error))
            return
        self.flow = flow
        figure, ax = _figure(5.6)
        plot_lag_norms(flow.lag_norms, ax=ax, kind=self.cell.value,
                       title=f"untrained {self.cell.value}, W_hh × {self.flow_scale.value:.3g}: {flow.regime}")
        self._show("flow", figure, self.flow_image)
        self.flow_status.value = (
            f"spectral radius of W_hh: <b>{flow.spectral_radius:.3g}</b><br>"
            f"regime over {flow.lag_norms.numel() - 1} steps: <b>{flow.regime}</b>"
        )
