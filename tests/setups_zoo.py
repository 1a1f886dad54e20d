"""A collection of training setups for an RNN on a sine (or similar series), buggy and correct.

Written from scratch in the style of the "my LSTM won't learn a sine / predicts a
flat line" posts: each buggy setup is a small self-contained function whose
docstring says the mistake, returning ``(model, x, y)`` exactly as the poster
would pass them to the training loop. ``BUGGY`` maps each to the doctor code
that must be reported; ``CORRECT`` lists setups that must get no error or warning.
Setups that need the training probe to show their problem say so in ``PROBE``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn

from sine_lab.models import SequenceModel

Setup = tuple[nn.Module, torch.Tensor, torch.Tensor]

BUGGY: dict[Callable[[], Setup], str] = {}
CORRECT: list[Callable[[], Setup]] = []
PROBE: dict[Callable[[], Setup], int] = {}


def buggy(code: str, probe_steps: int = 0):
    def register(function: Callable[[], Setup]) -> Callable[[], Setup]:
        BUGGY[function] = code
        if probe_steps:
            PROBE[function] = probe_steps
        return function
    return register


def correct(probe_steps: int = 0):
    def register(function: Callable[[], Setup]) -> Callable[[], Setup]:
        CORRECT.append(function)
        if probe_steps:
            PROBE[function] = probe_steps
        return function
    return register


def sine(n: int = 300, step: float = 0.1) -> torch.Tensor:
    return torch.sin(step * torch.arange(n, dtype=torch.float32))


def windows(series: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sliding windows of past values (N, window) and the next value (N,), the usual forum helper."""
    xs = series.unfold(0, window, 1)[:-1]
    return xs, series[window:]


class LastStepLSTM(nn.Module):
    """The model most posts start from: LSTM, then a linear head on the last step."""

    def __init__(self, input_size=1, hidden=16, batch_first=True, layers=1):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, num_layers=layers, batch_first=batch_first)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1] if self.lstm.batch_first else out[-1])


# --- buggy -------------------------------------------------------------------------------------------


@buggy("unbatched_input")
def windows_as_rows_of_a_2d_input() -> Setup:
    """"My LSTM gets 20 past values per row, x is (N, 20), y is (N, 1), shapes match, but it
    doesn't generalise." nn.LSTM(20, 32) reads the 2-D x as ONE sequence of N steps with 20
    features: the hidden state runs from one window into the next."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(20, 32)
            self.fc = nn.Linear(32, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out)

    return Net(), xs, ys.unsqueeze(1)


@buggy("broadcast_in_loss")
def squeezed_prediction_against_column_target() -> Setup:
    """"Loss is stuck at 0.5." The model returns fc(out[:, -1]).squeeze() of shape (N,)
    while y is (N, 1): MSELoss broadcasts to (N, N), every prediction against every target."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(LastStepLSTM):
        def forward(self, x):
            return super().forward(x).squeeze()

    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("broadcast_in_loss")
def column_prediction_against_flat_target() -> Setup:
    """"It predicts the average every time." y is built as series[window:], shape (N,),
    the prediction is (N, 1): broadcast to (N, N)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return LastStepLSTM(), xs.unsqueeze(-1), ys


@buggy("broadcast_in_loss")
def head_on_the_final_state_of_every_layer() -> Setup:
    """"Two-layer LSTM, I use the final hidden state like the tutorials." fc(h_n) keeps the
    layer axis: (2, N, 1) against (N, 1), broadcast to (2, N, 1)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, 16, num_layers=2, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.fc(h_n)

    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("layout_mismatch")
def batch_first_forgotten() -> Setup:
    """"Data is (batch, seq, 1), I take out[:, -1] like everyone." Without batch_first=True,
    nn.LSTM reads (seq, batch, 1): the 'time' axis runs over the samples."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(LastStepLSTM):
        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    return Net(batch_first=False), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("wrong_axis")
def out_minus_one_with_batch_first() -> Setup:
    """"batch_first=True, and out[-1] is the last output, right?" With batch_first the first
    axis is the batch: out[-1] is the last window at every step. With 25 windows of 25 steps
    the shapes even line up, so nothing complains."""
    torch.manual_seed(0)

    class Net(LastStepLSTM):
        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[-1])

    # 25 windows of 25 steps: out[-1] is (25, hidden), the same shape as the right answer.
    xs, ys = windows(sine(), 25)
    return Net(), xs[:25].unsqueeze(-1), ys[:25].unsqueeze(1)


@buggy("wrong_axis")
def out_last_column_in_sequence_first_layout() -> Setup:
    """"My data is (seq, batch, 1) as the docs say; the last output is out[:, -1]." Without
    batch_first the second axis is the batch: out[:, -1] is the last window at every step."""
    torch.manual_seed(0)

    class Net(LastStepLSTM):
        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    xs, ys = windows(sine(), 20)
    return Net(batch_first=False), xs[:20].T.unsqueeze(-1), ys[:20].unsqueeze(1)


@buggy("time_as_input")
def windows_of_time_stamps() -> Setup:
    """"I feed the last 20 time stamps (scaled to [0, 1]) and predict sin at the next one."
    The inputs are clock readings, not past values of the signal."""
    torch.manual_seed(0)
    t = torch.linspace(0, 1, 300)
    xs, t_next = windows(t, 20)
    return LastStepLSTM(), xs.unsqueeze(-1), torch.sin(20 * t_next).unsqueeze(1)


@buggy("unscaled_input")
def raw_sales_figures() -> Setup:
    """"Monthly sales (around 500) fed straight into an LSTM, target is next month's change
    in thousands." Inputs in the hundreds saturate every tanh gate."""
    torch.manual_seed(0)
    sales = 500 + 100 * sine(300, 0.5)
    xs, ys = windows(sales, 12)
    return LastStepLSTM(), xs.unsqueeze(-1), ((ys - 500) / 100).unsqueeze(1)


@buggy("unscaled_target", probe_steps=20)
def temperatures_in_kelvin() -> Setup:
    """"Predicted temperature is a flat line." Inputs were standardised but the target is
    still in kelvin (~290): the output starts near 0 and crawls towards 290."""
    torch.manual_seed(0)
    kelvin = 290 + 10 * sine(300)
    xs, ys = windows(kelvin, 20)
    return LastStepLSTM(), ((xs - 290) / 10).unsqueeze(-1), ys.unsqueeze(1)


@buggy("input_size_mismatch")
def feature_axis_forgotten() -> Setup:
    """"RuntimeError: input.size(-1) must be equal to input_size." x is (batch, seq) = (N, 20)
    and nn.LSTM(1, ...) wants (batch, seq, 1)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return LastStepLSTM(), xs, ys.unsqueeze(1)


@buggy("samples_mixed")
def view_instead_of_permute() -> Setup:
    """"Converted my (batch, seq, 1) data to the (seq, batch, 1) nn.LSTM wants with view."
    view keeps the memory order, so each 'sequence' is stitched from pieces of different windows."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(LastStepLSTM):
        def forward(self, x):
            batch, seq, _ = x.shape
            out, _ = self.lstm(x.view(seq, batch, 1))
            return self.fc(out[-1])

    return Net(batch_first=False), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("nonfinite_input")
def missing_value_in_the_csv() -> Setup:
    """"Loss is nan from the first epoch." One reading was missing in the CSV and became NaN."""
    torch.manual_seed(0)
    series = sine()
    series[137] = float("nan")
    xs, ys = windows(series, 20)
    return LastStepLSTM(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("nonfinite_parameters")
def reusing_a_model_after_a_diverged_run() -> Setup:
    """"After I tried lr=10 the model only outputs nan, even with lr=0.001." The earlier run
    left NaN weights in the model object that is being trained again."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    model = LastStepLSTM()
    with torch.no_grad():
        model.lstm.weight_hh_l0.fill_(float("nan"))
    return model, xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("single_step_sequences")
def window_as_features_of_one_step() -> Setup:
    """"I unsqueeze to (N, 1, 20) because the LSTM wants 3-D." Each sample is one time step
    with 20 features: the recurrence never runs."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return LastStepLSTM(input_size=20), xs.unsqueeze(1), ys.unsqueeze(1)


@buggy("batch_first_ignored")
def batch_first_on_a_single_series() -> Setup:
    """"IndexError: too many indices for tensor of dimension 2." The series is (1000, 1), the
    GRU has batch_first=True and the model reads out[:, -1, :]; a 2-D input is unbatched."""
    torch.manual_seed(0)
    series = sine(1000, 0.05).unsqueeze(1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, 16, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.fc(out[:, -1, :])

    return Net(), series[:-1], series[1:]


@buggy("dtype_mismatch")
def numpy_float64_data() -> Setup:
    """"RuntimeError: input must have the type torch.float32, got type torch.float64."
    The windows came from a NumPy array through torch.from_numpy."""
    torch.manual_seed(0)
    series = np.sin(0.1 * np.arange(300))
    xs = np.stack([series[i : i + 20] for i in range(len(series) - 20)])
    return LastStepLSTM(), torch.from_numpy(xs).unsqueeze(-1), torch.from_numpy(series[20:]).unsqueeze(1)


@buggy("identical_inputs", probe_steps=20)
def every_window_starts_at_zero() -> Setup:
    """"It predicts the same number for every input." The windowing loop slices
    series[0:window] instead of series[i:i + window]."""
    torch.manual_seed(0)
    series = sine()
    xs = torch.stack([series[0:20] for i in range(len(series) - 20)])
    return LastStepLSTM(), xs.unsqueeze(-1), series[20:].unsqueeze(1)


@buggy("input_ignored")
def head_on_the_initial_state() -> Setup:
    """"Output is identical for every sample." A typo feeds the zero initial state h0 to the
    head instead of the final state h_n."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(1, 16, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            h0 = torch.zeros(1, x.size(0), 16)
            out, h_n = self.rnn(x, h0)
            return self.fc(h0[-1])

    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("constant_output", probe_steps=20)
def one_prediction_for_the_whole_series() -> Setup:
    """"The loss settles at about the variance of the data and the plot is a flat line."
    A many-to-one LSTM on the whole (1, 300, 1) series, trained against all 300 values."""
    torch.manual_seed(0)
    series = sine()
    return LastStepLSTM(), series.reshape(1, -1, 1), series.reshape(-1, 1)


# --- correct -------------------------------------------------------------------------------------------


@correct(probe_steps=20)
def sequence_model_on_windows() -> Setup:
    """sine_lab's SequenceModel on (N, 20, 1) windows of past values, next value as target."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return SequenceModel("lstm", hidden_size=16), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct(probe_steps=20)
def hand_written_gru_batch_first() -> Setup:
    """A GRU with batch_first=True, out[:, -1], on windows of a noisy sine."""
    torch.manual_seed(0)
    series = sine() + 0.05 * torch.randn(300)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, 16, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.fc(out[:, -1])

    xs, ys = windows(series, 20)
    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def sequence_first_layout() -> Setup:
    """PyTorch's default layout done right: x (seq, batch, 1), out[-1] is the last step."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return LastStepLSTM(batch_first=False), xs.T.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def one_long_series_predicting_every_step() -> Setup:
    """One unbatched series on purpose: x (L, 1) values, a prediction of the next value at
    every step, y (L, 1)."""
    torch.manual_seed(0)
    series = sine(400).unsqueeze(1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(1, 16)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out)

    return Net(), series[:-1], series[1:]


@correct()
def sequence_to_sequence() -> Setup:
    """Per-step targets: SequenceModel.run's outputs (N, 20, 1) against the next values (N, 20, 1)."""
    torch.manual_seed(0)
    series = sine()

    class PerStep(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = SequenceModel("gru", hidden_size=16)

        def forward(self, x):
            return self.inner.run(x)[0]

    xs = series.unfold(0, 21, 1)
    return PerStep(), xs[:, :-1].unsqueeze(-1), xs[:, 1:].unsqueeze(-1)


@correct()
def head_on_the_last_layers_final_state() -> Setup:
    """Two layers, the head on h_n[-1]: the last layer's state after the last step."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, 16, num_layers=2, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.fc(h_n[-1])

    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def exact_linear_oscillator() -> Setup:
    """The hand-set two-unit linear recurrence of sine_lab, on windows of the sine it was built for."""
    xs, ys = windows(sine(), 20)
    return SequenceModel.linear_oscillator(0.1), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def mlp_on_flat_windows() -> Setup:
    """No recurrence at all: an MLP on (N, 20) windows, a baseline many posts are told to try."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 1)), xs, ys.unsqueeze(1)


@correct()
def three_steps_ahead() -> Setup:
    """A horizon of 3: the head returns (N, 3), the target is the next three values (N, 3)."""
    torch.manual_seed(0)
    series = sine()
    chunks = series.unfold(0, 23, 1)
    return SequenceModel("rnn", hidden_size=16, output_size=3), chunks[:, :20].unsqueeze(-1), chunks[:, 20:]

