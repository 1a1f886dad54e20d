"""The extension point is real: a kind of model defined here, and only here, registered with
one line, goes through training, forecasting, checkpoints, the doctor, the benchmark's
command line and the playground's choices without an edit anywhere in sine_lab."""

import json
import math
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from sine_lab.checkpoints import load_model, save_model
from sine_lab.data import make_windows, sine_series
from sine_lab.doctor import check_setup
from sine_lab.models import MODEL_KINDS, build_model, forecast, register_model_kind
from sine_lab.stepwise import Residual
from sine_lab.training import train


class WindowMLP(nn.Module):
    """An MLP on the last ``window`` values: no recurrence, and it still keeps the contract.

    ``run(x, state)``: ``x`` ``(batch, seq, 1)`` -> per-step outputs ``(batch, seq, 1)``; the
    state is the last ``window - 1`` inputs ``(batch, window - 1, 1)`` (zeros before the start),
    so that a later call continues the sliding window exactly.
    """

    def __init__(self, window: int = 8, hidden_size: int = 16, per_step: bool = False,
                 delta_scale: float | None = None, delta_order: int = 1) -> None:
        super().__init__()
        self.window, self.per_step = window, per_step
        # The recipe's fixed residual (delta_scale, delta_order) comes ready-made.
        self.residual = Residual(delta_scale, delta_order)
        self.mlp = nn.Sequential(nn.Linear(window, hidden_size), nn.Tanh(), nn.Linear(hidden_size, 1))

    def run(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        inner, previous = self.residual.split(state, x.shape[0], 1)
        past = x.new_zeros(x.shape[0], self.window - 1, 1) if inner is None else inner
        padded = torch.cat([past, x], dim=1)
        out = self.mlp(padded.squeeze(-1).unfold(1, self.window, 1))  # (batch, seq, window) -> (batch, seq, 1)
        return self.residual.apply(x, out, previous), self.residual.join(padded[:, -(self.window - 1):], x)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.run(x)
        return out if self.per_step else out[:, -1]


@pytest.fixture
def window_mlp():
    """Registers the kind for one test (the one line a new kind needs), then removes it."""
    register_model_kind("window_mlp", "an MLP on the last few values, no recurrence")(WindowMLP)
    yield "window_mlp"
    del MODEL_KINDS["window_mlp"]


@pytest.fixture
def windows():
    _, s = sine_series(200, step=0.1)
    return make_windows(s, 12)  # (188, 12, 1) windows, (188, 1) next values


def test_a_new_kind_trains_and_forecasts(window_mlp, windows):
    x, y = windows
    torch.manual_seed(0)
    model = build_model(window_mlp, window=4)
    history = train(model, x, y, epochs=150, lr=0.01, seed=0)
    assert history.final_loss < 0.01 * history.loss[0]
    with torch.no_grad():
        generated = forecast(model.eval(), x[:1], 10)
    assert generated.shape == (1, 10)
    # The first forecast is the model's own prediction after the context.
    assert torch.allclose(generated[:, 0], model(x[:1])[:, 0])


def test_a_new_kind_round_trips_through_a_checkpoint(window_mlp, windows, tmp_path):
    x, _ = windows
    torch.manual_seed(0)
    model = build_model(window_mlp, window=5, hidden_size=7).eval()
    loaded, settings = load_model(save_model(model, tmp_path / "mlp.pt", {"note": "window of 5"}))
    assert (loaded.kind, loaded.config, settings) == ("window_mlp", {"window": 5, "hidden_size": 7},
                                                      {"note": "window of 5"})
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_the_doctor_checks_a_new_kind(window_mlp, windows):
    x, y = windows
    model = build_model(window_mlp)
    assert check_setup(model, x, y).ok
    # The article's shape bug, with the new kind: a (N,) target broadcast against (N, 1) predictions.
    report = check_setup(model, x, y[:, 0])
    assert not report.ok and "broadcast" in str(report)


def test_a_diagnostic_that_needs_a_recurrent_layer_names_the_new_kind(window_mlp, windows):
    from sine_lab.diagnostics import jacobian_norms_vs_lag

    with pytest.raises(TypeError, match=r"needs a model with a recurrent layer .*; the 'window_mlp' model "
                                        r"\(WindowMLP\) has none"):
        jacobian_norms_vs_lag(build_model(window_mlp), windows[0][:2])


def test_the_playground_offers_and_trains_a_new_kind(window_mlp):
    from sine_lab.studies.playground import (
        Settings,
        evaluate,
        gradient_flow,
        playground_kinds,
        run_experiment,
    )

    assert window_mlp in playground_kinds()
    settings = Settings(framing="windows", cell=window_mlp, hidden_size=8, window=10, epochs=30, lr=0.01)
    run = run_experiment(settings)
    assert run.experiment.model.kind == window_mlp and run.history.final_loss < run.history.loss[0]
    evaluation = evaluate(run)
    assert evaluation.forecast.shape == (300,) and evaluation.lag_norms is None and evaluation.regime is None
    with pytest.raises(ValueError, match=r"the kind 'window_mlp' has no num_layers \(it takes window, hidden_size, "
                                         r"per_step, delta_scale, delta_order\); set layers to 1, got 2"):
        Settings(cell=window_mlp, num_layers=2)
    with pytest.raises(TypeError, match="scale_recurrent_weights needs a model with a recurrent layer .*; "
                                        r"the 'window_mlp' model \(WindowMLP\) has none"):
        gradient_flow(window_mlp, 8, 1.0)


def test_the_playground_widget_lists_and_trains_a_new_kind(window_mlp):
    from sine_lab.studies.playground import Settings
    from sine_lab.studies.widgets import Playground

    playground = Playground(run_in_background=False)
    assert window_mlp in playground.cell.options
    playground.apply(Settings(framing="windows", cell=window_mlp, hidden_size=8, window=10, epochs=20))
    # The gradient-flow explorer says why it has nothing to show, instead of raising from the observer.
    assert playground.flow is None and "has none" in playground.flow_status.value
    playground.train_button.click()
    assert playground.history is not None and playground.history.stop_reason == "completed"
    assert playground.evaluation.lag_norms is None


def test_the_benchmark_command_line_runs_a_new_kind(window_mlp, tmp_path, capsys):
    from sine_lab.bench import cli as bench_cli

    result_file = tmp_path / "bench.json"
    assert bench_cli.main(["--cells", window_mlp, "--horizons", "100", "--json", str(result_file)]) == 0
    row, residual = json.loads(result_file.read_text())["runs"]
    assert residual["cell"] == "residual only", "every sweep scores the recipe's fixed part alone beside the kinds"
    assert row["cell"] == window_mlp and math.isfinite(row["one_step_mse"])
    assert math.isfinite(row["free_run_mse"]["100"])
    assert window_mlp in capsys.readouterr().out


def test_the_benchmark_command_line_knows_only_registered_kinds(capsys):
    from sine_lab.bench import cli as bench_cli

    assert bench_cli.main(["--cells", "window_mlp"]) == 2
    assert "unknown cell(s) window_mlp; choose from rnn,lstm,gru,linear,irnn" in capsys.readouterr().err
