"""Every public function rejects bad input with a TypeError/ValueError that names what it
expected and what it got, instead of failing deep inside torch.

(check_setup and the checkpoint functions are covered in test_doctor.py and
test_checkpoints.py; the Article* models are the seed article's code, verbatim and
deliberately unvalidated.)"""

import matplotlib

matplotlib.use("Agg")

import re

import pytest
import torch
import torch.nn as nn

from sine_lab import bench, forecasting
from sine_lab.arguments import check_choice, check_float, check_int, check_tensor
from sine_lab.bench import cli as bench_cli
from sine_lab.callbacks import ClipGradNorm, DivergenceGuard, Validate
from sine_lab.data import Standardizer, article_data, make_windows, random_sines, sine_series, time_split
from sine_lab.diagnostics import ShapeStep, format_trace, trace_shapes
from sine_lab.models import LinearRecurrence, SequenceModel, forecast
from sine_lab.objectives import Rollout
from sine_lab.plots import plot_loss, plot_prediction
from sine_lab.training import History, fit_autoregressive, seed_everything, train


def raises(error, text):
    return pytest.raises(error, match=re.escape(text))


# --- validation ------------------------------------------------------------------------------------------


def test_check_tensor_names_the_layout_and_what_it_got():
    with raises(ValueError, "x must be a 3-D tensor (batch, seq, feature), got a 2-D torch.float32 tensor of shape "
                            "(1000, 1)"):
        check_tensor("x", torch.zeros(1000, 1), ndim=3, layout="(batch, seq, feature)")
    with raises(TypeError, "x must be a torch.Tensor, got list [1.0]"):
        check_tensor("x", [1.0])
    with raises(ValueError, "x must have last dimension 1 (batch, seq, 1), got a 3-D torch.float32 tensor of shape (4, "
                            "5, 2)"):
        check_tensor("x", torch.zeros(4, 5, 2), last_dim=1, layout="(batch, seq, 1)")
    with raises(TypeError, "x must be a floating-point tensor, got a 1-D torch.int64 tensor of shape (3,)"):
        check_tensor("x", torch.arange(3))
    with raises(ValueError, "x must be finite, but 1 of its 2 elements are NaN or inf"):
        check_tensor("x", torch.tensor([0.0, float("inf")]))


def test_check_int_float_and_choice_name_the_range_and_the_value():
    with raises(TypeError, "n must be an int, got bool True"):
        check_int("n", True)
    with raises(ValueError, "n must be <= 3, got 4"):
        check_int("n", 4, maximum=3)
    with raises(ValueError, "lr must be > 0.0, got 0.0"):
        check_float("lr", 0, minimum=0.0, exclusive_minimum=True)
    with raises(TypeError, "lr must be a number, got str '0.1'"):
        check_float("lr", "0.1")
    with raises(ValueError, "cell must be one of 'rnn', 'lstm'; got 'RNN'"):
        check_choice("cell", "RNN", ("rnn", "lstm"))


# --- data ------------------------------------------------------------------------------------------------


def test_article_data_bad_input():
    with raises(TypeError, "start must be a number, got str '0'"):
        article_data("0", 10)
    with raises(ValueError, "stop must be greater than start, got start=3.0, stop=3.0"):
        article_data(3, 3)


def test_sine_series_bad_input():
    with raises(ValueError, "length must be >= 1, got 0"):
        sine_series(0)
    with raises(ValueError, "step must be > 0.0, got -0.1"):
        sine_series(10, step=-0.1)


def test_make_windows_bad_input():
    with raises(ValueError, "series must be a 1-D or 2-D tensor (T,) or (n_series, T), got a 3-D torch.float32 tensor "
                            "of shape (2, 50, 1)"):
        make_windows(torch.zeros(2, 50, 1), 5)
    with raises(TypeError, "series must be a floating-point tensor (T,) or (n_series, T), got a 1-D torch.int64 "
                           "tensor"):
        make_windows(torch.arange(50), 5)
    with raises(ValueError, "series must have at least window + horizon = 12 time steps, got 10"):
        make_windows(torch.zeros(10), 10, 2)


def test_time_split_bad_input():
    with raises(ValueError, "train + validation must leave a test part: 0.9 + 0.1 of 10 steps leaves 0"):
        time_split(torch.zeros(10), 0.9, 0.1)
    with raises(TypeError, "series must be a torch.Tensor (T,) or (n_series, T), got list [1, 2, 3]"):
        time_split([1, 2, 3])


def test_random_sines_bad_input():
    with raises(ValueError, "n_series must be >= 1, got 0"):
        random_sines(0, 10)
    with raises(TypeError, "amplitude must be a (low, high) tuple, got [0, 1]"):
        random_sines(2, 10, amplitude=[0, 1])


def test_standardizer_bad_input():
    with raises(TypeError, "train must be a floating-point tensor, got a 1-D torch.int64 tensor of shape (5,)"):
        Standardizer.fit(torch.arange(5))
    with raises(TypeError, "values must be a torch.Tensor, got list [1.0]"):
        Standardizer(0.0, 1.0).transform([1.0])
    with raises(TypeError, "values must be a floating-point tensor, got a 1-D torch.int64 tensor of shape (2,)"):
        Standardizer(0.0, 1.0).inverse(torch.zeros(2, dtype=torch.int64))


# --- models ----------------------------------------------------------------------------------------------


def test_sequence_model_constructor_bad_input():
    with raises(ValueError, "hidden_size must be >= 1, got 0"):
        SequenceModel("gru", hidden_size=0)
    with raises(ValueError, "cell must be one of 'rnn', 'lstm', 'gru', 'linear'; got 'LSTM'"):
        SequenceModel("LSTM")


def test_sequence_model_forward_and_run_name_the_expected_layout():
    model = SequenceModel("lstm", hidden_size=4)
    with raises(ValueError, "x must be a 3-D tensor (batch, seq, input_size), got a 2-D torch.float32 tensor of shape "
                            "(1000, 1)"):
        model(torch.zeros(1000, 1))
    with raises(ValueError, "x must have last dimension 1 (batch, seq, input_size), got a 3-D torch.float32 tensor of "
                            "shape (8, 1, 20)"):
        model.run(torch.zeros(8, 1, 20))


def test_sequence_model_run_checks_the_state():
    x = torch.zeros(2, 5, 1)
    with raises(TypeError, "state of an lstm must be a tuple (h, c), got Tensor"):
        SequenceModel("lstm", hidden_size=4).run(x, torch.zeros(1, 2, 4))
    with raises(ValueError, "state h must have shape (num_layers, batch, hidden_size) = (2, 2, 4), got (1, 2, 4)"):
        SequenceModel("gru", hidden_size=4, num_layers=2).run(x, torch.zeros(1, 2, 4))


def test_linear_oscillator_bad_input():
    with raises(ValueError, "omega_dt must be <= 3.14159"):
        SequenceModel.linear_oscillator(4.0)
    with raises(ValueError, "omega_dt must be > 0.0, got 0.0"):
        SequenceModel.linear_oscillator(0.0)


def test_linear_recurrence_bad_input():
    with raises(ValueError, "hidden_size must be >= 1, got 0"):
        LinearRecurrence(1, 0)
    layer = LinearRecurrence(1, 3)
    with raises(ValueError, "x must be a 3-D tensor (batch, seq, input_size), got a 2-D"):
        layer(torch.zeros(5, 1))
    with raises(ValueError, "h0 must have shape (1, batch, hidden_size) = (1, 2, 3), got (1, 2, 4)"):
        layer(torch.zeros(2, 5, 1), torch.zeros(1, 2, 4))


def test_forecast_bad_input():
    with raises(TypeError, "forecast steps the model with model.run(x, state) -> (outputs, state), the contract of "
                           "every registered model kind (see sine_lab.models.register_model_kind); got LSTM, which "
                           "has no run method"):
        forecast(nn.LSTM(1, 2), torch.zeros(1, 5, 1), 3)
    with raises(ValueError, "context must be a 3-D tensor (batch, W, 1), got a 2-D torch.float32 tensor of shape (5, "
                            "1)"):
        forecast(SequenceModel("gru", hidden_size=2), torch.zeros(5, 1), 3)
    with raises(ValueError, "steps must be >= 1, got 0"):
        forecast(SequenceModel("gru", hidden_size=2), torch.zeros(1, 5, 1), 0)


def test_linear_predictor_bad_input():
    with raises(TypeError, "coefficients must be a sequence of numbers or a 1-D tensor (p,), got 'ab'"):
        SequenceModel.linear_predictor("ab")
    with raises(ValueError, "coefficients must be a 1-D tensor (p,), got a 2-D torch.float32 tensor of shape (1, 2)"):
        SequenceModel.linear_predictor([[1.0, 2.0]])
    with raises(ValueError, "delta_scale predicts a change of the input, so it needs input_size == output_size, got 1 "
                            "and 2"):
        SequenceModel(delta_scale=0.1, output_size=2)


# --- training --------------------------------------------------------------------------------------------


def test_seed_everything_bad_input():
    with raises(ValueError, "seed must be >= 0, got -1"):
        seed_everything(-1)
    with raises(TypeError, "seed must be an int, got float 1.5"):
        seed_everything(1.5)


def test_train_bad_input():
    model, x = nn.Linear(1, 1), torch.ones(4, 1)
    with raises(TypeError, "x must be a torch.Tensor, got ndarray"):
        train(model, x.numpy(), x, epochs=1, lr=0.1)
    with raises(ValueError, "y must be finite, but 1 of its 4 elements are NaN or inf"):
        train(model, x, torch.tensor([[1.0], [float("nan")], [1.0], [1.0]]), epochs=1, lr=0.1)
    with raises(TypeError, "epochs must be an int, got float 10.0"):
        train(model, x, x, epochs=10.0, lr=0.1)
    with raises(ValueError, "max_norm must be > 0.0, got 0.0"):
        train(model, x, x, epochs=1, lr=0.1, callbacks=[ClipGradNorm(0)])
    with raises(ValueError, "give exactly one of epochs and steps, got epochs=None and steps=None"):
        train(model, x, x, lr=0.1)


def test_train_extensions_bad_input():
    model, x = nn.Linear(1, 1), torch.ones(4, 1)
    with raises(ValueError, "optimizer must be one of 'adam', 'sgd', 'lbfgs'; got 'rmsprop'"):
        train(model, x, x, epochs=1, lr=0.1, optimizer="rmsprop")
    with raises(ValueError, "patience must be >= 1, got 0"):
        train(model, x, x, epochs=1, lr=0.1, callbacks=[Validate(x, x, patience=0)])
    with raises(ValueError, "max_growth must be > 1.0, got 1.0"):
        train(model, x, x, epochs=1, lr=0.1, callbacks=[DivergenceGuard(max_growth=1.0)])
    with raises(TypeError, "Rollout needs a model with a .run(x, state) method"):
        train(model, x, x, epochs=1, lr=0.1, objective=Rollout(5))


def test_fit_autoregressive_bad_input():
    with raises(ValueError, "order must be >= 1, got 0"):
        fit_autoregressive(torch.zeros(5), 0)
    with raises(ValueError, "series must have at least window + horizon = 4 time steps, got 2"):
        fit_autoregressive(torch.zeros(2), 3)


# --- diagnostics -----------------------------------------------------------------------------------------


def test_trace_shapes_bad_input():
    with raises(TypeError, "model must be a torch.nn.Module, got function"):
        trace_shapes(lambda v: v, torch.zeros(2, 1))
    with raises(TypeError, "x must be a torch.Tensor, got list [[0.0]]"):
        trace_shapes(nn.Linear(1, 1), [[0.0]])
    with raises(TypeError, "y must be a torch.Tensor, got float 0.0"):
        trace_shapes(nn.Linear(1, 1), torch.zeros(2, 1), 0.0)


def test_format_trace_bad_input():
    with raises(TypeError, "steps must be a list of ShapeStep from trace_shapes, got str"):
        format_trace("stage")
    assert format_trace([ShapeStep("a", (1,), (2,))]).splitlines()[1].split() == ["a", "(1,)", "(2,)"]


# --- plots -----------------------------------------------------------------------------------------------


def test_plot_loss_bad_input():
    with raises(TypeError, "histories must be a History or a mapping {label: History}, got list"):
        plot_loss([0.5, 0.4], title="t")
    with raises(TypeError, "histories must be a History or a mapping {label: History}, got a mapping with ['list'] "
                           "values"):
        plot_loss({"a": [0.5]}, title="t")
    with raises(TypeError, "title must be a non-empty str stating the finding, got str ''"):
        plot_loss(History(loss=[1.0]), title="")
    with raises(ValueError, "reference['var(y)'] must be finite, got nan"):
        plot_loss(History(loss=[1.0]), title="t", reference={"var(y)": float("nan")})


def test_plot_prediction_bad_input():
    x, y = article_data()
    with raises(TypeError, "t must be a torch.Tensor, got list"):
        plot_prediction([0.0], y, y, title="t")
    with raises(TypeError, "predictions must be a tensor or a mapping {label: tensor}, got list"):
        plot_prediction(x, y, [y], title="t")
    with raises(TypeError, "prediction 'a' must be a torch.Tensor, got ndarray"):
        plot_prediction(x, y, {"a": y.numpy()}, title="t")
    with raises(ValueError, "truth must have as many elements as t (1000), got 999"):
        plot_prediction(x, y[1:], y, title="t")


# --- bench -----------------------------------------------------------------------------------------------


def test_bench_functions_bad_input():
    with raises(ValueError, "period must be >= 5.0, got 2.0"):
        bench.make_task(2.0)
    task = bench.make_task(n_series=4, n_test=1)
    with raises(ValueError, "horizon must be >= 1, got 0"):
        task.continuation(0)
    with raises(ValueError, "series must be a 2-D tensor (n_series, T), got a 1-D torch.float32 tensor of shape (10,)"):
        forecasting.one_step_mse(SequenceModel(), torch.zeros(10), warmup=2)
    with raises(ValueError, "horizon must be >= 1, got 0"):
        bench.free_run_mse(SequenceModel(), task, horizon=0)
    with raises(ValueError, "cells must hold at least one value"):
        bench.run_sweep(cells=[])
    with raises(ValueError, "cells[1] must be one of 'rnn', 'lstm', 'gru', 'linear', 'irnn', 'attention', "
                            "'transformer', 'lru', 'rnn-skip', 'lstm-skip', 'gru-skip'; got 'mamba'"):
        bench.run_sweep(cells=["rnn", "mamba"])
    with raises(TypeError, "result must be the dict run_sweep returns (keys ['cells', 'horizons', 'periods', 'runs']), "
                           "got a dict with keys []"):
        bench.format_sweep({})


def test_forecasting_bad_input():
    series = torch.zeros(4, 100)
    with pytest.raises(ValueError, match="kind must be one of 'rnn', .*; got 'mamba'"):
        forecasting.fit("mamba", series, forecasting.ForecastSettings())
    with raises(ValueError, "the recipe needs warmup + 1 < chunk <= validation_start"):
        forecasting.fit("rnn", series, forecasting.ForecastSettings(warmup=50, chunk=40))
    with raises(ValueError, "validation_start must be <= 99, got 800"):
        forecasting.fit("rnn", series, forecasting.ForecastSettings(chunk=60))
    with raises(ValueError, "chunk must be >= 12, got 11"):
        forecasting.teacher_forcing_pairs(series, chunk=11, warmup=10, stride=1)
    with raises(ValueError, "order must be >= 2, got 1"):
        forecasting.least_squares_predictor(1)
    with raises(ValueError, "linear_correction needs at least 2 corrections"):
        SequenceModel.linear_correction(torch.zeros(1))
    with raises(ValueError, "bound must be > 0.0, got 0.0"):
        forecasting.StableRollout(5, bound=0.0, checked=10)
    with raises(ValueError, "lead must be >= 0, got -1"):
        forecasting.free_run_mse(SequenceModel(), series, series, lead=-1)


def test_bench_command_line_bad_input(capsys):
    assert bench_cli.main(["--horizons", "x"]) == 2
    assert "argument --horizons: expected comma-separated ints, got 'x'" in capsys.readouterr().err
