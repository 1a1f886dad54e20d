import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn as nn

from sine_lab.data import article_data
from sine_lab.diagnostics import format_trace, trace_shapes
from sine_lab.models import ArticleDeepLSTM, ArticleSimpleRNN, SequenceModel
from sine_lab.plots import plot_loss, plot_prediction
from sine_lab.training import History


def test_trace_of_example_1_shows_the_unbatched_sequence_and_the_broadcast():
    x, y = article_data()
    torch.manual_seed(0)
    steps = trace_shapes(ArticleSimpleRNN(1, 10, 1), x, y)
    assert [(s.input_shape, s.output_shape) for s in steps] == [
        ((1000, 1), (1000, 10)),
        ((10,), (1,)),
        ((1,), (1000, 1)),
    ]
    assert "unbatched: one sequence of 1000 steps" in steps[0].note
    assert "the same single prediction" in steps[-1].note


def test_trace_of_example_3_reports_where_it_breaks():
    x, y = article_data()
    torch.manual_seed(0)
    steps = trace_shapes(ArticleDeepLSTM(1, 50, 1, num_layers=3), x, y)
    assert steps[0].note == "unbatched: one sequence of 1000 steps (batch_first ignored)"
    assert steps[-1].stage == "forward pass raised" and steps[-1].note.startswith("IndexError")


def test_trace_of_a_correct_model_is_element_wise():
    torch.manual_seed(0)
    x = torch.randn(4, 9, 1)
    steps = trace_shapes(SequenceModel("lstm", hidden_size=5), x, torch.randn(4, 1))
    assert steps[0].note == "batched (batch, seq, feature)"
    assert steps[-1].note == "same shape: element-wise"
    table = format_trace(steps)
    assert table.splitlines()[0].split() == ["stage", "input", "output", "note"]


def test_plots_label_everything():
    history = History(loss=[1.0, 0.5, 0.25])
    ax = plot_loss({"a": history}, title="loss falls", reference={"var(y)": 0.4})
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss (MSE)" and ax.get_title() == "loss falls"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "var(y)"], "the reference named in the legend"
    x, y = article_data()
    ax = plot_prediction(x, y, {"constant": torch.tensor([0.18])}, title="flat")
    assert len(ax.lines) == 2 and ax.lines[1].get_ydata().shape == (1000,)


def test_plot_prediction_colours_each_prediction_by_the_kind_it_names():
    from sine_lab.plots import colour

    x = torch.linspace(0, 1, 5)
    ax = plot_prediction(x, torch.sin(x), {"RNN fed time": x, "LSTM, 10 units": x, "3-layer LSTM": x,
                                           "model(x)": x, "one-step": x}, title="kinds", kinds={"one-step": "gru"})
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["RNN fed time"].get_color() == colour("rnn")
    assert lines["LSTM, 10 units"].get_color() == lines["3-layer LSTM"].get_color() == colour("lstm")
    assert lines["LSTM, 10 units"].get_linestyle() != lines["3-layer LSTM"].get_linestyle(), "told apart by style"
    assert lines["model(x)"].get_color() == colour("prediction") and lines["one-step"].get_color() == colour("gru")


def test_plot_loss_colours_each_history_by_its_kind_and_a_common_word_names_none():
    from sine_lab.plots import colour

    history = History(loss=[1.0, 0.5])
    ax = plot_loss({"Example 1 (nn.RNN)": history, "LSTM, 10 units": history, "3-layer LSTM": history,
                    "linear extrapolation": history, "mine": history}, title="kinds", kinds={"mine": "lru"})
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["Example 1 (nn.RNN)"].get_color() == colour("rnn") and lines["mine"].get_color() == colour("lru")
    assert lines["LSTM, 10 units"].get_color() == lines["3-layer LSTM"].get_color() == colour("lstm")
    assert lines["LSTM, 10 units"].get_linestyle() == "-" and lines["3-layer LSTM"].get_linestyle() == "--"
    assert lines["linear extrapolation"].get_color() == colour("prediction"), "'linear' is a word, not the kind"


def test_plot_lag_norms_draws_in_its_kinds_colour():
    from sine_lab.plots import colour, plot_lag_norms

    norms = torch.tensor([1.0, 0.5, 0.25])
    assert plot_lag_norms(norms, title="t", kind="gru").get_lines()[0].get_color() == colour("gru")
    assert plot_lag_norms(norms, title="t").get_lines()[0].get_color() == colour("prediction")


def test_plot_prediction_rejects_mismatched_lengths():
    x, y = article_data()
    with pytest.raises(ValueError, match="must have 1 or 1000 elements, got 7"):
        plot_prediction(x, y, torch.zeros(7), title="bad")


def test_one_traced_forward_pass_serves_the_doctor_and_the_diagnostics():
    import sine_lab.diagnostics as diagnostics
    import sine_lab.doctor.context as doctor
    from sine_lab.tracing import trace_forward

    assert diagnostics.trace_forward is trace_forward and doctor.trace_forward is trace_forward


def test_trace_forward_records_nested_calls_recurrent_outputs_and_errors():
    from sine_lab.tracing import trace_forward

    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=5)
    model.train()
    x = torch.randn(4, 9, 1)
    trace = trace_forward(model, x)
    assert trace.error is None and tuple(trace.prediction.shape) == (4, 1)
    (gru,) = trace.recurrent_calls
    assert gru.depth >= 1 and gru.input_shape == (4, 9, 1) and gru.output_shape == (4, 9, 5)
    assert tuple(gru.output.shape) == (4, 9, 5) and tuple(gru.state.shape) == (1, 4, 5)
    assert trace.x.requires_grad and not x.requires_grad and model.training  # mode restored, x untouched
    # A layer that raises is still recorded with its input; the error is kept, not raised.
    broken = trace_forward(nn.LSTM(3, 4), torch.randn(6, 2, 1))
    assert isinstance(broken.error, RuntimeError)
    assert broken.calls == [] and broken.prediction is None
    wrapped = trace_forward(nn.Sequential(nn.LSTM(3, 4)), torch.randn(6, 2, 1))
    assert [(c.name, c.input_shape, c.output_shape) for c in wrapped.calls] == [("0", (6, 2, 1), None)]
