"""A collection of training setups for an RNN on a sine (or similar series), buggy and correct.

The first part is written from scratch in the style of the "my LSTM won't learn a
sine / predicts a flat line" posts. The second part, "real cases", is re-typed from
public threads, issues and tutorials: each cites its source and states the thread's
own diagnosis, minimal but faithful to the code that was posted (the data become a
sine or a synthetic series where the post used its own).

Each setup is a small self-contained function whose docstring says the mistake,
returning ``(model, x, y)`` or ``(model, x, y, loss_fn)`` exactly as the poster would
pass them to the training loop. ``BUGGY`` maps each buggy setup to the doctor code
that must be reported; ``CORRECT`` lists setups that must get no error or warning.
Setups that need the training probe to show their problem say so in ``PROBE``.
``LIMITS`` maps the cases the doctor judges wrongly to the codes it does report and
the reason it cannot do better; the tests pin that behaviour, so a change shows.
``NOT_TRAINED_HERE`` names correct setups whose model does not reach the collection's
training bar (5% of var(y) in 40 full-batch epochs), with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from sine_lab.models import SequenceModel

Setup = tuple  # (model, x, y) or (model, x, y, loss_fn)

BUGGY: dict[Callable[[], Setup], str] = {}
CORRECT: list[Callable[[], Setup]] = []
PROBE: dict[Callable[[], Setup], int] = {}
LIMITS: dict[Callable[[], Setup], tuple[set[str], str]] = {}
NOT_TRAINED_HERE: dict[Callable[[], Setup], str] = {}


def buggy(code: str, probe_steps: int = 0):
    def register(function: Callable[[], Setup]) -> Callable[[], Setup]:
        BUGGY[function] = code
        if probe_steps:
            PROBE[function] = probe_steps
        return function
    return register


def correct(probe_steps: int = 0, not_trained_here: str = ""):
    def register(function: Callable[[], Setup]) -> Callable[[], Setup]:
        CORRECT.append(function)
        if probe_steps:
            PROBE[function] = probe_steps
        if not_trained_here:
            NOT_TRAINED_HERE[function] = not_trained_here
        return function
    return register


def limit(reported: set[str], reason: str):
    """A case the doctor cannot judge right: it reports ``reported``, for ``reason``."""
    def register(function: Callable[[], Setup]) -> Callable[[], Setup]:
        LIMITS[function] = (reported, reason)
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


class HeadOnEveryStep(nn.Module):
    """A recurrent layer and a linear head on its output at every step."""

    def __init__(self, layer: nn.RNNBase):
        super().__init__()
        self.rnn = layer
        self.fc = nn.Linear(layer.hidden_size, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


# --- buggy -------------------------------------------------------------------------------------------


@buggy("unbatched_input")
def windows_as_rows_of_a_2d_input() -> Setup:
    """"My LSTM gets 20 past values per row, x is (N, 20), y is (N, 1), shapes match, but it
    doesn't generalise." nn.LSTM(20, 32) reads the 2-D x as ONE sequence of N steps with 20
    features: the hidden state runs from one window into the next."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return HeadOnEveryStep(nn.LSTM(20, 32)), xs, ys.unsqueeze(1)


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

    return Net(batch_first=False), xs.unsqueeze(-1).contiguous(), ys.unsqueeze(1)


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
    return HeadOnEveryStep(nn.RNN(1, 16)), series[:-1], series[1:]


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



# --- real cases ----------------------------------------------------------------------------------------
# Re-typed from public threads, issues and tutorials. Each docstring cites the source and states
# the thread's own diagnosis; sizes are small, the data a sine (or a synthetic series) where the
# post used its own, and the mistake is kept exactly as posted.


def _streams(count: int, steps: int) -> torch.Tensor:
    """``count`` sines of different phase, (count, steps): rows that are NOT windows of one another."""
    t = 0.1 * torch.arange(steps, dtype=torch.float32)
    return torch.sin(t + torch.linspace(0, 3, count).unsqueeze(1))


def _airline_like(months: int = 144) -> torch.Tensor:
    """Monthly values from about 100 to 600, as in scripts/doctor_scaling.py (no download)."""
    t = torch.arange(months, dtype=torch.float32)
    return 118.0 * torch.exp(0.0105 * t) * (1 + 0.16 * torch.sin(2 * torch.pi * (t - 3) / 12))


class SequenceFirstAutoencoder(nn.Module):
    """The answer's model in stackoverflow.com/questions/54411662: encode, repeat the encoder's
    last hidden state over time (Keras's RepeatVector), decode. x is (seq, batch, 1)."""

    def __init__(self, latent: int = 8):
        super().__init__()
        self.encoder = nn.LSTM(1, latent)
        self.decoder = nn.LSTM(latent, 1)

    def forward(self, x):
        _, (last_hidden, _) = self.encoder(x)
        decoded, _ = self.decoder(last_hidden.repeat(x.shape[0], 1, 1))
        return decoded


@buggy("broadcast_in_loss")
def so54411662_autoencoder_returns_the_average() -> Setup:
    """Source: https://stackoverflow.com/questions/54411662 ("LSTM autoencoder always returns the
    average of the input sequence"). x = [[0.0], ..., [0.4]] is (5, 1); forward() views it as
    (5, 1, 1) and returns the decoder's (5, 1, 1) output, compared with the (5, 1) input.
    Diagnosis (accepted answer): the extra dimensions are "the clue to your result equal to 0.2":
    MSELoss broadcasts (5, 1, 1) against (5, 1), so the best output is the sequence's mean; squeeze
    the output (and feed the decoder the repeated last hidden state)."""
    torch.manual_seed(0)

    class Net(SequenceFirstAutoencoder):
        def forward(self, x):
            return super().forward(x.view(len(x), 1, -1))

    x = torch.tensor([[0.0], [0.1], [0.2], [0.3], [0.4]])
    return Net(), x, x


@correct(not_trained_here="an LSTM decoder whose output is its own tanh-bounded 1-unit hidden state, as in "
         "the answer, learns far slower than 40 epochs")
def so54411662_autoencoder_on_a_sequence_first_batch() -> Setup:
    """The answer's autoencoder on a batch, in PyTorch's default layout: x (seq, batch, 1) =
    (20, 32, 1), the target is x itself, the output (20, 32, 1). The batch is axis 1: a doctor
    that assumes axis 0 reads each sample's reconstruction as depending on the others."""
    torch.manual_seed(0)
    x = _streams(32, 20).T.unsqueeze(-1).contiguous()
    return SequenceFirstAutoencoder(), x, x


class HHTsengDecoder(nn.Module):
    """DecoderRNN of HHTseng/video-classification (CRNN/functions.py), on one feature per step."""

    def __init__(self, last_step: bool):
        super().__init__()
        self.LSTM = nn.LSTM(input_size=1, hidden_size=16, num_layers=2, batch_first=True)
        self.fc1 = nn.Linear(16, 8)
        self.fc2 = nn.Linear(8, 1)
        self.last_step = last_step

    def forward(self, x_RNN):
        RNN_out, (h_n, h_c) = self.LSTM(x_RNN, None)
        x = self.fc1(RNN_out[:, -1, :] if self.last_step else RNN_out[-1, :, :])
        return self.fc2(torch.relu(x))


@buggy("wrong_axis")
def hhtseng_out_minus_one_with_batch_first() -> Setup:
    """Source: https://github.com/HHTseng/video-classification/issues/3. The reporter proposes
    RNN_out[-1, :, :] as "the output at the last timestep", reading the docs' (seq_len, batch,
    hidden). Diagnosis (maintainer): the LSTM has batch_first=True, so RNN_out is (batch, time,
    hidden) and RNN_out[-1, :, :] "is not desired": it is the last sample at every step."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return HHTsengDecoder(last_step=False), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


@correct()
def hhtseng_last_step_with_batch_first() -> Setup:
    """The repository's code, RNN_out[:, -1, :] with batch_first=True (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return HHTsengDecoder(last_step=True), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


class SpdinLSTM(nn.Module):
    """spdin/time-series-prediction-lstm-pytorch's model: the head on h_out.view(-1, hidden_size)."""

    def __init__(self, num_layers: int):
        super().__init__()
        self.num_layers, self.hidden_size = num_layers, 2
        self.lstm = nn.LSTM(input_size=1, hidden_size=2, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        h_0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c_0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        ula, (h_out, _) = self.lstm(x, (h_0, c_0))
        h_out = h_out.view(-1, self.hidden_size)
        return self.fc(h_out)


@buggy("shape_mismatch")
def spdin_h_out_view_with_two_layers() -> Setup:
    """Source: https://github.com/spdin/time-series-prediction-lstm-pytorch/issues/3 ("lstm input is
    wrong"). With num_layers=2, h_out is (2, N, hidden) and h_out.view(-1, hidden_size) stacks both
    layers' states into 2N rows: 2N predictions for N targets. Diagnosis (issue): read the last
    layer's output instead ("Now you can use multiple layers")."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 4)
    return SpdinLSTM(num_layers=2), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct(not_trained_here="the repository trains its hidden_size=2 LSTM for 2000 epochs at lr 0.01")
def spdin_h_out_view_with_one_layer() -> Setup:
    """The repository's notebook as published, num_layers=1: h_out (1, N, hidden) viewed as (N,
    hidden) is the last step of every window (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 4)
    return SpdinLSTM(num_layers=1), xs.unsqueeze(-1), ys.unsqueeze(1)


class BidirectionalEncoder(nn.Module):
    """A bidirectional GRU whose two final states feed the head."""

    def __init__(self, permute: bool):
        super().__init__()
        self.gru = nn.GRU(1, 16, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 1)
        self.permute = permute

    def forward(self, x):
        _, h_n = self.gru(x)  # (num_layers * num_directions, batch, hidden)
        if self.permute:
            h_n = h_n.permute(1, 0, 2)
        return self.fc(h_n.reshape(x.size(0), -1))


@buggy("samples_mixed")
def medium_bidirectional_state_reshaped_to_batch() -> Setup:
    """Source: https://medium.com/mcgill-artificial-intelligence-review/the-dangers-of-reshaping-and-
    other-fun-mistakes-ive-learnt-from-pytorch-b6a5bdc1c275 ("Batch interference and the dangers of
    reshaping"). h_n of a bidirectional layer is (num_directions, batch, hidden); reshaping it to
    (batch, -1) gives the right shape, but memory order puts two samples' states in one row.
    Diagnosis (post): the reshape mixes samples of the batch; move the batch axis first."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return BidirectionalEncoder(permute=False), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def medium_bidirectional_state_permuted() -> Setup:
    """The post's fix: h_n.permute(1, 0, 2) before the reshape, one row per sample (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return BidirectionalEncoder(permute=True), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("unbatched_input")
def gru_window_as_the_features_of_a_2d_input() -> Setup:
    """Source: https://example-a.com/answer/65526658 (a copy of a Stack Overflow question on why a
    PyTorch GRU wants a 3-D input). The asker windows the series as rows [t-2, t-1, t], a (batch, 3)
    tensor, and feeds them to the GRU. Diagnosis (question's edit, from the docs it quotes): the
    input is (batch, time steps, features per step); a 2-D input is one unbatched sequence, so here
    the GRU runs through the windows as if they were consecutive time steps of 3 features."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 3)
    return HeadOnEveryStep(nn.GRU(3, 16)), xs, ys.unsqueeze(1)


@correct()
def gru_window_on_the_time_axis() -> Setup:
    """The question's own answer: tensor([[[1], [2], [3]]]), i.e. (batch, 3 steps, 1 feature), with
    batch_first=True and the last step's output (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, 16, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.fc(out[:, -1])

    return Net(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("broadcast_in_loss")
def discuss202270_flattened_outputs_against_one_target() -> Setup:
    """Source: https://discuss.pytorch.org/t/in-a-number-sequence-1-2-3-4-estimate-the-next-number-
    using-lstm/202270. nn.LSTM(10, 20, 1), a Linear(20, 2) head on every step, then Flatten(1, 2),
    to map the window 1..10 to 11. The post shows PyTorch's "Using a target size (torch.Size([1]))
    that is different to the input size" warning: the prediction holds several values for one
    target and the loss broadcasts them. Re-typed with the window given as one step of 10 features,
    (1, 1, 10) (the post does not show its input), so the shapes are (1, 2) against (1,)."""
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(10, 20, 1)
            self.fc = nn.Linear(20, 2)
            self.flatten = nn.Flatten(start_dim=1, end_dim=2)

        def forward(self, x):
            x, _ = self.lstm(x)
            return self.flatten(self.fc(x))

    window = torch.arange(1, 11, dtype=torch.float32) / 10
    return Net(), window.reshape(1, 1, 10), torch.tensor([1.1])


@correct()
def discuss202270_one_value_per_window() -> Setup:
    """What the post was after, one next value per window: windows (N, 10, 1) on the time axis,
    batch_first=True, the head on the last step (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 10)
    return LastStepLSTM(hidden=20), xs.unsqueeze(-1), ys.unsqueeze(1)


class CarriedStateLSTM(nn.Module):
    """forward() starts from the state the previous call ended in (None: zeros)."""

    def __init__(self, detach: bool):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)
        self.detach, self.state = detach, None

    def forward(self, x):
        out, state = self.lstm(x, self.state)
        self.state = tuple(s.detach() for s in state) if self.detach else state
        return self.fc(out)


def _reshaping_loss(output, target):
    # The post's loss: loss_fn(output.reshape(-1, embedding_dim), batch[1]).
    return nn.functional.mse_loss(output.reshape(-1, 1), target)


@limit({"state_not_detached"},
       "the bug is in the training loop, which feeds each batch the previous batch's state; the doctor sees "
       "only that forward() keeps an undetached state, which is right when the loop resets it, so it says "
       "(as information) that it cannot tell")
def csdn_state_carried_across_batches_without_detach() -> Setup:
    """Source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685. The training loop
    feeds each batch the (h0, c0) the LSTM returned for the previous one: "Trying to backward through
    the graph a second time"; retain_graph=True then fails with an in-place modification error.
    Diagnosis (post): the carried states still belong to the previous batch's graph; detach them.
    The loss reshapes the per-step output, as in the post: (batch * seq, 1) against the target."""
    torch.manual_seed(0)
    chunk = _streams(8, 21)
    return (CarriedStateLSTM(detach=False), chunk[:, :-1].unsqueeze(-1), chunk[:, 1:].reshape(-1, 1),
            _reshaping_loss)


@correct()
def csdn_state_detached_between_consecutive_chunks() -> Setup:
    """The post's fix, h0, c0 = h0.detach(), c0.detach(), on batches that continue each other
    (8 streams, one chunk of 20 steps each). The loss reshapes the (8, 20, 1) output to (160, 1)
    before comparing it with the (160, 1) target: judged from what the loss receives, no broadcast.
    The carried state is reported as information only (same source)."""
    torch.manual_seed(0)
    chunk = _streams(8, 21)
    return (CarriedStateLSTM(detach=True), chunk[:, :-1].unsqueeze(-1), chunk[:, 1:].reshape(-1, 1),
            _reshaping_loss)


class FastbookLMModel5(nn.Module):
    """fastbook chapter 12's LMModel5 (forums.fast.ai/t/rnn-hidden-state-initializations-chapter-12/91887),
    re-typed for a series: a 2-layer nn.RNN whose state self.h persists across batches, detached."""

    def __init__(self, batch_size: int, n_hidden: int = 16, n_layers: int = 2):
        super().__init__()
        self.rnn = nn.RNN(1, n_hidden, n_layers, batch_first=True)
        self.h_o = nn.Linear(n_hidden, 1)
        self.h = torch.zeros(n_layers, batch_size, n_hidden)

    def forward(self, x):
        res, h = self.rnn(x, self.h)
        self.h = h.detach()
        return self.h_o(res)

    def reset(self):
        self.h.zero_()


@correct()
def fastbook_stateful_rnn_on_consecutive_chunks() -> Setup:
    """Source: https://forums.fast.ai/t/rnn-hidden-state-initializations-chapter-12/91887. Diagnosis
    (thread, from the book): self.h = h.detach() keeps the state's value and drops its gradient
    history, so each batch continues where the previous one stopped; this needs batches whose rows
    continue the previous batch's rows (the book's LMDataLoader) and a reset every epoch. Here:
    8 streams, one chunk each, per-step targets. Reported as information only."""
    torch.manual_seed(0)
    chunk = _streams(8, 21)
    return FastbookLMModel5(batch_size=8), chunk[:, :-1].unsqueeze(-1), chunk[:, 1:].unsqueeze(-1)


@buggy("state_carried_over")
def fastbook_stateful_rnn_on_shuffled_windows() -> Setup:
    """The same stateful model trained on sliding windows of one series, which a DataLoader
    shuffles: each batch starts from the final state of unrelated windows (same source)."""
    torch.manual_seed(0)
    chunks = sine(300).unfold(0, 21, 1)[:64]
    return FastbookLMModel5(batch_size=64), chunks[:, :-1].unsqueeze(-1), chunks[:, 1:].unsqueeze(-1)


@correct(not_trained_here="its own training loop resets hidden_cell before every sequence; the collection's "
         "plain loop does not, so the second step would run into the first step's freed graph")
def stackabuse_flights_state_reset_by_the_loop() -> Setup:
    """Source: https://stackabuse.com/time-series-prediction-using-lstm-with-pytorch-in-python/.
    One 12-month sequence (scaled to [-1, 1]) at a time, viewed as (12, 1, 1); predictions[-1] is
    the next month. The tutorial's own explanation: hidden_cell holds the previous state and is
    re-initialised to zeros for every sequence in the training loop. The doctor cannot see that loop,
    so it says as information only that the state is kept undetached."""
    torch.manual_seed(0)

    class LSTM(nn.Module):
        def __init__(self, input_size=1, hidden_layer_size=16, output_size=1):
            super().__init__()
            self.hidden_layer_size = hidden_layer_size
            self.lstm = nn.LSTM(input_size, hidden_layer_size)
            self.linear = nn.Linear(hidden_layer_size, output_size)
            self.hidden_cell = (torch.zeros(1, 1, hidden_layer_size), torch.zeros(1, 1, hidden_layer_size))

        def forward(self, input_seq):
            lstm_out, self.hidden_cell = self.lstm(input_seq.view(len(input_seq), 1, -1), self.hidden_cell)
            predictions = self.linear(lstm_out.view(len(input_seq), -1))
            return predictions[-1]

    series = _airline_like()
    scaled = 2 * (series - series.min()) / (series.max() - series.min()) - 1
    return LSTM(), scaled[:12], scaled[12:13]


@buggy("layout_mismatch")
def keras_layout_without_batch_first() -> Setup:
    """Source: https://openillumi.com/?p=95827 ("PyTorch LSTM: Replicating Keras
    return_sequences=False"). Data shaped the Keras way, (batch, timesteps, features), and the last
    step taken as x[:, -1, :]. Diagnosis (page): that indexing is right only with batch_first=True;
    the default nn.LSTM reads (seq, batch, feature). Here batch_first is left out."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return LastStepLSTM(batch_first=False), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def keras_layout_with_batch_first() -> Setup:
    """The page's recipe: batch_first=True and the last step x[:, -1, :] (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)

    class Net(LastStepLSTM):
        def forward(self, x):
            x, _ = self.lstm(x)
            return self.fc(x[:, -1, :])

    return Net(batch_first=True), xs.unsqueeze(-1), ys.unsqueeze(1)


class VtbenchLSTM(nn.Module):
    """via-cs/vtbench, num/models/.ipynb_checkpoints/LSTM-checkpoint.py: a 2-layer LSTM and a head on
    out[:, -1, :] (it builds h_0 and c_0 and does not pass them, which is harmless)."""

    def __init__(self, input_size=1, hidden_size=16, num_layers=2, head_on_first_layer=False):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)
        self.head_on_first_layer = head_on_first_layer

    def forward(self, x):
        h_0 = torch.zeros(self.lstm.num_layers, x.size(0), self.lstm.hidden_size)  # noqa: F841 (as published)
        c_0 = torch.zeros(self.lstm.num_layers, x.size(0), self.lstm.hidden_size)  # noqa: F841 (as published)
        out, (h_n, _) = self.lstm(x)
        return self.fc(h_n[0] if self.head_on_first_layer else out[:, -1, :])


@correct()
def vtbench_two_layer_lstm_on_the_last_step() -> Setup:
    """Source: https://github.com/via-cs/vtbench (num/models/.ipynb_checkpoints/LSTM-checkpoint.py),
    a stacked LSTM read at the top layer's last step, as published."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return VtbenchLSTM(), xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("upper_layers_unused")
def stacked_lstm_head_on_the_first_layers_state() -> Setup:
    """The same stacked LSTM with the head on h_n[0]: the FIRST layer's final state, so the second
    layer trains for nothing. Sources of this fix in the wild: https://github.com/georgepar/slp/pull/6
    ("This fixes RNN training by choosing the proper last hidden layers") and
    https://github.com/kaniblu/pytorch-models/pull/6 ("now returns the last layer cell state
    instead"). Diagnosis (both): h_n is ordered bottom layer first; the top layer is h_n[-1]."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return VtbenchLSTM(head_on_first_layer=True), xs.unsqueeze(-1), ys.unsqueeze(1)


@correct()
def stock_prediction_h_n_reshaped() -> Setup:
    """Source: https://github.com/sjchasel/stock_prediction (深度学习模型/model.py): one LSTM layer,
    batch_first, the head on h_n.reshape(a * b, c) with (a, b, c) = h_n.shape = (1, batch, hidden).
    With one layer the reshape only drops the layer axis: no sample meets another."""
    torch.manual_seed(0)

    class Model(nn.Module):
        def __init__(self, n=1):
            super().__init__()
            self.lstm_layer = nn.LSTM(input_size=n, hidden_size=16, batch_first=True)
            self.linear_layer = nn.Linear(in_features=16, out_features=1, bias=True)

        def forward(self, x):
            out1, (h_n, h_c) = self.lstm_layer(x)
            a, b, c = h_n.shape
            return self.linear_layer(h_n.reshape(a * b, c))

    xs, ys = windows(sine(), 20)
    return Model(), xs.unsqueeze(-1), ys.unsqueeze(1)


def _airline_windows(standardise: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The tutorial's data: lookback 4, windows (N, 4, 1) and the next value at every step (N, 4, 1)."""
    series = _airline_like()
    if standardise:
        series = (series - series.mean()) / series.std()
    chunks = series.unfold(0, 5, 1)
    return chunks[:, :-1].unsqueeze(-1), chunks[:, 1:].unsqueeze(-1)


@buggy("unscaled_target")
def mlm_airline_passengers_unscaled() -> Setup:
    """Source: https://machinelearningmastery.com/lstm-for-time-series-prediction-in-pytorch/
    (a copy: tech-gate.org/2023/03/28/lstm-for-time-series-prediction-in-pytorch/). The airline
    passenger counts (about 100 to 600) go raw into nn.LSTM(1, 50, batch_first=True) + Linear(50, 1)
    on every step; it trains for 2000 epochs. The tutorial's results show it works, slowly;
    scripts/doctor_scaling.py measured why: with the target raw the output crawls towards the
    passengers' scale (a warning, not an error)."""
    torch.manual_seed(0)
    x, y = _airline_windows(standardise=False)
    return HeadOnEveryStep(nn.LSTM(1, 50, batch_first=True)), x, y


@correct()
def mlm_airline_passengers_standardised() -> Setup:
    """The same recipe with the series standardised (same source)."""
    torch.manual_seed(0)
    x, y = _airline_windows(standardise=True)
    return HeadOnEveryStep(nn.LSTM(1, 50, batch_first=True)), x, y


# --- real cases: token models, attention, packed sequences, classes, and what the doctor cannot show -----


class TokenLSTMClassifier(nn.Module):
    """jiangqy/LSTM-Classification-pytorch's LSTMClassifier (utils/LSTMClassifier.py), small: token ids
    (seq, batch) into nn.Embedding, a sequence-first nn.LSTM, a linear layer on lstm_out[-1]."""

    def __init__(self, vocabulary: int = 20, embedding: int = 8, hidden: int = 16, labels: int = 3):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden)
        self.hidden2label = nn.Linear(hidden, labels)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), sentence.shape[1], -1))
        return self.hidden2label(lstm_out[-1])


def _token_batch(batch: int = 32, steps: int = 12, vocabulary: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (steps, batch) and a class per sequence (batch,): the label is the first token's
    residue mod 3, so it takes memory over the whole sequence to predict."""
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, vocabulary, (steps, batch), generator=generator)
    return tokens, tokens[0] % 3


@correct(probe_steps=10, not_trained_here="class targets with CrossEntropyLoss: the collection's training bar "
         "is an MSE on real-valued targets")
def jiangqy_token_lstm_classifier() -> Setup:
    """Source: https://github.com/jiangqy/LSTM-Classification-pytorch/issues/1. int64 token ids go into
    nn.Embedding, and the logits of lstm_out[-1] into CrossEntropyLoss with int64 class targets.
    Diagnosis (maintainer): no activation after the last linear layer is right, because CrossEntropyLoss
    combines LogSoftmax and NLLLoss. Correct code: the ids must stay int64 (an Embedding raises on floats),
    and the probe must accept class targets."""
    torch.manual_seed(0)
    tokens, labels = _token_batch()
    return TokenLSTMClassifier(), tokens, labels, nn.CrossEntropyLoss()


class TinyTransformerRegressor(nn.Module):
    """One nn.TransformerEncoderLayer over windows of a series, a linear head on the last position."""

    def __init__(self, batch_first: bool, d_model: int = 16):
        super().__init__()
        self.embed = nn.Linear(1, d_model)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0,
                                                  batch_first=batch_first)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x))[:, -1])


@buggy("samples_mixed")
def torchleet_transformer_without_batch_first() -> Setup:
    """Source: https://github.com/Exorust/TorchLeet/issues/5 ("we should pass batch_first=True to
    TransformerEncoderLayer"). The model feeds (batch, seq, d_model) to a TransformerEncoderLayer
    created with the default batch_first=False, so attention runs across the batch. Diagnosis
    (issue, confirmed by the maintainer): high training loss and test error until batch_first=True.
    The doctor's message must speak of the attention layer, which has no recurrent state."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return TinyTransformerRegressor(batch_first=False), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


@correct(not_trained_here="a Transformer layer on 64 windows learns slower than the collection's 40 epochs")
def torchleet_transformer_with_batch_first() -> Setup:
    """The issue's fix, batch_first=True: attention runs along each window's steps (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return TinyTransformerRegressor(batch_first=True), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


class TokenTransformerEncoder(nn.Module):
    """Molecule-Generator's encoder, small: token ids (batch, seq) into nn.Embedding, a
    TransformerEncoderLayer, the mean over positions, a linear head."""

    def __init__(self, batch_first: bool, vocabulary: int = 20, d_model: int = 16):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, d_model)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0,
                                                  batch_first=batch_first)
        self.head = nn.Linear(d_model, 3)

    def forward(self, tokens):
        return self.head(self.encoder(self.embedding(tokens)).mean(dim=1))


@buggy("samples_mixed")
def molecule_generator_tokens_attended_across_the_batch() -> Setup:
    """Source: https://github.com/DaoyuanLi2816/Molecule-Generator/pull/22. Token ids (batch, seq) are
    embedded and fed to a TransformerEncoderLayer with the default batch_first=False. Diagnosis (the
    pull request): "PyTorch therefore treated the batch axis as the sequence axis — so self-attention
    mixed information across different molecules in the batch". With integer ids no gradient reaches
    the input, so the doctor sees it by changing one sample and watching the others."""
    torch.manual_seed(0)
    tokens, labels = _token_batch()
    return TokenTransformerEncoder(batch_first=False), tokens.T.contiguous(), labels, nn.CrossEntropyLoss()


@correct(not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is an MSE")
def molecule_generator_tokens_batch_first() -> Setup:
    """The pull request's fix, batch_first=True; int64 ids into nn.Embedding are no dtype error (same
    source)."""
    torch.manual_seed(0)
    tokens, labels = _token_batch()
    return TokenTransformerEncoder(batch_first=True), tokens.T.contiguous(), labels, nn.CrossEntropyLoss()


class PositionalEncoding(nn.Module):
    """The PyTorch tutorial's sinusoidal encoding (pe of shape (max_len, 1, d_model)), added as
    x + pe[:x.size(index)]: index 0 is right for (seq, batch, d_model), 1 for (batch, seq, d_model)."""

    def __init__(self, d_model: int, index: int, max_len: int = 500):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)
        self.index = index

    def forward(self, x):
        if self.index == 0:
            return x + self.pe[: x.size(0)]  # (batch, 1, d): one position per sample, the same at every step
        return x + self.pe[: x.size(1)].transpose(0, 1)  # (1, seq, d): one position per step


class EncodedTransformer(TinyTransformerRegressor):
    def __init__(self, index: int, d_model: int = 16):
        super().__init__(batch_first=True, d_model=d_model)
        self.position = PositionalEncoding(d_model, index)

    def forward(self, x):
        return self.head(self.encoder(self.position(self.embed(x)))[:, -1])


@buggy("sample_position_used")
def getnext_positional_encoding_on_the_batch_axis() -> Setup:
    """Source: https://github.com/songyangco/GETNext/issues/2 ("positional encoding is added to the batch
    dimension, which means that the same positional encoding is used for all time steps"). The
    tutorial's encoding, written for (seq, batch, d_model), on batch-first data: pe[:x.size(0)] gives
    each sample its own position and every step the same one. Diagnosis (issue, two readers agree;
    unanswered by the authors): the encoding must run along the sequence axis."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return EncodedTransformer(index=0), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


@correct(not_trained_here="a Transformer layer on 64 windows learns slower than the collection's 40 epochs")
def getnext_positional_encoding_on_the_sequence_axis() -> Setup:
    """The encoding along the sequence axis, pe[:x.size(1)] for batch-first data (same source)."""
    torch.manual_seed(0)
    xs, ys = windows(sine(), 20)
    return EncodedTransformer(index=1), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


class PackedLastStep(nn.Module):
    """Packs a padded batch of windows of different lengths, runs an LSTM, and reads either the
    padded output's last step (out[:, -1] after pad_packed_sequence) or the final state h_n[-1]."""

    def __init__(self, read: str):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)
        self.read = read

    def forward(self, x):
        lengths = (x[..., 1] > 0).sum(dim=1)  # feature 1 flags the valid steps
        packed = nn.utils.rnn.pack_padded_sequence(x[..., :1], lengths, batch_first=True, enforce_sorted=False)
        out, (h_n, _) = self.lstm(packed)
        if self.read == "padded last step":
            padded, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            return self.fc(padded[:, -1])
        return self.fc(h_n[-1])


def _padded_windows(count: int = 48, longest: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of a sine of lengths 8 to ``longest``, right-padded with zeros, (count, longest, 2): the
    value and a 1 on valid steps; the target is the value after each window's last valid step."""
    series = sine(400)
    lengths = 8 + torch.arange(count) % (longest - 7)
    x = torch.zeros(count, longest, 2)
    y = torch.zeros(count, 1)
    for i, length in enumerate(lengths.tolist()):
        x[i, :length, 0] = series[3 * i : 3 * i + length]
        x[i, :length, 1] = 1.0
        y[i, 0] = series[3 * i + length]
    return x, y


@buggy("samples_ignored")
def ecom_packed_batch_read_at_the_padded_last_step() -> Setup:
    """Source: https://e-com-net.com/article/1600234641686560768.htm (pack_padded_sequence with
    enforce_sorted=False). Sequences of different lengths are packed, and the prediction reads the
    padded output at the last step. Diagnosis (article): for each segment the feature must come from
    the LSTM unit of its own length, i.e. the returned hidden state; after pad_packed_sequence the
    shorter sequences' last steps are padding."""
    torch.manual_seed(0)
    x, y = _padded_windows()
    return PackedLastStep("padded last step"), x, y


@correct(not_trained_here="a 16-unit LSTM on 48 windows of several lengths learns slower than 40 epochs")
def ecom_packed_batch_read_from_the_final_state() -> Setup:
    """The article's way: the final hidden state h_n of the packed call, one per sequence at its own
    last step (same source). The packed input must not be read as one unbatched 2-D sequence."""
    torch.manual_seed(0)
    x, y = _padded_windows()
    return PackedLastStep("final state"), x, y


class WindowSeq2Seq(nn.Module):
    """An encoder-decoder for a window of the future: x is (batch, source + horizon, 1), the source window
    followed by the decoder's inputs; the encoder reads the source, the decoder the rest from its state."""

    def __init__(self, source: int):
        super().__init__()
        self.source = source
        self.encoder = nn.LSTM(1, 16, batch_first=True)
        self.decoder = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        _, state = self.encoder(x[:, : self.source])
        out, _ = self.decoder(x[:, self.source :], state)
        return self.fc(out)


def _seq2seq_data(shifted: bool, source: int = 16, horizon: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    chunks = sine(300).unfold(0, source + horizon, 2)
    past, future = chunks[:, :source], chunks[:, source:]
    # Teacher forcing: the decoder reads the previous true value at each step (the last observed one first).
    decoder_in = torch.cat([past[:, -1:], future[:, :-1]], dim=1) if shifted else future
    return torch.cat([past, decoder_in], dim=1).unsqueeze(-1), future.unsqueeze(-1)


@buggy("target_in_input")
def attention_is_all_you_need_decoder_fed_the_unshifted_target() -> Setup:
    """Source: https://github.com/jadore801120/attention-is-all-you-need-pytorch/issues/123 ("Where is the
    input to the decoder during training shifted by one?"). Diagnosis (the reporter's own answer): the
    decoder must receive steps 0 to t-1 and predict steps 1 to t. Here it receives the target steps
    themselves, the leak that question guards against: it can copy its input."""
    torch.manual_seed(0)
    x, y = _seq2seq_data(shifted=False)
    return WindowSeq2Seq(source=16), x, y


@correct(not_trained_here="an encoder-decoder of two LSTMs learns slower than the collection's 40 epochs")
def attention_is_all_you_need_decoder_fed_the_shifted_target() -> Setup:
    """The shift the thread describes: the decoder reads the last observed value, then the target up to
    the step before the one it predicts (same source)."""
    torch.manual_seed(0)
    x, y = _seq2seq_data(shifted=True)
    return WindowSeq2Seq(source=16), x, y


@limit(set(), "the scaler's statistics were computed before the split; the doctor receives the scaled "
       "training windows, which look exactly like windows scaled with the training part's own statistics")
def mlpack_scaler_fitted_on_all_the_data() -> Setup:
    """Source: https://github.com/mlpack/examples/issues/43 ("Only fit MinMaxScaler on training data in
    LSTM examples"). The series is min-max scaled with its whole range, test part included, and then
    split. Diagnosis (maintainer): fitting the scaler on all of the data leaks the test data into
    training; fit it on the training part only."""
    torch.manual_seed(0)
    series = _airline_like()
    scaled = (series - series.min()) / (series.max() - series.min())  # the whole series: the leak
    xs, ys = windows(scaled[:96], 12)  # the training part, after scaling
    return LastStepLSTM(), xs.unsqueeze(-1), ys.unsqueeze(1)


@limit(set(), "the view scrambles positions inside each sample, which mixes no samples and changes no shape; "
       "the doctor's checks compare samples, layouts and shapes, so a scramble within a sample passes")
def opacus_heads_viewed_without_a_transpose() -> Setup:
    """Source: https://github.com/meta-pytorch/opacus/pull/825 (DPMultiheadAttention). The output
    (batch * heads, length, head_dim) is reshaped with .view(batch, length, embed) without first moving
    the head axis next to head_dim. Diagnosis (pull request): "head positions got spliced into time
    positions"; transpose before the view. Here a hand-written two-head attention over windows."""
    torch.manual_seed(0)

    class TwoHeads(nn.Module):
        def __init__(self, d_model: int = 8, heads: int = 2):
            super().__init__()
            self.heads, self.embed = heads, nn.Linear(1, d_model)
            self.qkv, self.head = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, 1)

        def forward(self, x):
            batch, length, _ = x.shape
            q, k, v = self.qkv(self.embed(x)).chunk(3, dim=-1)
            split = [t.reshape(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v)]
            attended = torch.softmax(split[0] @ split[1].transpose(-1, -2), dim=-1) @ split[2]
            merged = attended.reshape(batch, length, -1)  # (batch, heads, length, d) viewed without transpose
            return self.head(merged[:, -1])

    xs, ys = windows(sine(), 20)
    return TwoHeads(), xs[:64].unsqueeze(-1), ys[:64].unsqueeze(1)


def _shuffled_windows(count: int, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` windows of a sine in the order a shuffling DataLoader gives them: (count, window, 1) and the
    next value of each (count, 1)."""
    xs, ys = windows(sine(400), window)
    order = torch.randperm(xs.shape[0], generator=torch.Generator().manual_seed(0))[:count]
    return xs[order].unsqueeze(-1), ys[order].unsqueeze(1)


@buggy("layout_mismatch")
def keras_layout_without_batch_first_on_a_square_batch() -> Setup:
    """Source: https://openillumi.com/?p=95827, the page's mix-up with a batch as long as the window:
    20 shuffled windows of 20 steps, (20, 20, 1), into nn.LSTM without batch_first. The shapes cannot tell
    the two layouts apart; the data can: each window changes smoothly along its steps, and the batch jumps
    from one place of the series to another."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(20, 20)
    return LastStepLSTM(batch_first=False), x, y


@correct()
def keras_layout_with_batch_first_on_a_square_batch() -> Setup:
    """The same square batch of shuffled windows with batch_first=True, as the page recommends (same source)."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(20, 20)
    return LastStepLSTM(batch_first=True), x, y


@buggy("layout_mismatch")
def cove_encoder_without_batch_first() -> Setup:
    """Source: https://github.com/salesforce/cove/issues/10 ("batch_first should be True when initializing
    the LSTM?"). The encoder's nn.LSTM keeps the default batch_first=False while its inputs and outputs are
    batch-first. Diagnosis (maintainer): set batch_first=True (fixed in the repository). Here the encoder
    predicts the next value at every step of shuffled windows, so the per-step target has the input's
    shape and only the data's smoothness shows the swap."""
    torch.manual_seed(0)
    chunks = sine(400).unfold(0, 21, 1)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=torch.Generator().manual_seed(0))[:32]]
    return HeadOnEveryStep(nn.LSTM(1, 16)), chunks[:, :-1].unsqueeze(-1), chunks[:, 1:].unsqueeze(-1)


@correct()
def cove_encoder_with_batch_first() -> Setup:
    """The maintainer's fix, batch_first=True: each window's steps run through the layer in order (same source)."""
    torch.manual_seed(0)
    chunks = sine(400).unfold(0, 21, 1)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=torch.Generator().manual_seed(0))[:32]]
    return (HeadOnEveryStep(nn.LSTM(1, 16, batch_first=True)), chunks[:, :-1].unsqueeze(-1),
            chunks[:, 1:].unsqueeze(-1))


@buggy("samples_mixed")
def hhtseng_view_where_a_transpose_was_meant() -> Setup:
    """Source: https://github.com/HHTseng/video-classification/issues/42. A reader "fixes" the layout of a
    batch-first input for a sequence-first nn.LSTM with x.view(steps, batch, features). Diagnosis (thread):
    "both yield the same shape but the first one is erroneous": view regroups the numbers, so each
    sequence is stitched from pieces of several samples; x.transpose(0, 1) is what is needed."""
    torch.manual_seed(0)

    class Viewed(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, 16)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.lstm(x.view(x.size(1), x.size(0), -1))
            return self.fc(out[-1])

    x, y = _shuffled_windows(32, 20)
    return Viewed(), x, y


@correct(not_trained_here="the tutorial's recipe needs hundreds of epochs on 140 samples, not the collection's 40")
def mlm_airline_passengers_in_hundreds() -> Setup:
    """The tutorial's recipe (https://machinelearningmastery.com/lstm-for-time-series-prediction-in-pytorch/,
    same source) with the input standardised and the target in hundreds of passengers (1 to 6). Measured
    with scripts/doctor_scaling.py --peak 7: a raw target of this size trained as well as a standardised
    one, so the doctor must not warn about it."""
    torch.manual_seed(0)
    x, _ = _airline_windows(standardise=True)
    _, y = _airline_windows(standardise=False)
    return HeadOnEveryStep(nn.LSTM(1, 50, batch_first=True)), x, y / 100


# --- real cases: positions, seq2seq layouts, packed tokens, attention reshapes, loops and splits ----------


class SinusoidalPositions(nn.Module):
    """A sinusoidal encoding computed on the fly for (batch, seq, d_model), with positions counted along
    ``axis``: 1 (the sequence, right) or 0 (the batch: every step of a sample gets its sample's number)."""

    def __init__(self, d_model: int, axis: int):
        super().__init__()
        self.d_model, self.axis = d_model, axis

    def forward(self, x):
        pos = torch.arange(x.size(self.axis), dtype=torch.float32).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, self.d_model, 2) * (-math.log(10000.0) / self.d_model))
        pe = torch.zeros(x.size(self.axis), self.d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div_term), torch.cos(pos * div_term)
        return x + (pe.unsqueeze(1) if self.axis == 0 else pe.unsqueeze(0))


class TokenClassifierWithPositions(nn.Module):
    """Token ids (batch, seq) -> nn.Embedding -> positions -> a batch-first Transformer layer -> mean -> logits."""

    def __init__(self, axis: int, vocabulary: int = 20, d_model: int = 16):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, d_model)
        self.positions = SinusoidalPositions(d_model, axis)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0,
                                                  batch_first=True)
        self.head = nn.Linear(d_model, 3)

    def forward(self, tokens):
        return self.head(self.encoder(self.positions(self.embedding(tokens))).mean(dim=1))


@buggy("sample_position_used")
def cmu_l3_positions_counted_along_the_batch() -> Setup:
    """Source: https://github.com/cmu-l3/anlp-fall2025-code/issues/1 ("positional encoding fix for
    05_transformers?"). The course code builds pos = torch.arange(x.size(0)).unsqueeze(1) for a (batch, seq,
    d_model) input. Diagnosis (issue, fixed by the maintainer: "Oops, good catch"): "after broadcasting, all
    tokens in the same sequence get the SAME positional encoding"; it should be torch.arange(x.size(1)).
    Token ids and class targets, as a course's classifier would have them."""
    torch.manual_seed(0)
    tokens, labels = _token_batch()
    return TokenClassifierWithPositions(axis=0), tokens.T.contiguous(), labels, nn.CrossEntropyLoss()


@correct(probe_steps=10, not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is "
         "an MSE")
def cmu_l3_positions_counted_along_the_sequence() -> Setup:
    """The maintainer's fix, torch.arange(x.size(1)).unsqueeze(0): one position per step, the same for every
    sample (same source). int64 ids, CrossEntropyLoss on int64 classes, and the probe runs on them."""
    torch.manual_seed(0)
    tokens, labels = _token_batch()
    return TokenClassifierWithPositions(axis=1), tokens.T.contiguous(), labels, nn.CrossEntropyLoss()


class SimpleLSTMSeq2Seq(nn.Module):
    """fairseq's "Simple LSTM" tutorial model for a series: an encoder LSTM reads the source window, a decoder
    LSTM starts from its final state and reads the decoder inputs (the previous true values). x is the
    batch-first (batch, source + horizon, 1) the training loop builds; forward slices it batch-first."""

    def __init__(self, batch_first: bool, source: int = 16):
        super().__init__()
        self.source = source
        self.encoder = nn.LSTM(1, 16, batch_first=batch_first)
        self.decoder = nn.LSTM(1, 16, batch_first=batch_first)
        self.output_projection = nn.Linear(16, 1)

    def forward(self, x):
        _outputs, final_state = self.encoder(x[:, : self.source])
        out, _ = self.decoder(x[:, self.source :], final_state)
        return self.output_projection(out)


def _teacher_forced_windows(count: int = 48, source: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffled (count, 2 * source, 1) inputs: a source window, then the decoder's inputs (the last observed
    value, then the target up to its second-to-last step); the target is the next ``source`` values."""
    chunks = sine(400).unfold(0, 2 * source, 1)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=torch.Generator().manual_seed(0))[:count]]
    past, future = chunks[:, :source], chunks[:, source:]
    decoder_in = torch.cat([past[:, -1:], future[:, :-1]], dim=1)
    return torch.cat([past, decoder_in], dim=1).unsqueeze(-1), future.unsqueeze(-1)


@buggy("layout_mismatch")
def fairseq_simple_lstm_without_batch_first() -> Setup:
    """Source: https://github.com/facebookresearch/fairseq/issues/2449 ("A mistake in the documentation:
    'Tutorial Simple LSTM'"): "the 'lstm' layer in 'SimpleEncoder' should set 'batch_first' True, right?"
    Diagnosis (maintainer): "I think you're right", fixed in the tutorial. Here both LSTMs keep the default
    on batch-first data and source and horizon have the same length, so every shape fits; only the values show
    the swap: the target continues each sample along axis 1, the axis the layers read as the batch."""
    torch.manual_seed(0)
    x, y = _teacher_forced_windows()
    return SimpleLSTMSeq2Seq(batch_first=False), x, y


@correct()
def fairseq_simple_lstm_with_batch_first() -> Setup:
    """The tutorial's fix, batch_first=True on both layers (same source)."""
    torch.manual_seed(0)
    x, y = _teacher_forced_windows()
    return SimpleLSTMSeq2Seq(batch_first=True), x, y


class PackedTokenClassifier(nn.Module):
    """bentrevett/pytorch-sentiment-analysis's packed RNN, small: ids (batch, seq) with 0 as padding, lengths
    from the padding, nn.Embedding, pack_padded_sequence(batch_first=True), an nn.LSTM, logits from the final
    hidden state, or (``read_padded_last_step``) from the unpacked output's last step."""

    def __init__(self, batch_first: bool = True, read_padded_last_step: bool = False):
        super().__init__()
        self.embedding = nn.Embedding(20, 8, padding_idx=0)
        self.rnn = nn.LSTM(8, 16, batch_first=batch_first)
        self.fc = nn.Linear(16, 3)
        self.read_padded_last_step = read_padded_last_step

    def forward(self, text):
        lengths = (text != 0).sum(dim=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(text), lengths, batch_first=True,
                                                   enforce_sorted=False)
        packed_output, (hidden, _) = self.rnn(packed)
        if self.read_padded_last_step:
            output, _ = nn.utils.rnn.pad_packed_sequence(packed_output, batch_first=True)
            return self.fc(output[:, -1])
        return self.fc(hidden[-1])


def _padded_tokens(batch: int = 32, longest: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids 1..19 right-padded with 0 to (batch, longest), lengths 4 to ``longest``; the class is the first id
    mod 3."""
    tokens, _ = _token_batch(batch, longest)
    tokens = tokens.T % 19 + 1
    lengths = 4 + torch.arange(batch) % (longest - 3)
    tokens[torch.arange(longest) >= lengths.unsqueeze(1)] = 0
    return tokens.contiguous(), tokens[:, 0] % 3


@correct(probe_steps=10, not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is "
         "an MSE")
def bentrevett_packed_sentiment_from_the_final_hidden_state() -> Setup:
    """Source: https://github.com/bentrevett/pytorch-sentiment-analysis/issues/86 ("what's the impact of not
    using packed_padded_sequence()?"). Diagnosis (maintainer, quoting the tutorial): "Without packed padded
    sequences, hidden and cell are tensors from the last element in the sequence, which will most probably be a
    pad token, however when using packed padded sequences they are both from the last non-padded element".
    The tutorial's way: int64 ids, packing, hidden of the packed call, CrossEntropyLoss; the probe runs."""
    torch.manual_seed(0)
    tokens, labels = _padded_tokens()
    return PackedTokenClassifier(), tokens, labels, nn.CrossEntropyLoss()


@buggy("samples_ignored")
def bentrevett_packed_sentiment_read_at_the_last_padded_step() -> Setup:
    """The mistake the same thread warns of, with packing kept: the output is unpacked and read at its last
    step, which for every sequence shorter than the longest is padding (zeros), the "pad token" of the
    diagnosis (same source). No gradient reaches integer ids, so the doctor exchanges the samples' inputs."""
    torch.manual_seed(0)
    tokens, labels = _padded_tokens()
    return PackedTokenClassifier(read_padded_last_step=True), tokens, labels, nn.CrossEntropyLoss()


@correct(not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is an MSE")
def fairseq_packed_encoder_without_batch_first() -> Setup:
    """fairseq's tutorial encoder as first published (same source as fairseq_simple_lstm_without_batch_first):
    the ids are packed with pack_padded_sequence(..., batch_first=True) and only the final hidden state is
    used, so the LSTM's own batch_first never applies: a packed input has no layout. Correct as it stands; the
    doctor must read the packed batch, not the layer's flag."""
    torch.manual_seed(0)
    tokens, labels = _padded_tokens()
    return PackedTokenClassifier(batch_first=False), tokens, labels, nn.CrossEntropyLoss()


class TokenLearnerAttention(nn.Module):
    """rish-16/tokenlearner-pytorch's use of nn.MultiheadAttention (sequence-first) on batch-first tokens
    (batch, tokens, channels): turned to (tokens, batch, channels) with view, or with transpose."""

    def __init__(self, transpose: bool, channels: int = 8):
        super().__init__()
        self.embed = nn.Linear(1, channels)
        self.mhsa = nn.MultiheadAttention(channels, num_heads=1)
        self.head = nn.Linear(channels, 1)
        self.transpose = transpose

    def forward(self, x):
        y = self.embed(x)
        batch, tokens, channels = y.shape
        y = y.transpose(0, 1) if self.transpose else y.view(tokens, batch, channels)
        y, _ = self.mhsa(y, y, y)  # ignore attn weights
        y = y.transpose(0, 1) if self.transpose else y.view(batch, tokens, channels)
        return self.head(y[:, -1])


@buggy("samples_mixed")
def tokenlearner_view_into_sequence_first_attention() -> Setup:
    """Source: https://github.com/rish-16/tokenlearner-pytorch/issues/1 ("y = y.view(8, 512, 3) is wrong").
    The example turns (8, 512, 3) into the (512, 8, 3) nn.MultiheadAttention wants with view, and back.
    Diagnosis (issue, accepted by the author: "Thanks for the catch!"): it should be y.transpose(0, 1); view
    regroups the numbers, so each "sequence" attention reads is stitched from several samples."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return TokenLearnerAttention(transpose=False), x, y


@correct(not_trained_here="an attention layer on 32 windows learns slower than the collection's 40 epochs")
def tokenlearner_transpose_into_sequence_first_attention() -> Setup:
    """The issue's fix, y.transpose(0, 1) before and after the attention (same source)."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return TokenLearnerAttention(transpose=True), x, y


class HandWrittenHeads(nn.Module):
    """A two-head self-attention over windows, splitting and merging the heads like FuxiCTR's
    MultiHeadSelfAttention: ``split`` is "view" (query.view(batch * heads, -1, head_dim), the bug) or
    "transpose" (view(batch, seq, heads, head_dim).transpose(1, 2), the fix); ``merge`` is "permute" (back
    with a transpose before the reshape) or "reshape" (without it, transformer-from-scratch's bug)."""

    def __init__(self, split: str, merge: str, d_model: int = 8, heads: int = 2):
        super().__init__()
        self.split, self.merge, self.heads = split, merge, heads
        self.embed = nn.Linear(1, d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x):
        batch, length, _ = x.shape
        query, key, value = self.qkv(self.embed(x)).chunk(3, dim=-1)
        if self.split == "view":
            split = [t.reshape(batch, self.heads, length, -1) for t in (query, key, value)]
        else:
            split = [t.reshape(batch, length, self.heads, -1).transpose(1, 2) for t in (query, key, value)]
        scores = split[0] @ split[1].transpose(-1, -2) / math.sqrt(split[0].shape[-1])
        attended = torch.softmax(scores, dim=-1) @ split[2]  # (batch, heads, length, head_dim)
        if self.merge == "permute":
            attended = attended.transpose(1, 2)
        return self.head(attended.reshape(batch, length, -1)[:, -1])


_SCRAMBLE_LIMIT = ("the reshape regroups positions and heads inside each sample: it mixes no samples, changes no "
                   "shape and keeps every value; the doctor compares samples, layouts and shapes, and nothing "
                   "in one sample's numbers says which order its positions should have")


@limit(set(), _SCRAMBLE_LIMIT)
def fuxictr_heads_split_by_view() -> Setup:
    """Source: https://github.com/reczoo/FuxiCTR/issues/30 ("MultiHeadAttention bug when num_heads is greater
    than 1"): query.view(batch_size * self.num_heads, -1, self.attention_dim) splits the heads without a
    transpose. Diagnosis (issue, fixed by the maintainers): view(batch, seq_len, heads, dim).transpose(1, 2)."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return HandWrittenHeads(split="view", merge="permute"), x, y


@correct(not_trained_here="an attention layer on 32 windows learns slower than the collection's 40 epochs")
def fuxictr_heads_split_with_a_transpose() -> Setup:
    """The issue's fix: view(batch, seq, heads, head_dim).transpose(1, 2) (same source)."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return HandWrittenHeads(split="transpose", merge="permute"), x, y


@limit(set(), _SCRAMBLE_LIMIT)
def transformer_from_scratch_heads_merged_without_a_permute() -> Setup:
    """Source: https://github.com/jsbaan/transformer-from-scratch/pull/6 ("Fix several bugs, one critical").
    After attention the values are (batch, heads, seq_len, qkv_dim) and are reshaped to (batch, seq_len, -1)
    without permute(0, 2, 1, 3). Diagnosis (the author): "PyTorch's row-major reshape mixes chunks from
    different sequence positions into the same token's output embedding"; the copy task hid it."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return HandWrittenHeads(split="transpose", merge="reshape"), x, y


@limit(set(), "the statistics of a scaler fitted before the split leave no trace in the training windows: the doctor "
       "receives scaled windows that look exactly like windows scaled with the training part's own statistics")
def stock_prediction_scaler_fitted_on_train_and_test() -> Setup:
    """Source: https://github.com/huseinzol05/Stock-Prediction-Models/issues/126 ("Data Leakage: Must not use
    test data when fitting MinMaxScaler()"). The notebooks apply fit_transform to the whole series, test part
    included, then split. Diagnosis (issue): the training data then carry the test data's range; fit the
    scaler on the training part and only transform the test part."""
    torch.manual_seed(0)
    series = 100 + 20 * sine(300, 0.05) + torch.linspace(0, 40, 300)  # a price with a trend
    scaled = (series - series.min()) / (series.max() - series.min())
    xs, ys = windows(scaled[:200], 20)  # the training part, cut after scaling
    return LastStepLSTM(), xs.unsqueeze(-1), ys.unsqueeze(1)


class TutorialLSTMTagger(nn.Module):
    """The PyTorch sequence-models tutorial's LSTMTagger (pytorch/tutorials, beginner_source/nlp), with the
    state kept on the model as in the 2017 version: forward starts from self.hidden and stores the new state,
    undetached; the training loop calls model.hidden = model.init_hidden() before every sentence."""

    def __init__(self, vocabulary: int = 20, embedding: int = 8, hidden: int = 16, tags: int = 3):
        super().__init__()
        self.hidden_dim = hidden
        self.word_embeddings = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden)
        self.hidden2tag = nn.Linear(hidden, tags)
        self.hidden = self.init_hidden()

    def init_hidden(self):
        return torch.zeros(1, 1, self.hidden_dim), torch.zeros(1, 1, self.hidden_dim)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, self.hidden = self.lstm(embeds.view(len(sentence), 1, -1), self.hidden)
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return torch.log_softmax(tag_space, dim=1)


@correct(not_trained_here="its own loop resets model.hidden before every sentence; the collection's plain loop "
         "does not, so the second step would run into the first step's freed graph")
def pytorch_tutorial_tagger_state_reset_by_the_loop() -> Setup:
    """Source: https://github.com/pytorch/tutorials/issues/55 ("unused hidden variables of LSTM on
    deep_learning_nlp_tutorial.py examples"). Diagnosis (thread and the fix in pytorch/tutorials#95): the
    tutorial's loop sets model.hidden = model.init_hidden() before each sentence ("we need to clear out the
    hidden state of the LSTM, detaching it from its history on the last instance"), and forward must pass
    self.hidden to the LSTM. One sentence of int64 ids, one int64 tag per word, NLLLoss on log_softmax. The
    doctor cannot see the loop: information only, "cannot tell"."""
    torch.manual_seed(0)
    tokens, _ = _token_batch(batch=1, steps=12)
    sentence = tokens[:, 0]
    return TutorialLSTMTagger(), sentence, sentence % 3, nn.NLLLoss()


class PooledAttention(nn.Module):
    """A self-attention over embedded windows and a head on the last position: nn.MultiheadAttention with or
    without batch_first on batch-first data."""

    def __init__(self, batch_first: bool, d_model: int = 16):
        super().__init__()
        self.embed = nn.Linear(1, d_model)
        self.attention = nn.MultiheadAttention(d_model, num_heads=2, batch_first=batch_first)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x):
        h = self.embed(x)
        attended, _ = self.attention(h, h, h)
        return self.head(attended[:, -1])


@buggy("samples_mixed")
def pytorch_122959_attention_without_batch_first() -> Setup:
    """Source: https://github.com/pytorch/pytorch/issues/122959 ("RuntimeError with PyTorch's
    MultiheadAttention: How to resolve shape mismatch?"). Diagnosis (a reader's resolution in the thread):
    "The issue was just that I forgot to set batch_first=True". With self-attention the shapes fit and nothing
    raises: attention runs across the batch. The message must name the attention layer, not a recurrent one."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return PooledAttention(batch_first=False), x, y


@correct(not_trained_here="an attention layer on 32 windows learns slower than the collection's 40 epochs")
def pytorch_122959_attention_with_batch_first() -> Setup:
    """The thread's fix, batch_first=True: attention runs along each window's steps, one sample at a time (same
    source)."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return PooledAttention(batch_first=True), x, y


# --- real cases: where the mixing happens, packed outputs, one-step decoders, ramps that are the signal ---------


class BridgedEncoderDecoder(nn.Module):
    """OpenNMT-py's RNNEncoder bridge for a series: a 2-layer encoder LSTM, a linear "bridge" on its final state,
    a decoder LSTM started from the bridged state that reads the last observed value once. ``bridge`` is "view"
    (states.view(-1, total_hidden_dim) on (layers, batch, hidden): rows mix samples) or "transpose"."""

    def __init__(self, bridge: str, hidden: int = 16, layers: int = 2):
        super().__init__()
        self.bridge_kind, self.total = bridge, hidden * layers
        self.encoder = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.bridge = nn.ModuleList([nn.Linear(self.total, self.total), nn.Linear(self.total, self.total)])
        self.decoder = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def bottle(self, linear, states):
        size = states.size()
        if self.bridge_kind == "view":
            return torch.relu(linear(states.view(-1, self.total))).view(size)
        flat = states.transpose(0, 1).reshape(size[1], -1)  # one row per sample
        return torch.relu(linear(flat)).view(size[1], size[0], size[2]).transpose(0, 1).contiguous()

    def forward(self, x):
        _, (h, c) = self.encoder(x)
        h, c = self.bottle(self.bridge[0], h), self.bottle(self.bridge[1], c)
        out, _ = self.decoder(x[:, -1:], (h, c))
        return self.fc(out[:, -1])


@buggy("samples_mixed")
def opennmt_bridge_views_the_final_state() -> Setup:
    """Source: https://github.com/OpenNMT/OpenNMT-py/issues/1521 ("Possible dimension transformation bug in
    RNNEncoder Bridge?"). The bridge does linear(states.view(-1, total_hidden_dim)).view(size) on a final state
    that is (num_layers, batch, hidden). Diagnosis (issue): rows of the view hold several samples, so samples are
    mixed. Both layers read their batch-first input correctly: the fix must name the state's reshape, never
    batch_first=True, and the one-step decoder started from the encoder's state is no warning."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(64, 20)
    return BridgedEncoderDecoder("view"), x, y


@correct(not_trained_here="an encoder, a bridge and a one-step decoder learn slower than the collection's 40 "
         "epochs")
def opennmt_bridge_transposes_the_final_state() -> Setup:
    """The fix: states.transpose(0, 1).reshape(batch, -1), one row per sample, and the layout restored (same
    source). A one-step decoder started from a state computed from the input is at most a note."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(64, 20)
    return BridgedEncoderDecoder("transpose"), x, y


class SentenceVAE(nn.Module):
    """timbmg/Sentence-VAE's model, small: token ids into nn.Embedding, a bidirectional GRU encoder, its final
    state (2, batch, hidden) flattened to a mean z (no sampling, so one pass is deterministic), unflattened into
    the decoder GRU's initial state; per-step log-probabilities. ``flatten`` is "view" (as posted) or
    "transpose"."""

    def __init__(self, flatten: str, vocabulary: int = 20, embedding: int = 8, hidden: int = 8, latent: int = 4,
                 bidirectional_decoder: bool = True):
        super().__init__()
        self.flatten, self.hidden = flatten, hidden
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.encoder_rnn = nn.GRU(embedding, hidden, bidirectional=True, batch_first=True)
        # Two rows of initial state either way: two directions of one layer, or one direction of two layers.
        self.decoder_rnn = (nn.GRU(embedding, hidden, bidirectional=True, batch_first=True) if bidirectional_decoder
                            else nn.GRU(embedding, hidden, num_layers=2, batch_first=True))
        self.hidden2mean = nn.Linear(2 * hidden, latent)
        self.latent2hidden = nn.Linear(latent, 2 * hidden)
        self.outputs2vocab = nn.Linear((2 if bidirectional_decoder else 1) * hidden, vocabulary)

    def forward(self, tokens):
        batch = tokens.size(0)
        embedded = self.embedding(tokens)
        _, hidden = self.encoder_rnn(embedded)
        if self.flatten == "view":
            hidden = self.latent2hidden(self.hidden2mean(hidden.view(batch, 2 * self.hidden)))
            hidden = hidden.view(2, batch, self.hidden)
        else:
            hidden = self.latent2hidden(self.hidden2mean(hidden.transpose(0, 1).reshape(batch, -1)))
            hidden = hidden.view(batch, 2, self.hidden).transpose(0, 1).contiguous()
        outputs, _ = self.decoder_rnn(embedded, hidden)
        return torch.log_softmax(self.outputs2vocab(outputs), dim=-1)


def _next_token_loss(log_probabilities, target):
    return nn.functional.nll_loss(log_probabilities.reshape(-1, log_probabilities.shape[-1]), target.reshape(-1))


def _next_tokens() -> tuple[torch.Tensor, torch.Tensor]:
    tokens, _ = _token_batch(batch=8, steps=13)
    tokens = tokens.T.contiguous()
    return tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()


@buggy("samples_mixed")
def sentence_vae_hidden_viewed_across_the_batch() -> Setup:
    """Source: https://github.com/timbmg/Sentence-VAE/issues/15 ("I think batch should be the second
    dimension"). With bidirectional=True the encoder's final state (2, batch, hidden) is flattened with
    hidden.view(batch_size, hidden_size * hidden_factor) and unflattened with a view too. Diagnosis (issue,
    commenters show it on a toy tensor): rows mix neighbouring samples; concatenate over the first axis or
    transpose first. No gradient reaches token ids, so the doctor follows the embedding's output, and it must
    not call this a position along the batch."""
    torch.manual_seed(0)
    x, y = _next_tokens()
    return SentenceVAE("view"), x, y, _next_token_loss


@correct(not_trained_here="next-token log-probabilities with NLLLoss: the collection's training bar is an MSE")
def sentence_vae_hidden_transposed() -> Setup:
    """The fix, a transpose before flattening and after unflattening the state (same source). The decoder is
    unidirectional here (two layers, to take the state's two rows): the repository's decoder follows its
    --bidirectional option, and a bidirectional decoder of next tokens reads the token it must predict
    (future_leak, which the buggy twin, bidirectional as posted, gets besides samples_mixed). The encoder's final
    state does carry the tokens to predict, through the latent: a summary by design (the VAE's bottleneck), which
    future_leak does not report; it reports a leak through a layer's per-step output only."""
    torch.manual_seed(0)
    x, y = _next_tokens()
    return SentenceVAE("transpose", bidirectional_decoder=False), x, y, _next_token_loss


class TabFormerEmbeddings(nn.Module):
    """IBM/TabFormer's TabFormerEmbeddings, small: int64 field ids (batch, rows, columns) embedded, flattened to
    (batch, rows * columns, d) and fed to an nn.TransformerEncoder without batch_first, or permuted to
    (seq, batch, d) and back; a linear layer per row and a class from the mean over rows."""

    def __init__(self, permute: bool, vocabulary: int = 40, d_model: int = 8, columns: int = 4):
        super().__init__()
        self.permute = permute
        self.word_embeddings = nn.Embedding(vocabulary, d_model, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=2, dim_feedforward=d_model, dropout=0.0)
        self.transformer_encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.lin_proj = nn.Linear(d_model * columns, 16)
        self.head = nn.Linear(16, 2)

    def forward(self, input_ids):
        embedded = self.word_embeddings(input_ids)
        shape = list(embedded.size())
        embedded = embedded.view([shape[0], -1, shape[-1]])
        if self.permute:
            embedded = self.transformer_encoder(embedded.permute(1, 0, 2)).permute(1, 0, 2).contiguous()
        else:
            embedded = self.transformer_encoder(embedded)
        return self.head(self.lin_proj(embedded.view(shape[:-2] + [-1])).mean(1))


def _field_ids() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 40, (8, 10, 4), generator=generator)
    return ids, ids[:, 0, 0] % 2


@buggy("samples_mixed")
def tabformer_encoder_without_batch_first() -> Setup:
    """Source: https://github.com/IBM/TabFormer/pull/14 ("bug fix: set the correct ordering of dimensions in the
    input tensor"). (batch, rows * columns, d) goes into an nn.TransformerEncoder built without batch_first.
    Diagnosis (merged pull request): attention runs across the batch; permute to (seq, batch, d) and back."""
    torch.manual_seed(0)
    x, y = _field_ids()
    return TabFormerEmbeddings(permute=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is an MSE")
def tabformer_encoder_permuted() -> Setup:
    """The merged fix, permute(1, 0, 2) before the encoder and after it (same source)."""
    torch.manual_seed(0)
    x, y = _field_ids()
    return TabFormerEmbeddings(permute=True), x, y, nn.CrossEntropyLoss()


class DQNLSTM(nn.Module):
    """AndersonJo/dqn-pytorch's recurrent head: features (batch, seq, 16) into an nn.LSTM, Q-values from
    out[:, -1, :]."""

    def __init__(self, batch_first: bool):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, 1, batch_first=batch_first)
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def _feature_sequences() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    t = 0.15 * torch.arange(64.0)
    phase = torch.rand(32, 1, 16, generator=generator) * 6
    frequency = 0.5 + torch.rand(32, 1, 16, generator=generator)
    x = torch.sin(frequency * t.view(1, 64, 1) + phase)
    return x, x[:, -8:, :4].mean(1)


@buggy("layout_mismatch")
def dqn_lstm_without_batch_first() -> Setup:
    """Source: https://github.com/AndersonJo/dqn-pytorch/issues/1 ("Missing batch_first attribute for LSTM
    model"). Features (32, 64, 16) reach an LSTM built without batch_first. Diagnosis (issue): it runs along the
    batch; nn.LSTM(16, LSTM_MEMORY, 1, batch_first=True) ("Astonishing part is model is still learning"). The
    wrong_axis finding on out[:, -1] must give its fix for the corrected layout, not contradict this one."""
    torch.manual_seed(0)
    x, y = _feature_sequences()
    return DQNLSTM(batch_first=False), x, y


@correct()
def dqn_lstm_with_batch_first() -> Setup:
    """The issue's fix, batch_first=True: the LSTM runs along each sequence's 64 steps (same source)."""
    torch.manual_seed(0)
    x, y = _feature_sequences()
    return DQNLSTM(batch_first=True), x, y


class Seq2SeqFC(nn.Module):
    """The book's LSTM-FC model: an LSTM encoder, a linear layer from its last step to the whole horizon, and the
    horizon put on axis 1 (unsqueeze(1), as posted) or on the last axis (unsqueeze(-1))."""

    def __init__(self, axis: int, hidden: int = 32, horizon: int = 48):
        super().__init__()
        self.axis = axis
        self.encoder = nn.LSTM(1, hidden, batch_first=True)
        self.decoder = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.encoder(x)
        return self.decoder(out[:, -1, :]).unsqueeze(self.axis)


def _horizon_windows() -> tuple[torch.Tensor, torch.Tensor]:
    chunks = sine(600).unfold(0, 96 + 48, 3)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=torch.Generator().manual_seed(0))[:32]]
    return chunks[:, :96].unsqueeze(-1), chunks[:, 96:].unsqueeze(-1)


@buggy("broadcast_in_loss")
def packt_seq2seq_fc_unsqueezed_on_the_wrong_axis() -> Setup:
    """Source: https://github.com/PacktPublishing/Modern-Time-Series-Forecasting-with-Python/issues/24
    ("Chapter 13) output tensor dimension error"). The model returns (32, 1, 48) against targets (32, 48, 1).
    Diagnosis (accepted by the author): unsqueeze(-1); with nn.MSELoss the shapes broadcast to (32, 48, 48)."""
    torch.manual_seed(0)
    x, y = _horizon_windows()
    return Seq2SeqFC(axis=1), x, y


@correct(not_trained_here="a 48-step horizon from one linear layer learns slower than the collection's 40 epochs")
def packt_seq2seq_fc_unsqueezed_on_the_last_axis() -> Setup:
    """The fix, unsqueeze(-1): one prediction per target, (32, 48, 1) like the targets (same source)."""
    torch.manual_seed(0)
    x, y = _horizon_windows()
    return Seq2SeqFC(axis=-1), x, y


class UnpackedLastValidStep(nn.Module):
    """Packs a zero-padded batch-first batch, runs an LSTM(batch_first=True), unpacks with pad_packed_sequence
    with or without batch_first, and reads each sequence's last valid step as out[arange(batch), lengths - 1]."""

    def __init__(self, unpack_batch_first: bool):
        super().__init__()
        self.unpack_batch_first = unpack_batch_first
        self.lstm = nn.LSTM(6, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        lengths = (x.abs().sum(-1) != 0).sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=self.unpack_batch_first)
        return self.fc(out[torch.arange(x.size(0)), lengths - 1])


def _descending_lengths(count: int, longest: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sines of 6 channels, (count, longest, 6), zero-padded after lengths longest, longest - 1, ...; the target
    is the mean of the first 3 channels at each sequence's last valid step."""
    generator = torch.Generator().manual_seed(0)
    lengths = [longest - i // 2 for i in range(count)]
    x = torch.sin(0.2 * torch.arange(float(longest)).view(1, longest, 1)
                  + 6 * torch.rand(count, 1, 6, generator=generator))
    for i, length in enumerate(lengths):
        x[i, length:] = 0
    return x, torch.stack([x[i, n - 1, :3].mean() for i, n in enumerate(lengths)]).unsqueeze(1)


@buggy("forward_error")
def pytorch_1176_unpacked_without_batch_first() -> Setup:
    """Source: https://github.com/pytorch/pytorch/issues/1176 ("RNN sequence padding with batch_first"). The
    batch is packed batch_first=True, but pad_packed_sequence is called without batch_first, so the output comes
    back (seq, batch, hidden). Diagnosis (answer): pad_packed_sequence(packed_h, batch_first=True). Here 10
    sequences of 20 steps: the index raises, and the fix must name the unpacking."""
    torch.manual_seed(0)
    x, y = _descending_lengths(10, 20)
    return UnpackedLastValidStep(unpack_batch_first=False), x, y


@buggy("samples_mixed")
def pytorch_1176_unpacked_without_batch_first_on_a_square_batch() -> Setup:
    """The same mistake with a batch as long as the padded window (12 sequences of 12 steps): nothing raises,
    and each prediction reads another sample at another step (same source). The layer itself is right, so the
    fix must be the unpacking's batch_first, not the layer's."""
    torch.manual_seed(0)
    x, y = _descending_lengths(12, 12)
    return UnpackedLastValidStep(unpack_batch_first=False), x, y


@correct(not_trained_here="20 sequences of 6 channels and several lengths learn slower than 40 epochs")
def pytorch_1176_unpacked_with_batch_first() -> Setup:
    """The answer's fix, pad_packed_sequence(out, batch_first=True): the padded output is batch-first
    again (same source)."""
    torch.manual_seed(0)
    x, y = _descending_lengths(10, 20)
    return UnpackedLastValidStep(unpack_batch_first=True), x, y


@correct(not_trained_here="12 sequences of 6 channels and several lengths learn slower than 40 epochs")
def pytorch_1176_unpacked_with_batch_first_on_a_square_batch() -> Setup:
    """The fix on the square batch: each prediction reads its own sequence's last valid step (same source)."""
    torch.manual_seed(0)
    x, y = _descending_lengths(12, 12)
    return UnpackedLastValidStep(unpack_batch_first=True), x, y


class BiLSTMAttention(nn.Module):
    """zy1996code/nlp_basic_model's BiLSTM_Attention, small: ids embedded and permuted to (seq, batch, E) for a
    sequence-first bidirectional LSTM; the attention query is the final state, (2, batch, H), made per sample with
    final_state.view(-1, 2H, 1) (as posted) or torch.cat([h[0], h[1]], 1)."""

    def __init__(self, query: str, vocabulary: int = 20, embedding: int = 8, hidden: int = 8):
        super().__init__()
        self.query, self.hidden = query, hidden
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 2)

    def forward(self, tokens):
        output, (final_state, _) = self.lstm(self.embedding(tokens).permute(1, 0, 2))
        output = output.permute(1, 0, 2)
        if self.query == "view":
            query = final_state.view(-1, 2 * self.hidden, 1)
        else:
            query = torch.cat([final_state[0], final_state[1]], 1).unsqueeze(2)
        weights = torch.softmax(torch.bmm(output, query).squeeze(2), 1)
        return self.out(torch.bmm(output.transpose(1, 2), weights.unsqueeze(2)).squeeze(2))


def _sentences() -> tuple[torch.Tensor, torch.Tensor]:
    tokens, labels = _token_batch(batch=8, steps=10)
    return tokens.T.contiguous(), labels % 2


@buggy("samples_mixed")
def nlp_basic_model_attention_query_viewed() -> Setup:
    """Source: https://github.com/zy1996code/nlp_basic_model/issues/1 ("Why do you use .view(-1,n_hidden,1)").
    hidden = final_state.view(-1, n_hidden * 2, 1) on a final state that is (2, batch, n_hidden). Diagnosis
    (issue: "It should use '.permute'"): each sample's query is built from two samples' states. The LSTM reads
    its permuted input correctly, so the fix must not be batch_first=True."""
    torch.manual_seed(0)
    x, y = _sentences()
    return BiLSTMAttention("view"), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class targets with CrossEntropyLoss: the collection's training bar is an MSE")
def nlp_basic_model_attention_query_concatenated() -> Setup:
    """The fix, torch.cat([final_state[0], final_state[1]], 1) per sample (same source)."""
    torch.manual_seed(0)
    x, y = _sentences()
    return BiLSTMAttention("cat"), x, y, nn.CrossEntropyLoss()


class RayTimeSeriesTransformer(nn.Module):
    """The Ray tutorial's univariate Transformer: nn.Transformer(batch_first=True), a sinusoidal encoding of shape
    (1, max_len, d) added as pe[:, :x.size(1)]; the encoder reads the past, the decoder the last observed value
    repeated over the horizon, under a causal mask."""

    def __init__(self, horizon: int = 6, d_model: int = 16):
        super().__init__()
        self.horizon = horizon
        self.in_proj = nn.Linear(1, d_model)
        position = torch.arange(64, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * -(math.log(10000.0) / d_model))
        pe = torch.zeros(64, d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(position * div), torch.cos(position * div)
        self.register_buffer("pe", pe.unsqueeze(0))
        self.tr_model = nn.Transformer(d_model=d_model, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                       dim_feedforward=32, dropout=0.0, batch_first=True)
        self.out_proj = nn.Linear(d_model, 1)

    def forward(self, past):
        decoder_in = past[:, -1:, :].repeat(1, self.horizon, 1)
        source = self.in_proj(past) + self.pe[:, : past.size(1)]
        target = self.in_proj(decoder_in) + self.pe[:, : decoder_in.size(1)]
        mask = self.tr_model.generate_square_subsequent_mask(self.horizon)
        return self.out_proj(self.tr_model(source, target, tgt_mask=mask)).squeeze(-1)


@correct(not_trained_here="a Transformer on 48 windows learns slower than the collection's 40 epochs")
def ray_transformer_batch_first() -> Setup:
    """Source: https://github.com/ray-project/enablement-content (time-series tutorial, "PositionalEncoding and
    Transformer model (univariate)"). nn.Transformer(batch_first=True) and positions pe[:, :x.size(1)] on
    batch-first windows: correct code (the forward body is re-typed from the tutorial's description)."""
    torch.manual_seed(0)
    chunks = sine(400).unfold(0, 30, 2)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=torch.Generator().manual_seed(0))[:48]]
    return RayTimeSeriesTransformer(), chunks[:, :24].unsqueeze(-1), chunks[:, 24:]


class FlatLSTM(nn.Module):
    """The question's LSTMModel: a 2-layer batch-first LSTM, a linear layer on out[:, -1], the output flattened."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(1, 32, 2, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1].view(x.shape[0], -1)).view(-1)


@correct(not_trained_here="a 2-layer LSTM on a noisy series learns slower than the collection's 40 epochs")
def dsse54551_lstm_on_values_in_zero_one() -> Setup:
    """Source: https://datascience.stackexchange.com/questions/54551 ("Time Series Forecasting with RNNs").
    LSTM(batch_first=True), fc on out[:, -1], return out.view(-1), data normalised to [0, 1]. Diagnosis (thread):
    the code is correct (the poster's toy check reached MSE 0); the flat predictions come from the data."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    series = 0.5 + 0.4 * sine(600, 0.05) + 0.05 * torch.randn(600, generator=generator)
    chunks = series.unfold(0, 33, 1)
    chunks = chunks[torch.randperm(chunks.shape[0], generator=generator)[:64]]
    return FlatLSTM(), chunks[:, :32].unsqueeze(-1), chunks[:, 32]


@correct(not_trained_here="the thread is about how slowly this trains: 100 units on one ramp of 21 steps")
def statsse376851_ramp_continued_two_steps_on() -> Setup:
    """Source: https://stats.stackexchange.com/questions/376851 ("Why is LSTM so ineffective at this ridiculously
    simple sequence?"). One sequence (1, 21, 1) = arange(21) / 20 into LSTM(1, 100, batch_first=True) and a
    linear layer on every step; the targets are the same ramp two steps on (the comment's correction applied).
    Diagnosis (thread): a training-speed question, no bug. The input is a ramp, but it is the signal's own past
    values, which the target continues: no time_as_input."""
    torch.manual_seed(0)
    return (HeadOnEveryStep(nn.LSTM(1, 100, batch_first=True)),
            (torch.arange(21, dtype=torch.float32) / 20).view(1, 21, 1),
            (torch.arange(2, 23, dtype=torch.float32) / 20).view(1, 21, 1))


# --- limits: what forward passes in eval mode, on x alone, cannot see -----------------------------------


class TrainingOnlyBug(nn.Module):
    """An LSTM whose forward takes another path in training mode, as models with a training-only branch do
    (noise injection, teacher forcing, a different readout): in training it reads out[-1], the batch axis of a
    batch-first output, and in eval mode out[:, -1]."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1] if self.training else out[:, -1])


@limit(set(), "the doctor runs the model in eval mode, so a mistake only on the path forward() takes when "
       "self.training is True is never traced")
def mistake_only_in_training_mode() -> Setup:
    """Written for the collection: forward() reads out[-1] (the last sample, not the last step) only when
    self.training is True; in eval mode, which the doctor traces, it reads out[:, -1] and is right."""
    torch.manual_seed(0)
    x, y = _shuffled_windows(32, 20)
    return TrainingOnlyBug(), x, y


class TargetBesideTheInput(nn.Module):
    """An encoder-decoder called as forward(src, trg): with trg it feeds the decoder trg itself (unshifted: the
    decoder can copy what it must predict); without trg it repeats the last observed value."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(1, 16, batch_first=True)
        self.decoder = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, src, trg=None):
        _, state = self.encoder(src)
        decoder_in = trg if trg is not None else src[:, -1:].repeat(1, 4, 1)
        out, _ = self.decoder(decoder_in, state)
        return self.fc(out)


@limit(set(), "the doctor calls model(x) only, so the target passed beside x in forward(src, trg), and the "
       "decoder input built from it, is never seen")
def target_passed_beside_x() -> Setup:
    """Written for the collection: forward(src, trg) feeds the decoder the unshifted target when trg is given,
    the leak target_in_input finds when the decoder's input is part of x. The doctor gets (model, src, trg) and
    calls model(src), so the leak is not traced."""
    torch.manual_seed(0)
    chunks = sine(300).unfold(0, 20, 2)
    return TargetBesideTheInput(), chunks[:, :16].unsqueeze(-1), chunks[:, 16:].unsqueeze(-1)


# --- real cases, second set: which steps and directions the prediction reads, and leaks from the future ---------
# Re-typed from public threads for a second test of the doctor on setups outside the collection; they were added
# after that test, so they no longer test it blind.


def _shuffled_sine_rows(count: int = 64, window: int = 20, extra: int = 1, seed: int = 0) -> torch.Tensor:
    """(count, window + extra) windows of one sine, in shuffled order."""
    generator = torch.Generator().manual_seed(seed)
    rows = sine(count + window + extra + 10).unfold(0, window + extra, 1)[:count]
    return rows[torch.randperm(len(rows), generator=generator)].clone()


def _sine_streams(count: int, steps: int, features: int = 1, seed: int = 0) -> torch.Tensor:
    """``count`` independent sines (count, steps, features) of different phases and periods."""
    generator = torch.Generator().manual_seed(seed)
    phase = torch.rand(count, 1, features, generator=generator) * 6.28
    frequency = 0.1 + 0.2 * torch.rand(count, 1, features, generator=generator)
    return torch.sin(frequency * torch.arange(steps, dtype=torch.float32).view(1, steps, 1) + phase)


def _ids(batch: int = 16, steps: int = 12, vocabulary: int = 20, seed: int = 0) -> torch.Tensor:
    return torch.randint(1, vocabulary, (batch, steps), generator=torch.Generator().manual_seed(seed))


def _flat_cross_entropy(logits, target):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1))


class YunjeyBiRNN(nn.Module):
    """yunjey/pytorch-tutorial's BiRNN: a 2-layer bidirectional LSTM and a classifier on out[:, -1, :]; fixed:
    the forward half at the last step joined with the backward half at the first."""

    def __init__(self, fixed: bool, features: int = 28, hidden: int = 32, classes: int = 10):
        super().__init__()
        self.hidden, self.fixed = hidden, fixed
        self.lstm = nn.LSTM(features, hidden, 2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        features = (torch.cat([out[:, -1, :self.hidden], out[:, 0, self.hidden:]], dim=1) if self.fixed
                    else out[:, -1, :])
        return self.fc(features)


def _rows_and_classes() -> tuple[torch.Tensor, torch.Tensor]:
    x = _sine_streams(48, 28, 28)
    return x, (x[:, 0, :].sum(1) * 3).long().clamp(-5, 4) + 5  # the class depends on the FIRST row


@buggy("direction_one_step")
def yunjey_birnn_reads_the_backward_half_at_the_last_step() -> Setup:
    """Source: https://github.com/yunjey/pytorch-tutorial/issues/149 ("output of bidirectional LSTM"). The
    tutorial's BiRNN classifies from out[:, -1, :] of a bidirectional LSTM. Diagnosis (issue, PR #174): the
    backward half of that vector has seen only the last row; use the forward output at the last step and the
    backward output at the first (or h_n)."""
    torch.manual_seed(0)
    x, y = _rows_and_classes()
    return YunjeyBiRNN(fixed=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="a classifier with CrossEntropyLoss: the collection's training bar is an MSE")
def yunjey_birnn_reads_the_backward_half_at_the_first_step() -> Setup:
    """The fix of PR #174: the forward output at the last step joined with the backward output at the first
    (same source)."""
    torch.manual_seed(0)
    x, y = _rows_and_classes()
    return YunjeyBiRNN(fixed=True), x, y, nn.CrossEntropyLoss()


class PvsePackedBiGRU(nn.Module):
    """yalesong/pvse's sequence encoder, small: a packed bidirectional GRU whose feature is the padded output at
    each sequence's last valid step (fixed: the two directions' h_n)."""

    def __init__(self, use_h_n: bool, features: int = 4, hidden: int = 16):
        super().__init__()
        self.use_h_n = use_h_n
        self.rnn = nn.GRU(features, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 1)

    def forward(self, x):
        lengths = (x.abs().sum(-1) != 0).sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        if self.use_h_n:
            return self.fc(torch.cat([h_n[0], h_n[1]], dim=1))
        padded, found = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        index = (found - 1).view(-1, 1, 1).expand(-1, 1, padded.size(2))
        return self.fc(padded.gather(1, index).squeeze(1))


def _padded_streams() -> tuple[torch.Tensor, torch.Tensor]:
    series = _sine_streams(40, 16, 4)
    lengths = torch.randint(6, 16, (40,), generator=torch.Generator().manual_seed(1))
    x = series[:, :15].clone()
    y = torch.stack([series[i, length, :1] for i, length in enumerate(lengths)])  # channel 0 after each sequence
    for i, length in enumerate(lengths):
        x[i, length:] = 0
    return x, y


@buggy("direction_one_step")
def pvse_packed_bigru_read_at_the_last_valid_step() -> Setup:
    """Source: https://github.com/yalesong/pvse/issues/13 ("Bidirectional GRU Bugs"). A packed bidirectional GRU
    whose feature is the padded output gathered at each sequence's last valid step. Diagnosis (issue): for the
    backward half that vector has seen only the last token; it differs from h_n[1]; use h_n."""
    torch.manual_seed(0)
    x, y = _padded_streams()
    return PvsePackedBiGRU(use_h_n=False), x, y


@correct(not_trained_here="the target is the next value of four-channel streams of random periods after "
         "sequences of random lengths: 40 epochs do not reach the bar")
def pvse_packed_bigru_reads_h_n() -> Setup:
    """The fix: the final states of both directions, torch.cat([h_n[0], h_n[1]], 1) (same source)."""
    torch.manual_seed(0)
    x, y = _padded_streams()
    return PvsePackedBiGRU(use_h_n=True), x, y


class QanetSelfAttention(nn.Module):
    """hackiey/QAnet-pytorch's self-attention, small: heads stacked as (heads, batch, length, d) and merged with
    view(batch, length, -1) (fixed: permute(1, 2, 0, 3) first)."""

    def __init__(self, fixed: bool, d: int = 16, heads: int = 2):
        super().__init__()
        self.heads, self.dk, self.fixed = heads, d // heads, fixed
        self.inp = nn.Linear(1, d)
        self.q = nn.ModuleList(nn.Linear(d, self.dk) for _ in range(heads))
        self.k = nn.ModuleList(nn.Linear(d, self.dk) for _ in range(heads))
        self.v = nn.ModuleList(nn.Linear(d, self.dk) for _ in range(heads))
        self.out = nn.Linear(d, 1)

    def forward(self, x):
        batch, length, _ = x.shape
        h = self.inp(x)
        stacked = torch.stack([torch.softmax(self.q[i](h) @ self.k[i](h).transpose(1, 2) / self.dk ** 0.5, -1)
                               @ self.v[i](h) for i in range(self.heads)])
        merged = (stacked.permute(1, 2, 0, 3).contiguous().view(batch, length, -1) if self.fixed
                  else stacked.view(batch, length, -1))
        return self.out(merged[:, -1])


def _window_and_next() -> tuple[torch.Tensor, torch.Tensor]:
    rows = _shuffled_sine_rows(64, 20)
    return rows[:, :20].unsqueeze(-1), rows[:, 20:]


@buggy("samples_mixed")
def qanet_heads_merged_with_a_view() -> Setup:
    """Source: https://github.com/hackiey/QAnet-pytorch/issues/2 ("A possible bug in self_attention.py"). Heads
    stacked as (n_heads, batch, l, d) are merged with view(batch, l, -1). Diagnosis (issue, accepted by the
    author): this mixes samples; permute(1, 2, 0, 3).contiguous() before the view."""
    torch.manual_seed(0)
    x, y = _window_and_next()
    return QanetSelfAttention(fixed=False), x, y


@correct(not_trained_here="hand-written attention read at the last position, no positions: 40 epochs reach 18% of "
         "var(y), not 5%")
def qanet_heads_permuted_before_the_view() -> Setup:
    """The fix: permute(1, 2, 0, 3).contiguous().view(batch, l, -1) (same source)."""
    torch.manual_seed(0)
    x, y = _window_and_next()
    return QanetSelfAttention(fixed=True), x, y


class GrudLoop(nn.Module):
    """zhiyongc/GRU-D's step loop, small: a GRUCell whose outputs are collected with torch.cat((h, outputs), 1),
    which reverses time, then read at outputs[:, -1] (fixed: appended on the right)."""

    def __init__(self, fixed: bool, hidden: int = 16):
        super().__init__()
        self.hidden, self.fixed = hidden, fixed
        self.cell = nn.GRUCell(1, hidden)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        h = torch.zeros(x.size(0), self.hidden)
        outputs = None
        for step in range(x.size(1)):
            h = self.cell(x[:, step], h)
            if outputs is None:
                outputs = h.unsqueeze(1)
            else:
                pair = (outputs, h.unsqueeze(1)) if self.fixed else (h.unsqueeze(1), outputs)
                outputs = torch.cat(pair, 1)
        return self.fc(outputs[:, -1])


@buggy("first_step_only")
def grud_outputs_prepended() -> Setup:
    """Source: https://github.com/zhiyongc/GRU-D/issues/5 ("Hidden states sequence order"). The loop adds each
    step's hidden state on the LEFT of the outputs, reversing time. Diagnosis (issue, fixed by the author): the
    order is wrong, so outputs[:, -1] is the state after the first step."""
    torch.manual_seed(0)
    x, y = _window_and_next()
    return GrudLoop(fixed=False), x, y


@correct()
def grud_outputs_appended() -> Setup:
    """The fix: each step appended on the right (same source)."""
    torch.manual_seed(0)
    x, y = _window_and_next()
    return GrudLoop(fixed=True), x, y


class NrgeupGRUDecoder(nn.Module):
    """Nrgeup/controllable-text-attribute-transfer's GRU, small: token ids (batch, seq) embedded and fed to
    nn.GRU, a vocabulary head at every step."""

    def __init__(self, batch_first: bool, vocabulary: int = 20, hidden: int = 16):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=batch_first)
        self.out = nn.Linear(hidden, vocabulary)

    def forward(self, ids):
        h, _ = self.gru(self.embedding(ids))
        return self.out(h)


def _next_ids() -> tuple[torch.Tensor, torch.Tensor]:
    ids = _ids(16, 13)
    return ids[:, :-1], ids[:, 1:]


@buggy("samples_mixed")
def nrgeup_gru_fed_batch_first_ids_without_the_flag() -> Setup:
    """Source: https://github.com/Nrgeup/controllable-text-attribute-transfer/issues/17 ("Usage of
    torch.nn.GRU"). The code feeds [batch, seq, hidden] into nn.GRU, whose default layout is [seq, batch,
    hidden]. Diagnosis (issue, the author agreed): set batch_first=True. The target, the ids shifted by one
    step, says which axis is time."""
    torch.manual_seed(0)
    x, y = _next_ids()
    return NrgeupGRUDecoder(batch_first=False), x, y, _flat_cross_entropy


@correct(not_trained_here="random next-token ids with cross-entropy: the collection's training bar is an MSE")
def nrgeup_gru_with_batch_first() -> Setup:
    """The fix: batch_first=True, so the GRU runs along each sample's own ids (same source)."""
    torch.manual_seed(0)
    x, y = _next_ids()
    return NrgeupGRUDecoder(batch_first=True), x, y, _flat_cross_entropy


class Discuss175731BiLSTM(nn.Module):
    """The thread's model: a batch-first bidirectional LSTM, out.view(batch, seq, 2, hidden), the two directions
    summed, a head at every step."""

    def __init__(self, hidden: int = 16):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(1, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        batch, steps, _ = x.shape
        zeros = torch.zeros(2, batch, self.hidden)
        out, _ = self.lstm(x, (zeros, zeros))
        out = out.view(batch, steps, 2, self.hidden)
        return self.fc(out[:, :, 0, :] + out[:, :, 1, :])


@buggy("future_leak")
def discuss175731_bilstm_trained_on_the_next_step() -> Setup:
    """Source: https://discuss.pytorch.org/t/one-layer-bilstm-is-not-learning/175731. A bidirectional LSTM with a
    head at every step trained on x1..x4 -> x2..x5; the poster saw it follow the last step and did better with
    x5..x8. (Only the question was read; the diagnosis is the setup's own: the backward direction has read the
    value each step must predict.)"""
    torch.manual_seed(0)
    rows = _shuffled_sine_rows(64, 4, extra=4)
    return Discuss175731BiLSTM(), rows[:, :4].unsqueeze(-1), rows[:, 1:5].unsqueeze(-1)


@correct(not_trained_here="four steps ahead from a window of four, per step: 40 epochs do not reach the bar")
def discuss175731_bilstm_trained_on_the_next_window() -> Setup:
    """The poster's framing x1..x4 -> x5..x8: no target value is in the input (same source)."""
    torch.manual_seed(0)
    rows = _shuffled_sine_rows(64, 4, extra=4)
    return Discuss175731BiLSTM(), rows[:, :4].unsqueeze(-1), rows[:, 4:8].unsqueeze(-1)


class _PositionalEncoding(nn.Module):
    """Sinusoidal positions (max_len, 1, d) added to a sequence-first input."""

    def __init__(self, d: int, max_len: int = 200):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1).float()
        scale = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        table = torch.zeros(max_len, 1, d)
        table[:, 0, 0::2], table[:, 0, 1::2] = torch.sin(position * scale), torch.cos(position * scale)
        self.register_buffer("table", table)

    def forward(self, x):
        return x + self.table[: x.size(0)]


class WordLanguageModel(nn.Module):
    """pytorch/tutorials' TransformerModel, small: sequence-first ids, embedding, positions, an
    nn.TransformerEncoder without batch_first, a vocabulary head; causal: with a square subsequent mask."""

    def __init__(self, causal: bool, vocabulary: int = 20, d: int = 16):
        super().__init__()
        self.d, self.causal = d, causal
        self.embedding = nn.Embedding(vocabulary, d)
        self.positions = _PositionalEncoding(d)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0), 2,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d, vocabulary)

    def forward(self, source):
        mask = nn.Transformer.generate_square_subsequent_mask(source.size(0)) if self.causal else None
        return self.head(self.encoder(self.positions(self.embedding(source) * math.sqrt(self.d)), mask))


def _sequence_first_next_ids() -> tuple[torch.Tensor, torch.Tensor]:
    ids = _ids(16, 13).t().contiguous()  # (13, 16), as the tutorial's batchify gives
    return ids[:-1], ids[1:]


@buggy("future_leak")
def pytorch_tutorials2478_encoder_without_a_causal_mask() -> Setup:
    """Source: https://github.com/pytorch/tutorials/issues/2478 ("TransformerEncoder is not causal"). The
    word-language-model tutorial called its sequence-first encoder without a causal src_mask while the target
    is the input shifted by one token. Diagnosis (issue, a commenter confirms): every position can read the token
    it must predict; pass a square subsequent mask. Sequence-first data with per-step targets: the doctor must
    not read it as batch-first."""
    torch.manual_seed(0)
    x, y = _sequence_first_next_ids()
    return WordLanguageModel(causal=False), x, y, _flat_cross_entropy


@correct(not_trained_here="random next-token ids with cross-entropy: the collection's training bar is an MSE")
def pytorch_tutorials2478_encoder_with_a_causal_mask() -> Setup:
    """The fix: a square subsequent mask, so each position attends to itself and earlier ones (same source)."""
    torch.manual_seed(0)
    x, y = _sequence_first_next_ids()
    return WordLanguageModel(causal=True), x, y, _flat_cross_entropy


class TransAm(nn.Module):
    """oliverguhr/transformer-time-series-prediction's TransAm, small: sequence-first windows (S, N, 1), positions
    broadcast onto the single feature, a masked nn.TransformerEncoder and a linear decoder at every step."""

    def __init__(self, d: int = 16):
        super().__init__()
        self.positions = _PositionalEncoding(d)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=d, nhead=2, dropout=0.0), 1,
                                             enable_nested_tensor=False)
        self.decoder = nn.Linear(d, 1)

    def forward(self, source):
        mask = torch.triu(torch.full((len(source), len(source)), float("-inf")), diagonal=1)
        return self.decoder(self.encoder(self.positions(source), mask))


@correct(not_trained_here="a Transformer with lr 0.02 from scratch: 40 full-batch epochs do not reach the bar")
def oliverguhr_transam_sequence_first_and_masked() -> Setup:
    """Source: https://github.com/oliverguhr/transformer-time-series-prediction (issue #23, "why encoder needs
    mask?", where the maintainer explains the causal mask). Sequence-first windows (S, N, 1), a masked encoder, a
    target shifted by one step: correct. The doctor must take the sample axis from the shift, not from the
    target's first axis."""
    torch.manual_seed(0)
    rows = _shuffled_sine_rows(32, 20)
    x = rows[:, :20].t().unsqueeze(-1).contiguous()
    y = rows[:, 1:21].t().unsqueeze(-1).contiguous()
    return TransAm(), x, y


class Spro97Seq2Seq(nn.Module):
    """spro/practical-pytorch's batch translation model, small, on a series: a 2-layer bidirectional GRU encoder,
    a 2-layer GRU decoder with Luong attention fed its previous prediction; the decoder starts from
    encoder_hidden[:n_layers] (fixed: each layer's two directions summed)."""

    def __init__(self, fixed: bool, hidden: int = 16, layers: int = 2, horizon: int = 4):
        super().__init__()
        self.hidden, self.layers, self.horizon, self.fixed = hidden, layers, horizon, fixed
        self.embed = nn.Linear(1, hidden)
        self.encoder = nn.GRU(hidden, hidden, layers, bidirectional=True)
        self.decoder_embed = nn.Linear(1, hidden)
        self.decoder = nn.GRU(hidden, hidden, layers)
        self.concat = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        source = x.transpose(0, 1)  # (T, batch, 1): the tutorial is sequence-first
        encoded, state = self.encoder(self.embed(source))
        encoded = encoded[:, :, :self.hidden] + encoded[:, :, self.hidden:]
        state = state.view(self.layers, 2, -1, self.hidden).sum(1) if self.fixed else state[: self.layers]
        previous, predictions = source[-1], []
        for _ in range(self.horizon):
            output, state = self.decoder(self.decoder_embed(previous).unsqueeze(0), state)
            output = output.squeeze(0)
            weights = torch.softmax(torch.einsum("bh,tbh->bt", output, encoded), dim=1)
            context = torch.einsum("bt,tbh->bh", weights, encoded)
            previous = self.out(torch.tanh(self.concat(torch.cat([output, context], 1))))
            predictions.append(previous)
        return torch.cat(predictions, 1)


def _window_and_horizon() -> tuple[torch.Tensor, torch.Tensor]:
    rows = _shuffled_sine_rows(48, 16, extra=4)
    return rows[:, :16].unsqueeze(-1), rows[:, 16:]


@buggy("state_from_lower_layers")
def spro97_decoder_starts_from_the_encoders_first_layer() -> Setup:
    """Source: https://github.com/spro/practical-pytorch/issues/97 ("question about decoder inputs from last
    encoder hidden state in batch translation example"). The decoder starts from encoder_hidden[:n_layers] of a
    2-layer bidirectional encoder: layer 0 forward and backward, not one state per layer. (Only the question was
    read; the diagnosis is the question's.) Attention over the encoder outputs still reaches the top layer, so no
    other check sees it."""
    torch.manual_seed(0)
    x, y = _window_and_horizon()
    return Spro97Seq2Seq(fixed=False), x, y


@correct(not_trained_here="a four-step horizon fed back through attention: 40 epochs do not reach the bar")
def spro97_decoder_starts_from_the_matching_layers() -> Setup:
    """The fix: decoder layer i starts from encoder layer i, its two directions summed (same source)."""
    torch.manual_seed(0)
    x, y = _window_and_horizon()
    return Spro97Seq2Seq(fixed=True), x, y


class TaourlGRU(nn.Module):
    """The post's GRUModel: nn.GRU(1, 32, batch_first=True) and a linear head at every step."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out)


@correct()
def taourl_gru_with_a_head_at_every_step() -> Setup:
    """Source: https://taourl.com/read-2613966.html (a GRU for a series "failing to learn"). nn.GRU(1, 32,
    batch_first=True), a head at every step, (N, 10, 1) windows against the same windows shifted by one step,
    the series min-max scaled: the model and the framing are right."""
    torch.manual_seed(0)
    series = sine(641, step=0.2)
    series = (series - series.min()) / (series.max() - series.min())
    return TaourlGRU(), series[:-1].reshape(-1, 10, 1), series[1:].reshape(-1, 10, 1)


class PexceraMultivariateLSTM(nn.Module):
    """The tutorial's MultivariateLSTM: nn.LSTM(5, hidden, batch_first=True), a head on out[:, -1, :]."""

    def __init__(self, features: int = 5, hidden: int = 32):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear(out[:, -1, :])


@correct()
def pexcera_multivariate_lstm() -> Setup:
    """Source: https://pexcera.com/learn/sequence-modeling/forecasting-multivariate-time-series.html. Five scaled
    features, nn.LSTM(batch_first=True), a head on out[:, -1, :] predicting the next value of feature 0: correct
    as published."""
    torch.manual_seed(0)
    series = _sine_streams(1, 400, 5)[0]
    rows = series.unfold(0, 31, 1).permute(0, 2, 1)
    rows = rows[torch.randperm(len(rows), generator=torch.Generator().manual_seed(0))][:64]
    return PexceraMultivariateLSTM(), rows[:, :30].contiguous(), rows[:, 30, :1].contiguous()


class CodegenesStatefulLSTM(nn.Module):
    """The post's stateful LSTM: (h, c) kept between calls, detached, reset by reset_states() every epoch."""

    def __init__(self, hidden: int = 16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)
        self.hidden = None

    def reset_states(self):
        self.hidden = None

    def forward(self, x):
        out, hidden = self.lstm(x, self.hidden)
        self.hidden = tuple(h.detach() for h in hidden)
        return self.fc(out)


@correct(not_trained_here="a stateful model: each call starts from the previous call's state, which the "
         "collection's training loop does not reset")
def codegenes_stateful_lstm_on_consecutive_chunks() -> Setup:
    """Source: https://www.codegenes.net/blog/pytorch-stateful-lstm ("Understanding and Using PyTorch Stateful
    LSTM"). The state is kept between calls, detached, for batches that continue the same long series, and reset
    every epoch: correct (the doctor notes the kept state, as information, since it cannot see the loop)."""
    torch.manual_seed(0)
    series = _sine_streams(4, 26, 1)
    return CodegenesStatefulLSTM(), series[:, :25].contiguous(), series[:, 1:26].contiguous()


# --- a third blind test: public setups the doctor had not seen -------------------------------------------------


class InfluenzaPositionalEncoder(nn.Module):
    """influenza_transformer's PositionalEncoder: pe kept as (max_seq_len, 1, d_model); for batch_first it adds
    pe[:x.size(1)], a (T, 1, d) table against a (B, T, d) input (``fixed``: PR #10's (1, T, d) table)."""

    def __init__(self, d_model: int = 16, max_seq_len: int = 500, fixed: bool = False):
        super().__init__()
        self.fixed = fixed
        position = torch.arange(max_seq_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_seq_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        if self.fixed:
            return x + self.pe[: x.size(1)].transpose(0, 1)
        return x + self.pe[: x.size(1)]


class InfluenzaTransformer(nn.Module):
    """Input projection, the positional encoder, TransformerEncoder(batch_first=True), the next value."""

    def __init__(self, fixed: bool = False, d_model: int = 16):
        super().__init__()
        self.inp = nn.Linear(1, d_model)
        self.pe = InfluenzaPositionalEncoder(d_model, fixed=fixed)
        layer = nn.TransformerEncoderLayer(d_model, 4, 32, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.out = nn.Linear(d_model, 1)

    def forward(self, x):
        return self.out(self.enc(self.pe(self.inp(x)))[:, -1])


def _influenza_windows(batch: int, steps: int = 24) -> tuple[torch.Tensor, torch.Tensor]:
    t = torch.arange(600.0)
    series = torch.sin(0.07 * t) + 0.3 * torch.sin(0.013 * t)
    rows = series.unfold(0, steps + 1, 5)[:batch]
    rows = rows[torch.randperm(len(rows), generator=torch.Generator().manual_seed(0))]
    return rows[:, :steps].unsqueeze(-1).contiguous(), rows[:, steps:].contiguous()


@buggy("forward_error")
def influenza_positional_table_of_steps_added_along_the_batch() -> Setup:
    """Source: https://github.com/KasperGroesLudvigsen/influenza_transformer/issues/9 ("Bug: Error in Positional
    Encoder if batch_first=True"), fixed in PR #10. A (T, 1, d) position table is added to a (B, T, d) input, so
    the forward pass raises whenever B != T (here 32 windows of 24 steps). Diagnosis (thread): the table's layout
    is sequence-first. The doctor names the batch/sequence sizing mix-up: the model runs at exactly 24 samples."""
    torch.manual_seed(0)
    x, y = _influenza_windows(32)
    return InfluenzaTransformer(fixed=False), x, y


@buggy("sample_position_used")
def influenza_positional_table_on_a_square_batch() -> Setup:
    """The same positional encoder (same source) when the batch has as many windows as steps (24): no error, but
    window i gets the encoding of position i at every step, and no window gets positions along its steps."""
    torch.manual_seed(0)
    x, y = _influenza_windows(24)
    return InfluenzaTransformer(fixed=False), x, y


@correct(not_trained_here="a 2-layer Transformer from scratch: 40 full-batch epochs do not reach the bar")
def influenza_positional_table_along_the_steps() -> Setup:
    """The fix of PR #10 (same source): the table laid out (1, T, d), added along the steps of each window."""
    torch.manual_seed(0)
    x, y = _influenza_windows(32)
    return InfluenzaTransformer(fixed=True), x, y


class GesticulatorSpeechToPose(nn.Module):
    """gesticulator's speech encoder: a 2-layer bidirectional GRU over (batch, context, features) windows, its
    output flattened over every step (start_dim=1) and reduced to a pose."""

    def __init__(self, batch_first: bool = False, features: int = 34, context: int = 30, hidden: int = 8):
        super().__init__()
        self.encode_speech = nn.GRU(features, hidden, 2, bidirectional=True, batch_first=batch_first)
        self.reduce = nn.Sequential(nn.Linear(context * 2 * hidden, 32), nn.LeakyReLU())
        self.hidden_to_output = nn.Sequential(nn.Linear(32, 12), nn.Tanh(), nn.Linear(12, 12))

    def forward(self, speech):
        encoded, _ = self.encode_speech(speech)
        return self.hidden_to_output(self.reduce(torch.flatten(encoded, start_dim=1)))


def _speech_windows(count: int = 16, context: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    frames = 400
    t = torch.arange(frames, dtype=torch.float32).unsqueeze(1)
    audio = torch.sin(t * torch.linspace(0.05, 0.6, 26)) + 0.1 * torch.randn(frames, 26, generator=generator)
    text = torch.repeat_interleave(torch.randn(frames // 8, 8, generator=generator), 8, dim=0)
    speech = torch.cat([audio, text], 1)
    starts = torch.randperm(frames - context, generator=generator)[:count]
    x = torch.stack([speech[s:s + context] for s in starts])
    return x, torch.tanh(x[:, 10, :12] + 0.5 * x[:, 12, 12:24])


@buggy("layout_mismatch")
def gesticulator_gru_without_batch_first() -> Setup:
    """Source: https://github.com/Svito-zar/gesticulator/issues/62 ("GRU layer should have the batch_first=True
    flag"). The speech GRU reads (batch, context, features) windows as sequence-first; the maintainer agrees and
    the reporter says the model converged only after the change. The model flattens every step, so the fix is the
    flag alone (no out[:, -1])."""
    torch.manual_seed(0)
    x, y = _speech_windows()
    return GesticulatorSpeechToPose(batch_first=False), x, y


@correct()
def gesticulator_gru_with_batch_first() -> Setup:
    """The fix proposed in the issue (same source): batch_first=True."""
    torch.manual_seed(0)
    x, y = _speech_windows()
    return GesticulatorSpeechToPose(batch_first=True), x, y


class HandbookLstmClassifier(nn.Module):
    """pytorch_handbook's IMDB LSTM classifier: h0 and c0 built from ``self.batch_size`` (``fixed``: x.size(0))."""

    def __init__(self, batch_size: int, fixed: bool = False, hidden: int = 32, vocabulary: int = 500):
        super().__init__()
        self.batch_size, self.hidden, self.fixed = batch_size, hidden, fixed
        self.embed = nn.Embedding(vocabulary, 16)
        self.lstm = nn.LSTM(16, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        x = self.embed(x)
        batch = x.size(0) if self.fixed else self.batch_size
        h0 = torch.zeros(1, batch, self.hidden)
        _, (h_n, _) = self.lstm(x, (h0, torch.zeros(1, batch, self.hidden)))
        return self.fc(h_n[-1])


def _review_tokens(count: int = 32, steps: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (count,), generator=generator)
    x = torch.randint(2, 500, (count, steps), generator=generator)
    x[:, ::5] = torch.where(y[:, None] == 1, 3, 4)  # a word that tells the class
    return x, y


@buggy("forward_error")
def handbook_state_sized_by_a_fixed_batch() -> Setup:
    """Source: https://github.com/miyamotok0105/pytorch_handbook/issues/11 ("Expected hidden[0] size (1, 32, 256),
    got [1, 8, 256]"). h0/c0 are sized by a batch size fixed when the model is made (8), and the batch has 32.
    Diagnosis (thread): build the state from x.size(0)."""
    torch.manual_seed(0)
    x, y = _review_tokens()
    return HandbookLstmClassifier(batch_size=8), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def handbook_state_sized_by_the_input() -> Setup:
    """The fix (same source): h0 and c0 sized from x.size(0) on every call, so any batch size runs."""
    torch.manual_seed(0)
    x, y = _review_tokens()
    return HandbookLstmClassifier(batch_size=8, fixed=True), x, y, nn.CrossEntropyLoss()


class MlToolkitPackedClassifier(nn.Module):
    """ml-toolkit's RnnClassifier: ids padded with 0, embedded, sequence-first, packed, a 2-layer bidirectional
    GRU, the top layer's two directions from hidden.view(layers, directions, batch, hidden)[-1]."""

    def __init__(self, vocabulary: int = 300, hidden: int = 12):
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(vocabulary, 16, padding_idx=0)
        self.rnn = nn.GRU(16, hidden, num_layers=2, bidirectional=True)
        self.linear = nn.Linear(2 * hidden, 3)

    def forward(self, ids):
        lengths = (ids != 0).sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids).transpose(0, 1), lengths)
        _, hidden = self.rnn(packed)
        final = hidden.view(2, 2, ids.shape[0], self.hidden)[-1]
        return torch.log_softmax(self.linear(torch.cat((final[0], final[1]), 1)), dim=1)


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def mltoolkit_packed_bigru_top_layer_viewed_apart() -> Setup:
    """Source: https://github.com/chrisvdweth/ml-toolkit/issues/1 ("Possible dimensional mismatch?"). The reporter
    suspects hidden.view(num_layers, directions, batch, hidden)[-1]; it reads the top layer's two directions, which
    is right. Ids sorted by length, padded, packed; NLLLoss."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    lengths = torch.sort(torch.randint(5, 21, (24,), generator=generator), descending=True).values
    y = torch.randint(0, 3, (24,), generator=generator)
    x = torch.zeros(24, 20, dtype=torch.long)
    for i, length in enumerate(lengths.tolist()):
        x[i, :length] = torch.randint(4, 300, (length,), generator=generator)
        x[i, length // 2] = 1 + y[i]
    return MlToolkitPackedClassifier(), x, y, nn.NLLLoss()


class YunjeyRowsLSTM(nn.Module):
    """yunjey's MNIST RNN: 2-layer LSTM(batch_first=True) over the 28 rows, a head on out[:, -1, :]."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.lstm = nn.LSTM(28, hidden, 2, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def yunjey151_image_rows_read_at_the_last_row() -> Setup:
    """Source: https://github.com/yunjey/pytorch-tutorial/issues/151 ("Something wrong about RNN tutorial"): the
    reporter says out[:, -1, :] should be out[-1, :, :], then withdraws (batch_first=True). Synthetic 28x28 images
    whose stroke encodes the class; CrossEntropyLoss: correct as published."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (50,), generator=generator)
    x = 0.1 * torch.rand(50, 28, 28, generator=generator)
    for i, label in enumerate(y.tolist()):
        x[i, 4 + 2 * label: 6 + 2 * label, 4: 10 + label] = 1.0
    return YunjeyRowsLSTM(), x, y, nn.CrossEntropyLoss()


class KeonAttention(nn.Module):
    """keon/seq2seq's Bahdanau attention over sequence-first encoder outputs."""

    def __init__(self, hidden: int):
        super().__init__()
        self.attn = nn.Linear(hidden * 2, hidden)
        self.v = nn.Parameter(torch.rand(hidden))

    def forward(self, hidden, encoder_outputs):
        steps = encoder_outputs.size(0)
        repeated = hidden.repeat(steps, 1, 1).transpose(0, 1)
        encoded = encoder_outputs.transpose(0, 1)
        energy = self.attn(torch.cat([repeated, encoded], 2)).transpose(1, 2)
        v = self.v.repeat(encoded.size(0), 1).unsqueeze(1)
        return torch.softmax(torch.bmm(v, energy).squeeze(1), dim=1).unsqueeze(1)


class KeonSeq2Seq(nn.Module):
    """keon/seq2seq: a 2-layer bidirectional GRU encoder (its outputs' two directions summed), a 1-layer GRU decoder
    with attention fed one target token per call; x is the source ids stacked over the target ids along time
    (sequence-first). The decoder starts from hidden[:1] (``fixed``: the top layer's two directions summed)."""

    def __init__(self, fixed: bool = False, source: int = 7, vocabulary: int = 30, hidden: int = 12):
        super().__init__()
        self.fixed, self.source, self.hidden = fixed, source, hidden
        self.encoder_embed = nn.Embedding(vocabulary, 8)
        self.encoder = nn.GRU(8, hidden, 2, bidirectional=True)
        self.decoder_embed = nn.Embedding(vocabulary, 8)
        self.attention = KeonAttention(hidden)
        self.decoder = nn.GRU(hidden + 8, hidden, 1)
        self.out = nn.Linear(hidden * 2, vocabulary)

    def forward(self, x):
        source, target = x[: self.source], x[self.source:]
        outputs, hidden = self.encoder(self.encoder_embed(source))
        outputs = outputs[:, :, :self.hidden] + outputs[:, :, self.hidden:]
        hidden = hidden[-2:-1] + hidden[-1:] if self.fixed else hidden[:1]
        predictions = []
        for t in range(1, len(target)):
            embedded = self.decoder_embed(target[t - 1]).view(1, target.shape[1], -1)
            weights = self.attention(hidden[-1], outputs)
            context = weights.bmm(outputs.transpose(0, 1)).transpose(0, 1)
            output, hidden = self.decoder(torch.cat([embedded, context], 2), hidden)
            predictions.append(torch.log_softmax(self.out(torch.cat([output.squeeze(0), context.squeeze(0)], 1)), 1))
        return torch.stack(predictions)


def _keon_nll(outputs, target):
    return nn.functional.nll_loss(outputs.reshape(-1, outputs.size(-1)), target.reshape(-1))


def _keon_tokens(batch: int = 10, source: int = 7, target: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 30, (source, batch), generator=generator)
    decoded = torch.cat([torch.full((1, batch), 1), ids.flip(0)[: target - 1]])  # <sos>, the source reversed
    return torch.cat([ids, decoded]), decoded[1:]


@buggy("state_from_lower_layers")
def keon_decoder_starts_from_the_encoders_first_row() -> Setup:
    """Source: https://github.com/keon/seq2seq (model.py; issue #18 only explains encoder_outputs). The decoder
    starts from hidden[:n_layers] = hidden[:1] of a 2-layer bidirectional encoder: layer 0's forward direction.
    No thread diagnoses this line: the bug is the reviewer's reading of the code against nn.GRU's h_n layout. The
    ids are (seq, batch), batch on the last axis, and every embedding reads a slice of x."""
    torch.manual_seed(0)
    x, y = _keon_tokens()
    return KeonSeq2Seq(fixed=False), x, y, _keon_nll


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def keon_decoder_starts_from_the_top_layer() -> Setup:
    """The decoder started from the encoder's top layer, both directions summed (same source). The one-step
    decoder gets a note only: its state comes from the encoder."""
    torch.manual_seed(0)
    x, y = _keon_tokens()
    return KeonSeq2Seq(fixed=True), x, y, _keon_nll


class YunjeyLanguageModel(nn.Module):
    """yunjey's RNNLM (Embedding, LSTM batch_first, Linear to the vocabulary) with the carried (h, c) kept on the
    model; ``detach``: detached before each call (truncated BPTT)."""

    def __init__(self, detach: bool, vocabulary: int = 40):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.linear = nn.Linear(32, vocabulary)
        self.detach, self.states = detach, None

    def forward(self, x):
        states = self.states
        if states is not None and self.detach:
            states = tuple(s.detach() for s in states)
        out, self.states = self.lstm(self.embed(x), states)
        return self.linear(out.reshape(out.size(0) * out.size(1), out.size(2)))


def _corpus_rows(batch: int = 20, steps: int = 30, vocabulary: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    count = batch * (steps + 1)
    noise = torch.rand(count, generator=generator) < 0.1
    random = torch.randint(0, vocabulary, (count,), generator=generator)
    ids = torch.empty(count, dtype=torch.long)
    ids[0] = 1
    for i in range(1, count):
        ids[i] = random[i] if noise[i] else (ids[i - 1] * 7 + 3) % vocabulary
    ids = ids.view(batch, -1)
    return ids[:, :steps].contiguous(), ids[:, 1:steps + 1].reshape(-1)


@limit({"state_not_detached"}, "the doctor cannot see the training loop, which may reset the state before every "
       "batch: a note, with the headline saying the second training step raised")
def yunjey90_language_model_state_not_detached() -> Setup:
    """Source: https://github.com/yunjey/pytorch-tutorial/issues/90 ("language model detach(states)"). Without
    states = detach(states) each backward runs into the previous chunk's freed graph. Diagnosis (thread):
    truncated BPTT needs the detach. The kept state is an LSTM's (h, c) tuple."""
    torch.manual_seed(0)
    x, y = _corpus_rows()
    return YunjeyLanguageModel(detach=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="a stateful model: each call starts from the previous call's state")
def yunjey90_language_model_state_detached() -> Setup:
    """The tutorial as published (same source): the carried state detached before each call."""
    torch.manual_seed(0)
    x, y = _corpus_rows()
    return YunjeyLanguageModel(detach=True), x, y, nn.CrossEntropyLoss()


class UdacitySimpleRNN(nn.Module):
    """Udacity's Simple_RNN: nn.RNN(1, 32, batch_first=True) on one chunk, r_out.view(-1, hidden) -> Linear, the
    state carried on the model; ``detach``: hidden = hidden.data."""

    def __init__(self, detach: bool):
        super().__init__()
        self.detach, self.hidden = detach, None
        self.rnn = nn.RNN(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        out, hidden = self.rnn(x, self.hidden)
        self.hidden = hidden.data if self.detach else hidden
        return self.fc(out.reshape(-1, 32))


def _sine_chunk(steps: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    values = torch.sin(torch.linspace(0, math.pi, steps + 1)).unsqueeze(1)
    return values[:-1].unsqueeze(0), values[1:]


@limit({"state_not_detached"}, "the doctor cannot see the training loop, which may reset the state before every "
       "batch: a note, with the headline saying the second training step raised")
def udacity_simple_rnn_hidden_not_detached() -> Setup:
    """Source: udacity/deep-learning-v2-pytorch, recurrent-neural-networks/time-series/Simple_RNN.ipynb, e.g. the
    fork https://github.com/Bjarten/deep-learning-ND; the course FAQ answers "backward through the graph a second
    time" with the missing hidden = hidden.data. The kept state is nn.RNN's single tensor: the fix must be
    hidden.detach(), not the LSTM's tuple form."""
    torch.manual_seed(0)
    x, y = _sine_chunk()
    return UdacitySimpleRNN(detach=False), x, y


@correct(not_trained_here="a stateful model: each call starts from the previous call's state")
def udacity_simple_rnn_hidden_detached() -> Setup:
    """The notebook as published (same source): hidden = hidden.data after each chunk."""
    torch.manual_seed(0)
    x, y = _sine_chunk()
    return UdacitySimpleRNN(detach=True), x, y


class CertifaiLSTM(nn.Module):
    """CertifaiAI's LSTM: batch_first, zero initial states, a head on out[:, -1, :]."""

    def __init__(self, features: int, hidden: int = 16, layers: int = 1):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def _reshaping_mse(prediction, target):
    return nn.functional.mse_loss(prediction.reshape(target.shape), target)


@correct()
def certifai_multivariate_regression_on_rising_covariates() -> Setup:
    """Source: https://github.com/CertifaiAI/time-series-labs ("04 - LSTM_Multivariate_Univariate_SingleStep"). Two
    input columns that rise by a constant step (0..290 and 5..295), target their sum at the window's last step, all
    three scaled with the scaler fitted last (the sum's, as the notebook's loop leaves it), 70% kept for training:
    a regression on covariates, not a clock fed instead of past values, so no time_as_input."""
    torch.manual_seed(0)
    first, second = np.arange(0, 300, 10.0)[:21], np.arange(5, 305, 10.0)[:21]
    columns = np.stack([first, second, first + second], 1)
    columns = (columns - columns[:, 2].mean()) / columns[:, 2].std()
    x = torch.tensor(np.array([columns[i:i + 4, :2] for i in range(18)]), dtype=torch.float32)
    y = torch.tensor(columns[3:21, 2], dtype=torch.float32).reshape(-1, 1, 1)
    return CertifaiLSTM(2), x, y, _reshaping_mse


@correct(not_trained_here="binary labels with BCEWithLogitsLoss: the collection's bar is in MSE units")
def certifai_sensor_windows_classified() -> Setup:
    """Source: https://github.com/CertifaiAI/time-series-labs ("05 - Time Series Classification Using Deep
    Learning"): min-max scaled sensors, 30-row windows, the label of the row after, 2-layer LSTM(batch_first=True),
    BCEWithLogitsLoss: correct as published."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for _ in range(4):
        wear = np.linspace(0, 1, 80)[:, None]
        rows.append(rng.normal(500, 50, 12) + 30 * wear * rng.normal(1, 0.2, 12) + rng.normal(0, 2, (80, 12)))
        labels.append((np.arange(80) >= 60).astype(float))
    values, label = np.concatenate(rows), np.concatenate(labels)[:, None]
    values = (values - values.min(0)) / (values.max(0) - values.min(0))
    x = torch.tensor(np.array([values[i:i + 30] for i in range(200)]), dtype=torch.float32)
    y = torch.tensor(np.array([label[i + 30] for i in range(200)]), dtype=torch.float32)
    return CertifaiLSTM(12, hidden=32, layers=2), x, y, nn.BCEWithLogitsLoss()


# --- d4 blind test: a reduction over the batch, a layer called once per step, reading padding ---------------


class HanWordAttention(nn.Module):
    """Hierarchical-Attention-Network's WordRNN: nn.Embedding, bidirectional nn.GRU without batch_first, so the
    output is (steps, batch, 2 * hidden); the word attention is a softmax over ``dim`` of that output."""

    def __init__(self, dim: int, vocabulary: int = 50, embedding: int = 16, hidden: int = 12, classes: int = 3):
        super().__init__()
        self.dim = dim
        self.embed = nn.Embedding(vocabulary, embedding)
        self.word_rnn = nn.GRU(embedding, hidden, bidirectional=True)
        self.word_attn = nn.Linear(2 * hidden, 2 * hidden)
        self.attn_combine = nn.Linear(2 * hidden, 2 * hidden, bias=False)
        self.cls = nn.Linear(2 * hidden, classes)

    def forward(self, inp):  # (steps, batch) token ids
        out_state, _ = self.word_rnn(self.embed(inp))
        attn = torch.softmax(self.attn_combine(self.word_attn(out_state)), dim=self.dim)
        return self.cls((out_state * attn).sum(0))


def _han_words() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 3, (24,), generator=generator)
    x = torch.randint(4, 50, (15, 24), generator=generator)
    x[5] = 1 + y  # a word that tells the class
    return x, y


@buggy("samples_mixed")
def han_word_attention_softmax_over_the_batch() -> Setup:
    """Source: https://github.com/pandeykartikey/Hierarchical-Attention-Network/issues/5 ("THIS IMPLEMENTATION's
    GOT at least 2 apparent MISTAKEs!"). The GRU has no batch_first, so its output is (steps, batch, 2 * hidden),
    and the word attention is F.softmax(..., dim=1): normalised over the batch instead of over the words (dim=0).
    Diagnosis (issue): the softmax runs over the wrong axis. The doctor must name the softmax and its dim."""
    torch.manual_seed(0)
    x, y = _han_words()
    return HanWordAttention(dim=1), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def han_word_attention_softmax_over_the_words() -> Setup:
    """The fix the issue asks for (same source): the softmax over the words, dim=0 of the (steps, batch, ...)
    output."""
    torch.manual_seed(0)
    x, y = _han_words()
    return HanWordAttention(dim=0), x, y, nn.CrossEntropyLoss()


class BelvezeInputAttentionEncoder(nn.Module):
    """time-series-autoencoder's DA-RNN input-attention encoder: attention over the 4 input channels at each
    step, then ONE step fed to nn.LSTM (no batch_first) as (1, batch, channels) from the (h, c) the call before
    returned; ``time_first`` indexes the batch-first input as inp[t] (the reporter's suggestion)."""

    def __init__(self, time_first: bool = False, channels: int = 4, hidden: int = 16, steps: int = 10):
        super().__init__()
        self.time_first, self.channels, self.hidden, self.steps = time_first, channels, hidden, steps
        self.lstm = nn.LSTM(channels, hidden)
        self.attn = nn.Linear(2 * hidden + steps, 1)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, inp):  # (batch, steps, channels)
        batch = inp.size(0)
        h_t, c_t = torch.zeros(1, batch, self.hidden), torch.zeros(1, batch, self.hidden)
        for t in range(self.steps):
            scores = torch.cat((h_t.repeat(self.channels, 1, 1).permute(1, 0, 2),
                                c_t.repeat(self.channels, 1, 1).permute(1, 0, 2), inp.permute(0, 2, 1)), dim=2)
            e_t = self.attn(scores.view(-1, self.hidden * 2 + self.steps))
            a_t = torch.softmax(e_t.view(-1, self.channels), dim=1)  # over the channels
            step = inp[t, :, :] if self.time_first else inp[:, t, :]
            _, (h_t, c_t) = self.lstm((a_t * step).unsqueeze(0), (h_t, c_t))
        return self.fc(h_t[0])


def _four_channel_windows(count: int = 48, steps: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    t = torch.arange(300, dtype=torch.float32)
    channels = torch.stack([torch.sin(0.1 * t), torch.cos(0.07 * t), torch.sin(0.05 * t + 2),
                            torch.cos(0.13 * t)], -1)
    w = channels.unfold(0, steps + 1, 1).permute(0, 2, 1)
    w = w[torch.randperm(len(w), generator=generator)[:count]]
    return w[:, :steps].contiguous(), w[:, steps, :1].contiguous()


@buggy("forward_error")
def belveze_input_attention_indexed_time_first() -> Setup:
    """Source: https://github.com/JulesBelveze/time-series-autoencoder/issues/9 ("Regarding input dimensions"):
    the reporter's proposed inp[t, :, :] on the maintainer's batch-first (batch, steps, channels) data. The
    maintainer answers that this indexes the batch axis as time; here the forward pass raises (batch 48 against
    10 steps)."""
    torch.manual_seed(0)
    x, y = _four_channel_windows()
    return BelvezeInputAttentionEncoder(time_first=True), x, y


@correct()
def belveze_input_attention_one_step_per_call() -> Setup:
    """The maintainer's code (same source): inp[:, t, :] fed as (1, batch, 4) once per step, each call from the
    (h, c) the call before returned. The recurrence runs in Python, so no single_step_sequences, and never an
    input_size=1 fix for a layer with 4 channels."""
    torch.manual_seed(0)
    x, y = _four_channel_windows()
    return BelvezeInputAttentionEncoder(), x, y


class AtcoldSequenceClassifier(nn.Module):
    """NYU-DLSP20's SimpleLSTM (batch_first, a Linear at every step) on PRE-padded one-hot sequences, read at the
    last step (``at_length=False``) or at index length - 1 (``True``, the original evaluation code)."""

    def __init__(self, at_length: bool, symbols: int = 8, hidden: int = 16, classes: int = 4):
        super().__init__()
        self.at_length = at_length
        self.lstm = nn.LSTM(symbols, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, classes)

    def forward(self, x):
        output = self.linear(self.lstm(x)[0])
        if not self.at_length:
            return output[:, -1, :]
        sequence_end = (x.abs().sum(-1) != 0).sum(1) - 1
        return output[torch.arange(x.shape[0]), sequence_end, :]


def _prepadded_order_task(count: int = 40, steps: int = 12, symbols: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """The class is the order of two marker symbols among distractors; lengths 6 to 12, zero rows in front."""
    generator = torch.Generator().manual_seed(0)
    x = torch.zeros(count, steps, symbols)
    y = torch.randint(0, 4, (count,), generator=generator)
    lengths = torch.randint(6, steps + 1, (count,), generator=generator)
    for i in range(count):
        length = int(lengths[i])
        sequence = torch.randint(2, symbols, (length,), generator=generator)
        a, b = sorted(torch.randperm(length, generator=generator)[:2].tolist())
        sequence[a], sequence[b] = int(y[i]) // 2, int(y[i]) % 2
        x[i, steps - length:] = nn.functional.one_hot(sequence, symbols).float()
    return x, y


@buggy("samples_ignored")
def atcold_prepadded_read_at_length() -> Setup:
    """Source: https://github.com/Atcold/NYU-DLSP20/pull/814: the original evaluation code reads
    output[torch.arange(batch), lengths - 1] on a PRE-padded batch, so a short sequence is read inside its
    padding ("the reason why the accuracy in the model evaluation block is very low"). Sequences of 6 of 12
    steps are read at a step before any real one: no gradient reaches their real steps. The padding is zero
    rows, found in the data (no packed lengths)."""
    torch.manual_seed(0)
    x, y = _prepadded_order_task()
    return AtcoldSequenceClassifier(at_length=True), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def atcold_prepadded_read_at_the_last_step() -> Setup:
    """The training code (same source): output[:, -1, :], "input is pre padded", the last step of every
    sequence."""
    torch.manual_seed(0)
    x, y = _prepadded_order_task()
    return AtcoldSequenceClassifier(at_length=False), x, y, nn.CrossEntropyLoss()


# --- real cases from a new user's blind test: 15 threads, re-typed for model(x) ---------------------------------


class CnslabFmriLSTM(nn.Module):
    """fMRI_LSTM of sgadgil6/cnslab_fmri: an LSTM over (batch, time points, ROIs), the last step, a sigmoid;
    ``keep_state``: as first committed, lstm_out, self.hidden = self.lstm(x, self.hidden)."""

    def __init__(self, keep_state: bool, rois: int = 22, hidden: int = 32, batch: int = 64):
        super().__init__()
        self.keep_state = keep_state
        self.lstm = nn.LSTM(rois, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)
        self.dropout = nn.Dropout(p=0.5)
        self.hidden = (torch.randn(1, batch, hidden), torch.randn(1, batch, hidden))

    def forward(self, x):
        if self.keep_state:
            lstm_out, self.hidden = self.lstm(x, self.hidden)
        else:
            lstm_out, _ = self.lstm(x)
        return torch.sigmoid(self.linear(self.dropout(lstm_out.squeeze()[:, -1, :])))


def _fmri_windows() -> tuple[torch.Tensor, torch.Tensor]:
    """64 windows of 25 time points x 22 ROIs (z-scored) and a binary label."""
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(64, 25, 22, generator=generator)
    return x, (x[:, :, 0].mean(1, keepdim=True) > 0).float()


@limit({"state_not_detached"}, "the doctor cannot see the training loop, which may reset the state before every "
       "batch: a note, with the headline saying the second training step raised")
def cnslab_fmri_lstm_state_kept_on_the_model() -> Setup:
    """Source: https://github.com/sgadgil6/cnslab_fmri/issues/4. forward() does lstm_out, self.hidden =
    self.lstm(x, self.hidden): "Trying to backward through the graph a second time" at loss.backward(), and
    retain_graph=True runs out of memory. Diagnosis (thread, fixed in PR #5): do not keep the hidden state; call
    self.lstm(x). A binary label under BCELoss."""
    torch.manual_seed(0)
    x, y = _fmri_windows()
    return CnslabFmriLSTM(keep_state=True), x, y, nn.BCELoss()


@correct(not_trained_here="a binary label under BCELoss: the collection's bar is 5% of var(y) in MSE units")
def cnslab_fmri_lstm_without_a_kept_state() -> Setup:
    """The fix, https://github.com/sgadgil6/cnslab_fmri/pull/5: lstm_out, _ = self.lstm(x), no state kept
    (same source)."""
    torch.manual_seed(0)
    x, y = _fmri_windows()
    return CnslabFmriLSTM(keep_state=False), x, y, nn.BCELoss()


class PaccmannStackGRUEncoder(nn.Module):
    """paccmann_chemistry's StackGRUEncoder (stack memory left out): token ids (seq, batch), one token per call of
    a 2-layer bidirectional GRU, then the last layer's final states of both directions flattened per molecule;
    ``permuted``: the issue's fix, hidden[-1].permute(1, 0, 2).reshape, instead of hidden[-1].view."""

    def __init__(self, permuted: bool, batch: int, vocabulary: int = 30, hidden: int = 16, layers: int = 2):
        super().__init__()
        self.permuted, self.batch, self.hidden, self.layers = permuted, batch, hidden, layers
        self.embedding = nn.Embedding(vocabulary, 8, padding_idx=0)
        self.gru = nn.GRU(8, hidden, layers, bidirectional=True)
        self.hidden_to_mu = nn.Linear(2 * hidden, 1)

    def forward(self, input_seq):
        hidden = torch.zeros(self.layers * 2, self.batch, self.hidden)
        for input_entry in input_seq:
            _, hidden = self.gru(self.embedding(input_entry).unsqueeze(0), hidden)
        hidden = hidden.view(self.layers, 2, self.batch, self.hidden)
        if self.permuted:
            hidden = hidden[-1].permute(1, 0, 2).reshape(self.batch, 2 * self.hidden)
        else:
            hidden = hidden[-1, :, :, :].view(self.batch, 2 * self.hidden)
        return self.hidden_to_mu(hidden)


def _smiles_ids(steps: int = 12, batch: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (seq, batch) and a per-molecule property: the share of token 5, times 10."""
    generator = torch.Generator().manual_seed(2)
    x = torch.randint(1, 30, (steps, batch), generator=generator)
    return x, (x == 5).float().mean(0, keepdim=True).T * 10


@buggy("samples_mixed")
def paccmann5_bigru_hidden_viewed_across_the_batch() -> Setup:
    """Source: https://github.com/PaccMann/paccmann_chemistry/issues/5 ("Incorrect hidden layer reshaping in
    GRUEncoder"). hidden[-1] is (directions, batch, hidden); .view(batch, hidden * directions) puts the two
    directions of different molecules in one row. Diagnosis (issue): "the batch dimension ends up being mixed up
    with the n_directions dimension, i.e. mixing the samples together"; permute, then reshape. The VAE's mu head
    regresses a per-molecule property here so that there is a target."""
    torch.manual_seed(0)
    x, y = _smiles_ids()
    return PaccmannStackGRUEncoder(permuted=False, batch=16), x, y


@correct(not_trained_here="a count of one token in random ids, through a GRU called once per token: not the "
         "collection's series")
def paccmann5_bigru_hidden_permuted_then_reshaped() -> Setup:
    """The issue's fix (same source): hidden[-1].permute(1, 0, 2).reshape(batch, hidden * directions)."""
    torch.manual_seed(0)
    x, y = _smiles_ids()
    return PaccmannStackGRUEncoder(permuted=True, batch=16), x, y


class TweetLSTMClassifier(nn.Module):
    """FernandoLpz/Text-Classification-LSTMs-PyTorch's TweetClassifier: embedding, a 2-layer LSTM from
    Xavier-initialised states, two Linear layers on out[:, -1], a sigmoid: (batch, 1)."""

    def __init__(self, words: int = 1000, hidden: int = 32, layers: int = 2):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.embedding = nn.Embedding(words, hidden, padding_idx=0)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.fc1 = nn.Linear(hidden, 257)
        self.fc2 = nn.Linear(257, 1)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        h = torch.zeros(self.layers, x.size(0), self.hidden)
        c = torch.zeros(self.layers, x.size(0), self.hidden)
        nn.init.xavier_normal_(h)
        nn.init.xavier_normal_(c)
        out, _ = self.lstm(self.embedding(x), (h, c))
        out = torch.relu(self.fc1(self.dropout(out)[:, -1, :]))
        return torch.sigmoid(self.fc2(self.dropout(out)))


def _prepadded_tweets(count: int = 64, length: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Word ids pre-padded with 0 (Keras pad_sequences), 4 to 20 words each, and a float label (count,)."""
    generator = torch.Generator().manual_seed(3)
    x = torch.zeros(count, length, dtype=torch.long)
    for i in range(count):
        words = int(torch.randint(4, length + 1, (1,), generator=generator))
        x[i, length - words:] = torch.randint(1, 1000, (words,), generator=generator)
    return x, (x[:, -1] % 2).float()


@buggy("loss_error")
def fernandolpz9_bce_on_a_column_against_a_flat_target() -> Setup:
    """Source: https://github.com/FernandoLpz/Text-Classification-LSTMs-PyTorch/issues/9. y_pred is (64, 1), the
    label y_batch.type(torch.FloatTensor) is (64,), and F.binary_cross_entropy(y_pred, y) raises "ValueError: Using
    a target size (torch.Size([64])) that is different to the input size (torch.Size([64, 1]))". Diagnosis
    (thread): y = y.unsqueeze(1) (squeezing y_pred with .detach() broke backward). The loss raises rather than
    broadcast, so loss_error (with the shapes and the unsqueeze), not broadcast_in_loss; and no sample is
    ignored: an untrained classifier's outputs all sit near 0.5, so a small move is judged against their spread."""
    torch.manual_seed(0)
    x, y = _prepadded_tweets()
    return TweetLSTMClassifier(), x, y, nn.functional.binary_cross_entropy


@correct(not_trained_here="a binary label under binary_cross_entropy: the collection's bar is 5% of var(y) in "
         "MSE units")
def fernandolpz9_bce_with_the_target_unsqueezed() -> Setup:
    """The thread's fix (same source): y.unsqueeze(1), (64, 1) like the prediction."""
    torch.manual_seed(0)
    x, y = _prepadded_tweets()
    return TweetLSTMClassifier(), x, y.unsqueeze(1), nn.functional.binary_cross_entropy


class HHTsengVarLenDecoder(nn.Module):
    """HHTseng/video-classification's DecoderRNN_varlen: a packed 3-layer LSTM, re-padded with pad_packed_sequence;
    ``at_lengths``: commit f077d27, each sequence's last real output, instead of RNN_out[:, -1, :]. The lengths come
    from the zero padding (the repository passes them as a second argument)."""

    def __init__(self, at_lengths: bool, features: int = 16, hidden: int = 32, classes: int = 5):
        super().__init__()
        self.at_lengths = at_lengths
        self.LSTM = nn.LSTM(features, hidden, num_layers=3, batch_first=True)
        self.fc1 = nn.Linear(hidden, 16)
        self.fc2 = nn.Linear(16, classes)

    def forward(self, x_rnn):
        lengths = (x_rnn.abs().sum(-1) > 0).sum(1)
        ordered, perm = lengths.sort(0, descending=True)
        packed = nn.utils.rnn.pack_padded_sequence(x_rnn[perm], ordered, batch_first=True)
        out, _ = self.LSTM(packed, None)
        out, out_lengths = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        _, unperm = perm.sort(0)
        if self.at_lengths:
            last = torch.stack([out[i][length - 1] for i, length in enumerate(out_lengths)])[unperm]
        else:
            last = out.contiguous()[unperm][:, -1, :]
        return self.fc2(torch.relu(self.fc1(last)))


def _padded_videos(count: int = 16, steps: int = 20, features: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """CNN features of videos of 8 to 20 frames, zero-padded at the end (the longest has 20), and a class."""
    generator = torch.Generator().manual_seed(4)
    lengths = torch.randint(8, steps + 1, (count,), generator=generator)
    lengths[0] = steps
    x = torch.zeros(count, steps, features)
    for i in range(count):
        x[i, :lengths[i]] = torch.randn(int(lengths[i]), features, generator=generator)
    return x, torch.randint(0, 5, (count,), generator=generator)


@buggy("samples_ignored")
def hhtseng39_packed_output_read_at_the_padded_last_step() -> Setup:
    """Source: https://github.com/HHTseng/video-classification/issues/39 ("Problem with ResnetCRNN_varlen"). The
    packed LSTM output is re-padded with pad_packed_sequence and read as RNN_out[:, -1, :]. Diagnosis (thread,
    fixed in commit f077d27): for every video shorter than the longest the last step is zero padding; use the
    lengths pad_packed_sequence returns."""
    torch.manual_seed(0)
    x, y = _padded_videos()
    return HHTsengVarLenDecoder(at_lengths=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def hhtseng39_last_real_output_from_the_lengths() -> Setup:
    """The fix in commit f077d27 (same source): RNN_out[i][length - 1] with the lengths from pad_packed_sequence."""
    torch.manual_seed(0)
    x, y = _padded_videos()
    return HHTsengVarLenDecoder(at_lengths=True), x, y, nn.CrossEntropyLoss()


class LightningDemoTransformer(nn.Module):
    """lightning.pytorch.demos.Transformer: forward(inputs, target) through nn.Transformer(batch_first=True) with a
    causal tgt_mask only, log_softmax, output.view(-1, vocabulary). x packs (inputs, target) as x[:, 0] and x[:, 1]
    so that model(x) runs; the positional encoding's result is discarded, as in the demo."""

    def __init__(self, vocabulary: int = 200, width: int = 32):
        super().__init__()
        self.vocabulary, self.width = vocabulary, width
        self.embedding = nn.Embedding(vocabulary, width)
        self.dropout = nn.Dropout(0.2)
        self.transformer = nn.Transformer(d_model=width, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                          dim_feedforward=32, dropout=0.2, batch_first=True)
        self.decoder = nn.Linear(width, vocabulary)

    def forward(self, x):
        inputs, target = x[:, 0], x[:, 1]
        mask = nn.Transformer.generate_square_subsequent_mask(inputs.shape[1])
        src = self.dropout(self.embedding(inputs) * math.sqrt(self.width))
        target = self.dropout(self.embedding(target) * math.sqrt(self.width))
        output = self.decoder(self.transformer(src, target, tgt_mask=mask))
        return nn.functional.log_softmax(output, dim=-1).view(-1, self.vocabulary)


class WordLanguageTransformer(nn.Module):
    """pytorch/examples word_language_model's TransformerModel, batch first: an encoder over the inputs, with the
    causal src_mask (``causal``) or without it, log_softmax, output.view(-1, vocabulary) as in the Lightning demo."""

    def __init__(self, causal: bool, vocabulary: int = 200, width: int = 32):
        super().__init__()
        self.causal, self.vocabulary, self.width = causal, vocabulary, width
        self.embedding = nn.Embedding(vocabulary, width)
        layer = nn.TransformerEncoderLayer(width, 2, 32, 0.2, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.decoder = nn.Linear(width, vocabulary)

    def forward(self, inputs):
        mask = nn.Transformer.generate_square_subsequent_mask(inputs.shape[1]) if self.causal else None
        output = self.decoder(self.encoder(self.embedding(inputs) * math.sqrt(self.width), mask=mask))
        return nn.functional.log_softmax(output, dim=-1).view(-1, self.vocabulary)


def _token_blocks(count: int = 16, block: int = 35) -> tuple[torch.Tensor, torch.Tensor]:
    """The demo's WikiText2 blocks on a random stream of 200 ids: inputs data[i : i + 35], target data[i + 1 :
    i + 36], both (count, 35)."""
    stream = torch.randint(0, 200, (count * block + 1,), generator=torch.Generator().manual_seed(5))
    inputs = torch.stack([stream[i * block:(i + 1) * block] for i in range(count)])
    target = torch.stack([stream[i * block + 1:(i + 1) * block + 1] for i in range(count)])
    return inputs, target


@buggy("target_in_input")
def lightning20920_decoder_fed_the_target_it_predicts() -> Setup:
    """Source: https://github.com/Lightning-AI/pytorch-lightning/issues/20920 ("Code issue in demo"). The demo's
    encoder-decoder nn.Transformer predicts the next token with model(inputs, target) and nll_loss(output,
    target.view(-1)). Diagnosis (issue, fixed by PR #21033): there is no src mask, so the whole source is seen,
    and the target is the source shifted by one: a future leak. The decoder is fed the target itself as well,
    so every target step is at a fixed position of the input (x[:, 1]); the prediction and the target are
    flattened to (16 * 35, ...) and read per sample."""
    torch.manual_seed(0)
    inputs, target = _token_blocks()
    return LightningDemoTransformer(), torch.stack([inputs, target], 1), target.reshape(-1), nn.functional.nll_loss


@buggy("future_leak")
def lightning20920_encoder_without_a_source_mask() -> Setup:
    """The leak the issue names, alone (same source): the encoder reads the inputs with no mask, and the target is
    the inputs shifted by one, so step t attends to step t + 1. Output flattened with view(-1, vocabulary) and the
    target with view(-1), as in the demo: both are read as (16, 35, ...)."""
    torch.manual_seed(0)
    inputs, target = _token_blocks()
    return WordLanguageTransformer(causal=False), inputs, target.reshape(-1), nn.functional.nll_loss


@correct(not_trained_here="random next-token ids under nll_loss: the collection's bar is an MSE")
def lightning20920_encoder_with_a_causal_source_mask() -> Setup:
    """The masking PR #21033 adds, as in the pytorch/examples word_language_model it cites (same source): the
    encoder's src_mask = generate_square_subsequent_mask(35), so step t attends to steps <= t."""
    torch.manual_seed(0)
    inputs, target = _token_blocks()
    return WordLanguageTransformer(causal=True), inputs, target.reshape(-1), nn.functional.nll_loss


class TorchNLPAttention(nn.Module):
    """torchnlp.nn.Attention ("general") as of March 2018, its softmax over ``dim``: the scores are
    (batch * output_len, query_len)."""

    def __init__(self, dimensions: int, dim: int):
        super().__init__()
        self.linear_in = nn.Linear(dimensions, dimensions, bias=False)
        self.linear_out = nn.Linear(dimensions * 2, dimensions, bias=False)
        self.softmax = nn.Softmax(dim=dim)

    def forward(self, query, context):
        batch_size, output_len, dimensions = query.size()
        query_len = context.size(1)
        query = self.linear_in(query.reshape(batch_size * output_len, dimensions)).view(batch_size, output_len,
                                                                                      dimensions)
        scores = torch.bmm(query, context.transpose(1, 2).contiguous()).view(batch_size * output_len, query_len)
        weights = self.softmax(scores).view(batch_size, output_len, query_len)
        combined = torch.cat((torch.bmm(weights, context), query), dim=2).view(batch_size * output_len,
                                                                              2 * dimensions)
        return torch.tanh(self.linear_out(combined).view(batch_size, output_len, dimensions)), weights


class GRUWithTorchNLPAttention(nn.Module):
    """A GRU over the window, the torchnlp attention queried with its last step, a Linear head."""

    def __init__(self, dim: int):
        super().__init__()
        self.gru = nn.GRU(1, 16, batch_first=True)
        self.attention = TorchNLPAttention(16, dim)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        context, _ = self.gru(x)
        out, _ = self.attention(context[:, -1:, :], context)
        return self.head(out[:, 0])


def _noisy_sine_windows() -> tuple[torch.Tensor, torch.Tensor]:
    noise = 0.05 * torch.randn(300, generator=torch.Generator().manual_seed(6))
    xs, ys = windows(sine() + noise, 20)
    return xs.unsqueeze(-1), ys.unsqueeze(1)


@buggy("samples_mixed")
def torchnlp2_attention_softmax_over_the_batch() -> Setup:
    """Source: https://github.com/PetrochukM/PyTorch-NLP/issues/2 ("Attention's softmax dimension is wrong?"). The
    scores (batch * output_len, query_len) go through nn.Softmax(dim=0). Diagnosis (thread): the softmax runs over
    the first dimension, batch * output_len, instead of query_len (the weights are all 1 for a batch of one); use
    dim=-1. The attention as posted, queried with the last step of a GRU over sine windows."""
    torch.manual_seed(0)
    x, y = _noisy_sine_windows()
    return GRUWithTorchNLPAttention(dim=0), x, y


@correct()
def torchnlp2_attention_softmax_over_the_query() -> Setup:
    """The thread's fix (same source): nn.Softmax(dim=-1), over each query's scores."""
    torch.manual_seed(0)
    x, y = _noisy_sine_windows()
    return GRUWithTorchNLPAttention(dim=-1), x, y


class JanossyPoolingGRU(nn.Module):
    """gnn-neural-readouts' Janossy pooling with fc_or_rnn='GRU': each graph's node embeddings (nodes, features),
    with the features of every node shuffled twice (the repository's _tensor_permutation, torch's generator here),
    the two copies stacked on the batch axis, a GRU's last step, the mean over the copies, a Linear head.
    ``over_features``: as posted, the GRU (input_size = nodes) reads x.permute(0, 2, 1), (batch, features, nodes);
    otherwise it reads (batch, nodes, features) with input_size = features."""

    def __init__(self, over_features: bool, nodes: int = 10, features: int = 16, copies: int = 2):
        super().__init__()
        self.over_features, self.copies = over_features, copies
        self.nn = nn.GRU(nodes if over_features else features, features, batch_first=True)
        self.head = nn.Linear(features, 1)

    def forward(self, x):
        batch, nodes, features = x.shape
        order = torch.stack([torch.randperm(features) for _ in range(self.copies * batch * nodes)])
        shuffled = torch.gather(x.repeat(self.copies, 1, 1), 2, order.view(self.copies * batch, nodes, features))
        output, _ = self.nn(shuffled.permute(0, 2, 1) if self.over_features else shuffled)
        out = torch.stack(torch.tensor_split(output[:, -1, :], self.copies, dim=0)).mean(dim=0)
        return self.head(out)


def _graph_embeddings() -> tuple[torch.Tensor, torch.Tensor]:
    """32 graphs of 10 node embeddings of 16 features (a GNN's output) and a graph-level target."""
    x = torch.randn(32, 10, 16, generator=torch.Generator().manual_seed(7))
    return x, x.sum((1, 2)).unsqueeze(1) / 10


@limit({"checks_skipped"}, "the GRU recurs over the feature axis: shapes agree (input_size is the number of nodes) "
       "and no sample is mixed, and node embeddings have no order in either axis that the values could show; the "
       "batch the GRU reads stacks two copies of each graph, so the per-sample checks cannot run either, and the "
       "report says so")
def janossy1_gru_over_the_feature_axis() -> Setup:
    """Source: https://github.com/davidbuterez/gnn-neural-readouts/issues/1 ("Question about Janossy gru").
    GRU(batch_first=True, input_size=max_num_atoms) reads x.permute(0, 2, 1), (batch, features, nodes): it recurs
    over the features, each step seeing every node. Diagnosis (maintainer): an error from following the GRU docs
    and disregarding the permute; the GRU should read (batch, nodes, features)."""
    torch.manual_seed(0)
    x, y = _graph_embeddings()
    return JanossyPoolingGRU(over_features=True), x, y


@correct(not_trained_here="a sum over shuffled node features through a GRU: not the collection's series")
def janossy1_gru_over_the_nodes() -> Setup:
    """What the maintainer says it should be (same source): the GRU reads (batch, nodes, features), input_size =
    the 16 features. The copies stacked on the batch axis still hide the samples: a note only."""
    torch.manual_seed(0)
    x, y = _graph_embeddings()
    return JanossyPoolingGRU(over_features=False), x, y


class LastStepForecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def _series_near_300() -> torch.Tensor:
    t = torch.arange(600.0)
    noise = 5 * torch.randn(600, generator=torch.Generator().manual_seed(8))
    return 300 + 0.1 * t + 40 * torch.sin(2 * math.pi * t / 24) + noise


@buggy("unscaled_target")
def sktime_forecasting1_raw_target_near_300() -> Setup:
    """Source: https://github.com/sktime/pytorch-forecasting/issues/1 ("Validation Data is not generated
    properly"): the target is about 300 and the predictions about 0.x after training. Diagnosis (maintainer):
    "to train, timeseries should be normalized" (target normalisation added in PR #2). An LSTM on raw windows of
    48 values of a series near 300, the next value as target."""
    torch.manual_seed(0)
    xs, ys = windows(_series_near_300(), 48)
    return LastStepForecaster(), xs.unsqueeze(-1), ys.unsqueeze(-1)


@correct()
def sktime_forecasting1_series_standardised() -> Setup:
    """The maintainer's fix (same source): the series standardised with its mean and std (undone on the
    predictions) before windowing."""
    torch.manual_seed(0)
    series = _series_near_300()
    xs, ys = windows((series - series.mean()) / series.std(), 48)
    return LastStepForecaster(), xs.unsqueeze(-1), ys.unsqueeze(-1)


class TDANetAttention(nn.Module):
    """TDANet's MultiHeadAttention block: [B, N, T] transposed to [B, T, N], a layer norm and a positional table,
    nn.MultiheadAttention(in_channels, n_head, dropout) (``batch_first`` as given), a residual and a norm."""

    def __init__(self, channels: int, heads: int, batch_first: bool):
        super().__init__()
        position = torch.arange(0, 1000).unsqueeze(1).float()
        div_term = torch.exp(torch.arange(0, channels, 2).float() * -(math.log(10000.0) / channels))
        pe = torch.zeros(1000, channels)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(position * div_term), torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))
        self.attn_in_norm = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, heads, 0.1, batch_first=batch_first)
        self.norm = nn.LayerNorm(channels)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        x = x.transpose(1, 2)
        output = self.attn_in_norm(x) + self.pe[:, :x.size(1)]
        output, _ = self.attn(output, output, output)
        return self.norm(output + self.dropout(output)).transpose(1, 2)


class TinyTDANet(nn.Module):
    """A one-block separator around it: Conv1d encoder, the attention block, a 1x1 MLP, a mask, a transposed
    convolution back to the waveform."""

    def __init__(self, batch_first: bool, basis: int = 32, kernel: int = 16):
        super().__init__()
        self.encoder = nn.Conv1d(1, basis, kernel, stride=kernel // 2, bias=False)
        self.attn = TDANetAttention(basis, 8, batch_first)
        self.mlp = nn.Sequential(nn.Conv1d(basis, 2 * basis, 1), nn.ReLU(), nn.Conv1d(2 * basis, basis, 1))
        self.mask = nn.Conv1d(basis, basis, 1)
        self.decoder = nn.ConvTranspose1d(basis, 1, kernel, stride=kernel // 2, bias=False)

    def forward(self, wav):
        s = self.encoder(wav)
        h = s + self.attn(s)
        h = h + self.mlp(h)
        return self.decoder(torch.relu(self.mask(h)) * s)


def _noisy_waveforms(count: int = 8, length: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixtures (count, 1, length): a sine of a random frequency under noise; the clean sine is the target."""
    generator = torch.Generator().manual_seed(9)
    frequency = torch.rand(count, 1, 1, generator=generator) * 0.05 + 0.02
    clean = 0.5 * torch.sin(frequency * torch.arange(length, dtype=torch.float32))
    return clean + 0.3 * torch.randn(count, 1, length, generator=generator), clean


@buggy("samples_mixed")
def tdanet3_attention_without_batch_first() -> Setup:
    """Source: https://github.com/JusperLee/TDANet/issues/3 ("MultiHeadAttention Input shape may be wrong"). The
    global attention block feeds [B, T, C] to nn.MultiheadAttention, which wants [T, B, C]. Diagnosis (thread, the
    author agreed: "it is a code error"): the attention weights act on the batch dimension instead of time. Only 8
    waveforms of similar sines: the target is close to x, but no shift of at most half the batch matches it, so
    the samples stay on axis 0."""
    torch.manual_seed(0)
    x, y = _noisy_waveforms()
    return TinyTDANet(batch_first=False), x, y


@correct()
def tdanet3_attention_with_batch_first() -> Setup:
    """The thread's fix (same source): nn.MultiheadAttention(..., batch_first=True) for the [B, T, C] input."""
    torch.manual_seed(0)
    x, y = _noisy_waveforms()
    return TinyTDANet(batch_first=True), x, y


class DGAIWordLSTM(nn.Module):
    """markhliu/DGAI's WordLSTM: embedding, a 3-layer batch-first LSTM from zero states, a Linear at every step."""

    def __init__(self, vocabulary: int, width: int = 32, layers: int = 3):
        super().__init__()
        self.layers, self.width = layers, width
        self.embedding = nn.Embedding(vocabulary, width)
        self.lstm = nn.LSTM(width, width, num_layers=layers, dropout=0.2, batch_first=True)
        self.fc = nn.Linear(width, vocabulary)

    def forward(self, x):
        zeros = torch.zeros(self.layers, x.size(0), self.width)
        out, _ = self.lstm(self.embedding(x), (zeros, zeros))
        return self.fc(out)


def _cross_entropy_over_transposed_logits(output, targets):
    return nn.functional.cross_entropy(output.transpose(1, 2), targets)


@correct(not_trained_here="random next-word ids under cross-entropy: the collection's bar is an MSE")
def dgai7_word_lstm_cross_entropy_over_transposed_logits() -> Setup:
    """Source: https://github.com/markhliu/DGAI/issues/7 (ch08 text generation). Windows of word ids, the targets
    the same windows shifted by one, loss_func(output.transpose(1, 2), targets). Diagnosis (thread): the transpose
    is needed, CrossEntropyLoss wants the logits as (N, C, d1)."""
    torch.manual_seed(0)
    words = torch.randint(0, 300, (2000,), generator=torch.Generator().manual_seed(10))
    starts = torch.randint(0, 2000 - 31, (32,), generator=torch.Generator().manual_seed(11))
    x = torch.stack([words[s:s + 30] for s in starts])
    y = torch.stack([words[s + 1:s + 31] for s in starts])
    return DGAIWordLSTM(300), x, y, _cross_entropy_over_transposed_logits


class InceptionModule(nn.Module):
    """InceptionTime-Pytorch's Inception: a 1x1 bottleneck, three convolutions and a max-pool branch, BatchNorm."""

    def __init__(self, channels: int, filters: int = 8, kernels: tuple[int, ...] = (9, 19, 39)):
        super().__init__()
        self.bottleneck = nn.Conv1d(channels, 32, 1, bias=False) if channels > 1 else nn.Identity()
        width = 32 if channels > 1 else 1
        self.convs = nn.ModuleList([nn.Conv1d(width, filters, k, padding=k // 2, bias=False) for k in kernels])
        self.max_pool = nn.MaxPool1d(3, stride=1, padding=1)
        self.conv_from_maxpool = nn.Conv1d(channels, filters, 1, bias=False)
        self.batch_norm = nn.BatchNorm1d(4 * filters)

    def forward(self, x):
        z = self.bottleneck(x)
        branches = [conv(z) for conv in self.convs] + [self.conv_from_maxpool(self.max_pool(x))]
        return torch.relu(self.batch_norm(torch.cat(branches, 1)))


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def inceptiontime3_conv1d_reads_sample_feature_time() -> Setup:
    """Source: https://github.com/TheMrGhostman/InceptionTime-Pytorch/issues/3 ("how to arrange the axes of the
    input training tensor?"). Diagnosis (maintainer): (sample, feature, time), e.g. (100, 3, 160). One Inception
    module, average pooling over time and a Linear head, 4 classes of sines; 32 samples of 80 steps here."""
    generator = torch.Generator().manual_seed(11)
    torch.manual_seed(0)
    labels = torch.randint(0, 4, (32,), generator=generator)
    steps = torch.arange(80, dtype=torch.float32)
    x = torch.sin(0.05 * (labels.float() + 1).view(32, 1, 1) * steps) + 0.3 * torch.randn(32, 3, 80,
                                                                                             generator=generator)
    model = nn.Sequential(InceptionModule(3), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(32, 4))
    return model, x, labels, nn.CrossEntropyLoss()


class CNNLSTMForecaster(nn.Module):
    """The blog's CNN_LSTM: permute to channels first, Conv1d + ReLU + MaxPool1d, permute back, a batch-first LSTM,
    a Linear at every step, the last step."""

    def __init__(self, channels: int = 7, filters: int = 32, hidden: int = 64):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(channels, filters, 3), nn.ReLU(), nn.MaxPool1d(3, stride=1))
        self.lstm = nn.LSTM(filters, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        x = self.conv(x.permute(0, 2, 1)).permute(0, 2, 1)
        x, _ = self.lstm(x)
        return self.fc(x)[:, -1, :]


@correct(not_trained_here="seven noisy channels: 40 epochs do not reach 5% of var(y)")
def flashgene_cnn_lstm_load_forecast() -> Setup:
    """Source: https://flashgene.com/archives/240303.html (a CNN-LSTM load forecasting tutorial). (batch, 24 steps,
    7 inputs) -> permute -> Conv1d -> permute -> LSTM(batch_first) -> fc -> x[:, -1, :]; the data min-max scaled,
    the target the next load value. The permutes put the channels where Conv1d wants them and back: right. A
    synthetic load with 6 covariates here."""
    generator = torch.Generator().manual_seed(12)
    torch.manual_seed(0)
    t = torch.arange(500, dtype=torch.float32)
    load = torch.sin(2 * math.pi * t / 24) + 0.3 * torch.sin(2 * math.pi * t / 168) + 0.1 * torch.randn(
        500, generator=generator)
    covariates = torch.stack([torch.sin(2 * math.pi * t / 24 + k) + 0.2 * torch.randn(500, generator=generator)
                              for k in range(6)], 1)
    data = torch.cat([load.unsqueeze(1), covariates], 1)
    data = (data - data.min(0).values) / (data.max(0).values - data.min(0).values)
    starts = torch.randperm(500 - 24, generator=generator)[:120]
    x = torch.stack([data[i:i + 24] for i in starts])
    y = torch.stack([data[i + 24, :1] for i in starts])
    return CNNLSTMForecaster(), x, y


class PermutingLSTMClassifier(nn.Module):
    """prakashpandey9/Text-Classification-Pytorch's LSTMClassifier: a frozen embedding table, the embeddings
    permuted to (seq, batch, emb) for a sequence-first nn.LSTM from zero states, logits from h_n[-1]."""

    def __init__(self, batch: int, vocabulary: int = 500, width: int = 50, hidden: int = 32):
        super().__init__()
        self.batch, self.hidden = batch, hidden
        self.word_embeddings = nn.Embedding(vocabulary, width)
        self.word_embeddings.weight = nn.Parameter(torch.randn(vocabulary, width), requires_grad=False)
        self.lstm = nn.LSTM(width, hidden)
        self.label = nn.Linear(hidden, 2)

    def forward(self, sentence):
        embedded = self.word_embeddings(sentence).permute(1, 0, 2)
        zeros = torch.zeros(1, self.batch, self.hidden)
        _, (final_hidden_state, _) = self.lstm(embedded, (zeros, zeros))
        return self.label(final_hidden_state[-1])


@correct(not_trained_here="class indices: the collection's bar is 5% of var(y) in MSE units")
def prakashpandey15_embeddings_permuted_for_a_sequence_first_lstm() -> Setup:
    """Source: https://github.com/prakashpandey9/Text-Classification-Pytorch/issues/15 ("Use of permute"). The
    embeddings (batch, words, emb) are permuted to (words, batch, emb) for the default sequence-first nn.LSTM, the
    logits come from final_hidden_state[-1]. The thread asks why the permute is there: it is what makes the
    default layout right."""
    torch.manual_seed(0)
    x = torch.randint(0, 500, (32, 40), generator=torch.Generator().manual_seed(13))
    y = (x[:, -5:] < 250).sum(1).gt(2).long()
    return PermutingLSTMClassifier(batch=32), x, y, nn.CrossEntropyLoss()


class TimeSequencePrediction(nn.Module):
    """pytorch/examples time_sequence_prediction's Sequence: two LSTMCells in a loop over the columns of a (N, L)
    double tensor, a Linear at every step, the outputs concatenated to (N, L)."""

    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, x):
        outputs = []
        h_t, c_t, h_t2, c_t2 = (torch.zeros(x.size(0), 51, dtype=torch.double) for _ in range(4))
        for input_t in x.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            outputs.append(self.linear(h_t2))
        return torch.cat(outputs, dim=1)


@correct()
def pytorch_examples215_lstmcell_loop_over_the_columns() -> Setup:
    """Source: https://github.com/pytorch/examples/issues/215 ("Time Sequence Prediction broken..."), the example
    time_sequence_prediction as in the repository: sines of period 2 pi T with random shifts, input = data[3:, :-1],
    target = data[3:, 1:], float64. Shortened to N = 20 series of L = 100. A 2-D double input read column by column
    by LSTMCells: no unbatched_input, no dtype_mismatch."""
    torch.manual_seed(0)
    shifts = np.random.default_rng(2).integers(-80, 80, 20).reshape(20, 1)
    data = np.sin((np.arange(100) + shifts) / 20.0)
    return (TimeSequencePrediction().double(), torch.from_numpy(data[3:, :-1]).clone(),
            torch.from_numpy(data[3:, 1:]).clone())


class KulowskiSeq2Seq(nn.Module):
    """lkulowski/LSTM_encoder_decoder: a sequence-first LSTM encoder, then a decoder LSTM fed its own previous
    output one step at a time from the encoder's state, starting from the last input (the repository's recursive
    prediction, which has no forward() of its own)."""

    def __init__(self, hidden: int = 15, horizon: int = 20):
        super().__init__()
        self.horizon = horizon
        self.encoder = nn.LSTM(1, hidden)
        self.decoder = nn.LSTM(1, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x):
        _, state = self.encoder(x)
        step, outputs = x[-1], []
        for _ in range(self.horizon):
            out, state = self.decoder(step.unsqueeze(0), state)
            step = self.linear(out.squeeze(0))
            outputs.append(step)
        return torch.stack(outputs)


@correct(not_trained_here="20 steps predicted recursively from an 80-step window: 40 epochs do not reach the bar")
def kulowski1_sequence_first_encoder_decoder() -> Setup:
    """Source: https://github.com/lkulowski/LSTM_encoder_decoder/issues/1 ("Possible API misunderstanding"). The
    windowed data are (seq_len, # in batch, features), input window 80, target window 20, both sequence-first like
    the default nn.LSTM; the prediction is recursive. Diagnosis (thread): the layout agrees with the layers. A noisy
    two-period sinusoid as in generate_dataset.py, stride 5."""
    torch.manual_seed(0)
    t = torch.linspace(0, 80, 1000)
    series = (2 * torch.sin(2 * math.pi * 0.02 * t) + 0.5 * torch.sin(2 * math.pi * 0.05 * t)
              + 0.2 * torch.randn(1000, generator=torch.Generator().manual_seed(15)))
    starts = range(0, 1000 - 100 + 1, 5)
    x = torch.stack([series[i:i + 80] for i in starts], 1).unsqueeze(-1)
    y = torch.stack([series[i + 80:i + 100] for i in starts], 1).unsqueeze(-1)
    return KulowskiSeq2Seq(), x, y


# --- d6 blind test: softmax into the loss, Conv1d over embeddings, crashes on common shapes ---------------
# Re-typed from /work/review/d6/setups.py (a new user's blind test of 18 public setups); the twins after them
# are the fixes the threads describe.


def _d6_sine_streams(count: int, steps: int, seed: int = 0) -> torch.Tensor:
    """(count, steps) sines of random phase and frequency."""
    g = torch.Generator().manual_seed(seed)
    phase = torch.rand(count, 1, generator=g) * 6.28
    freq = 0.1 + 0.3 * torch.rand(count, 1, generator=g)
    return torch.sin(freq * torch.arange(steps, dtype=torch.float32) + phase)


class FernandoTextCNN(nn.Module):
    """FernandoLpz/Text-Classification-CNN-PyTorch src/model/model.py, sizes shrunk (seq_len 35 -> 12,
    embedding 64 -> 16, out_size 32 -> 8); fc's in_features computed instead of the hard-coded 1440."""

    def __init__(self, seq_len=12, num_words=50, embedding_size=16, out_size=8, stride=2):
        super().__init__()
        self.embedding = nn.Embedding(num_words, embedding_size, padding_idx=0)
        self.conv_1 = nn.Conv1d(seq_len, out_size, 2, stride)
        self.conv_2 = nn.Conv1d(seq_len, out_size, 3, stride)
        self.conv_3 = nn.Conv1d(seq_len, out_size, 4, stride)
        self.pool_1 = nn.MaxPool1d(2, stride)
        self.pool_2 = nn.MaxPool1d(3, stride)
        self.pool_3 = nn.MaxPool1d(4, stride)
        with torch.no_grad():
            n = self._features(torch.zeros(1, seq_len, dtype=torch.long)).shape[1]
        self.fc = nn.Linear(n, 1)

    def _features(self, x):
        x = self.embedding(x)                      # (batch, seq_len, embedding): Conv1d reads seq_len as channels
        x1 = self.pool_1(torch.relu(self.conv_1(x)))
        x2 = self.pool_2(torch.relu(self.conv_2(x)))
        x3 = self.pool_3(torch.relu(self.conv_3(x)))
        union = torch.cat((x1, x2, x3), 2)
        return union.reshape(union.size(0), -1)

    def forward(self, x):
        return torch.sigmoid(self.fc(self._features(x)))


@buggy("conv_over_features")
def fernandolpz_textcnn_conv_over_embedding() -> Setup:
    """Source: https://github.com/FernandoLpz/Text-Classification-CNN-PyTorch/issues/3 ("Wrong
    convolution"). Diagnosis (issue + comment): the convolution in forward is wrong, x must be
    x.permute(0, 2, 1) before the Conv1d layers, and in_channels must then be the embedding size; as written
    Conv1d treats the 35 token positions as channels and slides along the embedding dimensions.
    As in run.py: y_batch.type(FloatTensor) of shape (batch,), F.binary_cross_entropy(y_pred, y_batch)."""
    torch.manual_seed(0)
    x = torch.randint(1, 50, (64, 12))
    y = (x[:, :6].float().mean(1) > x[:, 6:].float().mean(1)).float()
    return FernandoTextCNN(), x, y, F.binary_cross_entropy


class SOLSTMClassifier(nn.Module):
    """The question's class, made to construct (super().__init__() and the stored sizes were missing)."""

    def __init__(self, input_dim, hidden_dim, label_size, batch_size):
        super().__init__()
        self.hidden_dim, self.batch_size = hidden_dim, batch_size
        self.lstm = nn.LSTM(input_dim, hidden_dim)
        self.hidden2label = nn.Linear(hidden_dim, label_size)
        self.hidden = self.init_hidden()

    def init_hidden(self):
        return (torch.zeros(1, self.batch_size, self.hidden_dim),
                torch.zeros(1, self.batch_size, self.hidden_dim))

    def forward(self, x):
        lstm_out, self.hidden = self.lstm(x, self.hidden)
        y = self.hidden2label(lstm_out[-1])
        return F.log_softmax(y, dim=1)


@buggy("layout_mismatch")
def so64953445_lstm_classifier_state_and_layout() -> Setup:
    """Source: https://example-a.com/answer/64953445 (copy of the Stack Overflow question "How can I use
    an LSTM to classify a series of vectors into two categories in Pytorch"). The poster gets "a bunch of shape
    errors". Diagnosis (accepted answer): pass batch_first=True for (batch, timesteps, features) input; do not
    keep and pass self.hidden (it makes each batch continue the previous one, while samples are independent);
    use h_n reshaped to (batch, hidden). Data as the answer's (batch, 10, features), two classes, NLLLoss."""
    torch.manual_seed(0)
    x = torch.randn(16, 10, 8)
    y = (x[:, :, 0].mean(1) > 0).long()
    return SOLSTMClassifier(8, 32, 2, batch_size=16), x, y, nn.NLLLoss()


class MOFPositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=2048):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0)]        # written for [seq_len, batch, d]; x is [batch, seq_len, d]
        return self.dropout(x)


class MOFTransformerRegressor(nn.Module):
    """zcao0420/MOFormer model/transformer.py: Transformer (batch_first encoder) + regressoionHead on output[:, 0:1]."""

    def __init__(self, ntoken=30, d_model=32, nhead=4, d_hid=64, nlayers=2, dropout=0.1):
        super().__init__()
        self.d_model = d_model
        self.pos_encoder = MOFPositionalEncoding(d_model, dropout)
        layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout, batch_first=True)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.token_encoder = nn.Embedding(ntoken, d_model)
        self.head = nn.Sequential(nn.Linear(d_model, d_model // 2), nn.ReLU(), nn.Linear(d_model // 2, d_model // 4),
                                  nn.ReLU(), nn.Linear(d_model // 4, d_model // 8), nn.ReLU(),
                                  nn.Linear(d_model // 8, 1))

    def forward(self, src):
        src = self.token_encoder(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src)
        return self.head(output[:, 0:1, :])


@buggy("sample_position_used")
def moformer_positional_encoding_on_batch_axis() -> Setup:
    """Source: https://github.com/zcao0420/MOFormer/issues/9 ("some potential issues for your
    transformer"). Diagnosis (issue): the fine-tuning input is [batch_size, seq_len] but PositionalEncoding
    adds self.pe[:x.size(0)] as if x were [seq_len, batch_size, emb], so the encoding is taken along the batch
    axis. Tokens right-padded with 0 to a fixed length (padding='max_length'), a CLS-like id 1 first; the
    target is (batch, 1, 1) as MOF_ID_Dataset's .view(-1, 1) makes it, normalised; MSELoss."""
    torch.manual_seed(0)
    batch, length = 16, 24
    x = torch.zeros(batch, length, dtype=torch.long)
    lengths = torch.randint(10, length, (batch,))
    for i, n in enumerate(lengths):
        x[i, 0] = 1
        x[i, 1:n] = torch.randint(2, 30, (int(n) - 1,))
    y = ((x == 5).float().sum(1) - 0.5).view(batch, 1, 1)
    y = (y - y.mean()) / y.std()
    return MOFTransformerRegressor(), x, y, nn.MSELoss()


class T2ELSTMClassifier(nn.Module):
    """Demfier/multimodal-speech-emotion-recognition lstm_classifier/t2e/lstm_classifier.py; forward's unused
    input_lengths argument dropped so the doctor can call model(x)."""

    def __init__(self, vocab_size=40, embedding_dim=16, hidden_dim=16, n_layers=2, output_dim=6):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = nn.LSTM(embedding_dim, hidden_dim, bias=True, num_layers=n_layers, dropout=0.2,
                           bidirectional=True)
        self.out = nn.Linear(2 * hidden_dim, output_dim)

    def forward(self, input_seq):
        embedded = self.embedding(input_seq)           # [max_seq_len, batch_size, emb]
        rnn_output, (hidden, _) = self.rnn(embedded)
        rnn_output = torch.cat((rnn_output[-1, :, :self.hidden_dim], rnn_output[0, :, self.hidden_dim:]), dim=1)
        return F.softmax(self.out(rnn_output), dim=1)


@buggy("loss_input_kind")
def demfier_t2e_softmax_into_nllloss() -> Setup:
    """Source: https://github.com/Demfier/multimodal-speech-emotion-recognition/issues/38 ("wrong code at
    t2e/lstm_classifier.py"). Diagnosis (issue): class_scores = F.softmax(self.out(rnn_output), dim=1) is fed
    to criterion = nn.NLLLoss(); it should be F.log_softmax. Input [max_seq_len, batch] ids (right-padded
    with 0), 6 emotion classes."""
    torch.manual_seed(0)
    seq, batch = 20, 24
    x = torch.randint(1, 40, (seq, batch))
    lengths = torch.randint(8, seq + 1, (batch,))
    for b, n in enumerate(lengths):
        x[n:, b] = 0
    y = x[0] % 6
    return T2ELSTMClassifier(), x, y, nn.NLLLoss()


class Seq2SeqNoBatchFirst(nn.Module):
    """Reconstructed from the question's description (its code blocks are not in the stored copy): nn.LSTM
    with the default layout, then a Linear from the hidden state to `features` at every step."""

    def __init__(self, features=1, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden)
        self.linear = nn.Linear(hidden, features)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear(out)


@limit({"layout_undecided"}, "the target is laid out like the input and the values, integers 0-3 of a periodic "
       "pattern, are neither smooth along one axis nor continued by the target: a note says the layout was not checked")
def tsys17570_seq2seq_lstm_without_batch_first() -> Setup:
    """Source: https://www.51tsys.com/article/17570.html (a translated copy of a Stack Overflow question:
    sequences of 10 integers in 0..3, MinMax-scaled to [0, 1], the first 5 predict the next 5, tensors
    [bs, seq_length, features]). Diagnosis (answer): nn.LSTM expects (sl, bs, features) by default, so the
    code processes the wrong dimension; pass batch_first=True. Also the framing is flawed: step i has only
    seen steps 0..i but must predict step i + 5."""
    torch.manual_seed(0)
    pattern = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0, 1, 2, 3, 2], dtype=torch.float32)
    series = pattern.repeat(30)
    starts = torch.randperm(len(series) - 10)[:32]
    windows = torch.stack([series[s:s + 10] for s in starts]) / 3.0
    x, y = windows[:, :5].unsqueeze(-1), windows[:, 5:].unsqueeze(-1)
    return Seq2SeqNoBatchFirst(), x, y, nn.MSELoss()


class RampLSTM(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


@buggy("time_as_input")
def pytroubles_time_ramp_input_to_sine() -> Setup:
    """Source: https://pytroubles.com/en/posts/id2679-why-your-lstm-stalls-on-sine-wave-forecasting-and-
    how-to-fix-it-with-target-history-normalization (Keras original, re-typed in PyTorch; the Keras model is
    not shown, an LSTM + Dense head is assumed). x_vals = arange(0, 2000, 0.5), y_vals = 20 * sin(x_vals);
    windows of HIST + PRED steps; the input is the time values, the target the next PRED values of y.
    Diagnosis (page): the model is fed a linearly increasing time index instead of recent values of the target,
    and the large unnormalised amplitude makes it worse; feed target history, normalise. HIST = PRED = 20
    here (100 in the page), every 10th window."""
    hist = pred = 20
    x_vals = torch.arange(0, 2000, 0.5)
    y_vals = 20 * torch.sin(x_vals)
    starts = torch.arange(0, len(x_vals) - hist - pred, 10)
    x = torch.stack([x_vals[s:s + hist] for s in starts]).unsqueeze(-1)
    y = torch.stack([y_vals[s + hist:s + hist + pred] for s in starts])
    torch.manual_seed(0)
    return RampLSTM(pred), x, y, nn.MSELoss()


class VRAE(nn.Module):
    """tejaslodaya/timeseries-clustering-vae vrae/vrae.py (Encoder, Lambda, Decoder), forward returning the
    decoded series only (the original returns (x_decoded, latent); the loss uses x_decoded)."""

    def __init__(self, sequence_length, batch_size, hidden_size=32, depth=2, latent_length=8):
        super().__init__()
        self.depth, self.hidden_size = depth, hidden_size
        self.encoder = nn.LSTM(1, hidden_size, depth)
        self.hidden_to_mean = nn.Linear(hidden_size, latent_length)
        self.hidden_to_logvar = nn.Linear(hidden_size, latent_length)
        self.decoder = nn.LSTM(1, hidden_size, depth)
        self.latent_to_hidden = nn.Linear(latent_length, hidden_size)
        self.hidden_to_output = nn.Linear(hidden_size, 1)
        self.decoder_inputs = torch.zeros(sequence_length, batch_size, 1)
        self.c_0 = torch.zeros(depth, batch_size, hidden_size)

    def forward(self, x):
        _, (h_end, c_end) = self.encoder(x)
        h_end = h_end[0, :, :]
        mean, logvar = self.hidden_to_mean(h_end), self.hidden_to_logvar(h_end)
        latent = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if self.training else mean
        h_state = self.latent_to_hidden(latent)
        h_0 = torch.stack([h_state for _ in range(self.depth)])
        decoder_output, _ = self.decoder(self.decoder_inputs, (h_0, self.c_0))
        return self.hidden_to_output(decoder_output)


@buggy("upper_layers_unused")
def tejaslodaya_vrae_reads_h_end_0() -> Setup:
    """Source: https://github.com/tejaslodaya/timeseries-clustering-vae/issues/3 ("Incorrect indexing in
    the forward pass of the encoder"). Diagnosis (issue, confirmed by the maintainer, PR merged): h_end =
    h_end[0, :, :] is wrong, it should be h_end[-1] (the issue says it reads "only the first data point";
    what it reads is layer 0's final state of the 2-layer LSTM). x is (sequence_length, batch, 1) after
    X.permute(1, 0).unsqueeze(-1); target = x (reconstruction); MSELoss(size_average=False)."""
    torch.manual_seed(0)
    series = _d6_sine_streams(16, 24)
    x = series.t().unsqueeze(-1)
    return VRAE(24, 16), x, x.clone(), nn.MSELoss(reduction="sum")


class HARNetwork(nn.Module):
    """jindongwang/Deep-learning-activity-recognition pytorch/network.py (9 channels x 128 steps)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(9, 32, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2), stride=2))
        self.conv2 = nn.Sequential(nn.Conv2d(32, 64, (1, 9)), nn.ReLU(), nn.MaxPool2d((1, 2), stride=2))
        self.fc1 = nn.Sequential(nn.Linear(64 * 26, 100), nn.ReLU())
        self.fc2 = nn.Sequential(nn.Linear(100, 50), nn.ReLU())
        self.fc3 = nn.Linear(50, 6)

    def forward(self, x):
        out = self.conv2(self.conv1(x))
        out = out.reshape(-1, 64 * 26)
        out = self.fc3(self.fc2(self.fc1(out)))
        return F.softmax(out, dim=1)


@buggy("loss_input_kind")
def jindongwang_har_softmax_before_cross_entropy() -> Setup:
    """Source: https://github.com/jindongwang/Deep-learning-activity-recognition/issues/10 ("Bug in
    code"). Diagnosis (issue, confirmed by the maintainer): nn.CrossEntropyLoss applies log-softmax itself,
    so the model must output raw scores; F.softmax before it is a mistake. Input (batch, 9, 1, 128) sensor
    windows (UCI HAR), 6 classes; fc widths shrunk (1000/500 -> 100/50)."""
    torch.manual_seed(0)
    t = torch.arange(128, dtype=torch.float32)
    classes = torch.randint(0, 6, (32,))
    freq = 0.05 + 0.05 * classes.float()
    x = torch.sin(freq.view(32, 1, 1, 1) * t + torch.rand(32, 9, 1, 1) * 6.28) + 0.1 * torch.randn(32, 9, 1, 128)
    return HARNetwork(), x, classes, nn.CrossEntropyLoss()


class LSTMForecaster(nn.Module):
    def __init__(self, hidden_size=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


@correct()
def airoads_lstm_forecaster_windows() -> Setup:
    """Source: https://airoads.org/ch06-deep-learning/ch04-rnn/03-sequence-practice/ (tutorial: "Keep
    LSTM inputs in [batch, seq_len, input_size]", windows of 16 on sin(0.12 t) + 0.25 sin(0.03 t) + noise,
    chronological split). The class body past `nn.LSTM(1, h...` is cut in the stored copy: batch_first and a
    head on the last step, as its [batch, seq, 1] data and y of shape (N, 1) require."""
    torch.manual_seed(42)
    t = torch.arange(0, 220, dtype=torch.float32)
    series = torch.sin(t * 0.12) + 0.25 * torch.sin(t * 0.03) + torch.randn(len(t)) * 0.04
    x = torch.stack([series[i:i + 16] for i in range(len(series) - 16)]).unsqueeze(-1)
    y = series[16:].unsqueeze(-1)
    split = int(len(x) * 0.8)
    return LSTMForecaster(), x[:split], y[:split], nn.MSELoss()


class BiLSTMPOSTagger(nn.Module):
    def __init__(self, input_dim=60, embedding_dim=16, hidden_dim=16, output_dim=8, n_layers=2, pad_idx=1):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers, bidirectional=True, dropout=0.25)
        self.fc = nn.Linear(hidden_dim * 2, output_dim)
        self.dropout = nn.Dropout(0.25)

    def forward(self, text):
        embedded = self.dropout(self.embedding(text))       # [sent len, batch, emb]
        outputs, (hidden, cell) = self.lstm(embedded)
        return self.fc(self.dropout(outputs))               # [sent len, batch, tags]


@correct(not_trained_here="a tagger on random ids: its cross-entropy is not measured against var(y)")
def bentrevett_pos_tagger_without_packing() -> Setup:
    """Source: https://github.com/bentrevett/pytorch-pos-tagging/issues/8 ("Tutorial1 - BiLSTMPOSTagger,
    don't have pack pad?"), tutorial 1_bilstm.ipynb. Diagnosis (maintainer): packing is only needed to use the
    final hidden state; a tagger uses the per-step outputs, pads get tag <pad> and the loss ignores them
    (CrossEntropyLoss(ignore_index=TAG_PAD_IDX) on predictions.view(-1, tags), tags.view(-1)). Text and tags
    are [sent len, batch]; pad id 1 for text (torchtext), 0 for tags."""
    torch.manual_seed(0)
    seq, batch = 14, 16
    text = torch.randint(2, 60, (seq, batch))
    tags = text % 7 + 1
    lengths = torch.randint(6, seq + 1, (batch,))
    for b, n in enumerate(lengths):
        text[n:, b], tags[n:, b] = 1, 0
    loss = nn.CrossEntropyLoss(ignore_index=0)

    def loss_fn(predictions, target):
        return loss(predictions.view(-1, predictions.shape[-1]), target.view(-1))

    return BiLSTMPOSTagger(), text, tags, loss_fn


class PhraseClassifier(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        embedded = self.embedding(x)
        output, (hidden, _) = self.lstm(embedded)
        return self.fc(hidden.squeeze(0))


@correct(not_trained_here="a classifier of six phrases: its cross-entropy is not measured against var(y)")
def chaklader_phrase_classifier_seq_first() -> Setup:
    """Source: https://github.com/Chaklader/movie_sentiment_analysis (lectures/prediction_LSTM
    /text_classification_LSTM.ipynb), presented as a working exercise. Six phrases right-padded with <PAD>=0
    to length 3, model(inputs.t()) so the default (seq, batch) LSTM reads them, fc on h_n, CrossEntropyLoss.
    Exactly the notebook's data."""
    torch.manual_seed(0)
    vocab = {"<PAD>": 0, "great": 1, "goal": 2, "scored": 3, "amazing": 4, "touchdown": 5, "new": 6, "phone": 7,
             "release": 8, "latest": 9, "laptop": 10, "model": 11, "tasty": 12, "pizza": 13, "delicious": 14,
             "burger": 15}
    phrases = ["great goal scored", "amazing touchdown", "new phone release", "latest laptop model",
               "tasty pizza", "delicious burger"]
    encoded = [[vocab[w] for w in p.split()] for p in phrases]
    padded = [p + [0] * (3 - len(p)) for p in encoded]
    inputs = torch.LongTensor(padded)
    labels = torch.LongTensor([0, 0, 1, 1, 2, 2])
    return PhraseClassifier(len(vocab), 10, 20, 3), inputs.t(), labels, nn.CrossEntropyLoss()


class CNNLSTMSurrogate(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, output_size):
        super().__init__()
        self.conv = nn.Conv1d(in_channels=input_size, out_channels=input_size, kernel_size=1)
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        x = self.conv(x)
        x = x.permute(0, 2, 1)
        h0 = torch.zeros(self.lstm.num_layers, x.size(0), self.lstm.hidden_size)
        c0 = torch.zeros(self.lstm.num_layers, x.size(0), self.lstm.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


@correct()
def cclliu_cnn_lstm_surrogate() -> Setup:
    """Source: https://github.com/cclliu/DRL_CBM surrogate_model/cnn_lstm.py (a working repository
    model; no thread). Conv1d over (batch, features, steps) via permute, back to batch-first for the LSTM,
    head on the last step. Data: 4 standardised covariate series, 30 steps; target the next value of the
    first."""
    torch.manual_seed(0)
    streams = torch.stack([_d6_sine_streams(48, 31, seed=s) for s in range(4)], -1)   # (48, 31, 4)
    x, y = streams[:, :30], streams[:, 30, :1]
    return CNNLSTMSurrogate(4, 32, 2, 1), x, y, nn.MSELoss()


class EEGCNNLSTM(nn.Module):
    def __init__(self, input_size=8, hidden_size=32, num_classes=4):
        super().__init__()
        self.conv1 = nn.Conv1d(in_channels=8, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(in_channels=32, out_channels=64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool1d(kernel_size=2)
        self.lstm = nn.LSTM(input_size=64, hidden_size=hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.permute(0, 2, 1)
        lstm_out, _ = self.lstm(x)
        return self.fc(lstm_out[:, -1, :])


@correct(not_trained_here="an EEG classifier: its cross-entropy is not measured against var(y)")
def trish2023_eeg_cnn_lstm_classifier() -> Setup:
    """Source: https://github.com/trish2023/Brain-Controlled-Wheelchair real_time_system/
    cnn_lstm_model.py (working repository model; no thread). EEG windows (batch, 64 steps, 8 channels),
    4 movement classes, CrossEntropyLoss."""
    torch.manual_seed(0)
    classes = torch.randint(0, 4, (40,))
    t = torch.arange(64, dtype=torch.float32)
    x = torch.sin((0.1 + 0.08 * classes.float()).view(40, 1, 1) * t.view(1, 64, 1) + torch.rand(40, 1, 8) * 6.28)
    x = x + 0.2 * torch.randn(40, 64, 8)
    return EEGCNNLSTM(), x, classes, nn.CrossEntropyLoss()


class EVEncoder(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)

    def forward(self, x):
        outputs, (hidden, cell) = self.lstm(x)
        return hidden, cell


class EVDecoder(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x, hidden, cell):
        output, (hidden, cell) = self.lstm(x, (hidden, cell))
        return self.fc(output[:, -1, :]), hidden, cell


class EVSeq2Seq(nn.Module):
    """LeoLi23/553-ev-project lstm.py; target_len moved from forward's arguments to the constructor."""

    def __init__(self, target_len=6, hidden=32):
        super().__init__()
        self.encoder, self.decoder, self.target_len = EVEncoder(1, hidden), EVDecoder(1, hidden), target_len

    def forward(self, source):
        batch_size = source.size(0)
        hidden, cell = self.encoder(source)
        decoder_input = torch.zeros(batch_size, 1, 1)
        outputs = torch.zeros(batch_size, self.target_len, 1)
        for t in range(self.target_len):
            output, hidden, cell = self.decoder(decoder_input, hidden, cell)
            outputs[:, t] = output.view(batch_size, 1)
            decoder_input = output.view(batch_size, 1, 1)
        return outputs


@correct(not_trained_here="6 steps predicted recursively from a 24-step window: 40 epochs do not reach the bar")
def leoli23_seq2seq_autoregressive_decoder() -> Setup:
    """Source: https://github.com/LeoLi23/553-ev-project lstm.py (working repository model; no thread).
    Encoder's (h, c) starts a decoder that is fed zeros, then its own predictions, for target_len steps.
    Windows of 24 past values of a load-like series, target the next 6, (batch, 6, 1); MSELoss."""
    torch.manual_seed(0)
    t = torch.arange(400, dtype=torch.float32)
    series = 0.6 * torch.sin(2 * math.pi * t / 24) + 0.2 * torch.sin(2 * math.pi * t / 168) + 0.05 * torch.randn(400)
    starts = torch.randperm(400 - 30)[:48]
    x = torch.stack([series[s:s + 24] for s in starts]).unsqueeze(-1)
    y = torch.stack([series[s + 24:s + 30] for s in starts]).unsqueeze(-1)
    return EVSeq2Seq(), x, y, nn.MSELoss()


class LSTMMultiHorizon(nn.Module):
    def __init__(self, feat_dim, pred_len, hidden=32, layers=2, dropout=0.1):
        super().__init__()
        self.lstm = nn.LSTM(input_size=feat_dim, hidden_size=hidden, num_layers=layers, batch_first=True,
                            dropout=dropout)
        self.head = nn.Linear(hidden, pred_len)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


@correct(not_trained_here="10 steps ahead of random-phase sines from a 2-layer LSTM: 40 epochs do not reach the bar")
def phm1605_heart_rate_multi_horizon() -> Setup:
    """Source: https://github.com/PHM1605/heart-rate-forecasting src/models/lstm.py (working repository
    model; no thread). Windows (batch, 60, 3): standardised heart rate plus two covariates; target the next 10
    heart-rate values, (batch, 10)."""
    torch.manual_seed(0)
    hr = _d6_sine_streams(40, 70, seed=1)
    cov = torch.stack([_d6_sine_streams(40, 70, seed=2), _d6_sine_streams(40, 70, seed=3)], -1)
    x = torch.cat([hr[:, :60].unsqueeze(-1), cov[:, :60]], -1)
    y = hr[:, 60:70]
    return LSTMMultiHorizon(3, 10), x, y, nn.MSELoss()


class TimeSeriesTransformer(nn.Module):
    def __init__(self, input_size, d_model=32, nhead=4, num_layers=2, output_size=1, dropout=0.1):
        super().__init__()
        self.input_proj = nn.Linear(input_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, dropout=dropout)
        self.transformer = nn.TransformerEncoder(layer, num_layers=num_layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, output_size)

    def forward(self, x):
        x = self.input_proj(x)           # (batch, seq_len, d_model)
        x = x.permute(1, 0, 2)           # (seq_len, batch, d_model)
        out = self.transformer(x)
        return self.fc(out[-1])


@correct(not_trained_here="a 2-layer Transformer on 40 windows: 40 epochs do not reach the bar")
def abhaskumarrr_transformer_seq_first() -> Setup:
    """Source: https://github.com/abhaskumarrr/SMOOPs_dev ml/backend/src/models/transformer.py
    (working repository model; no thread). Batch-first windows permuted to the default (seq, batch, d) layout
    of nn.TransformerEncoder, prediction from the last position. 5 standardised price features, 30 steps,
    target the next first-feature value."""
    torch.manual_seed(0)
    streams = torch.stack([_d6_sine_streams(40, 31, seed=s) for s in range(5)], -1)
    return TimeSeriesTransformer(5), streams[:, :30], streams[:, 30, :1], nn.MSELoss()


class ArticleLSTM(nn.Module):
    def __init__(self, input_size=1, hidden_size=16, num_layers=1, output_size=1):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


@correct(not_trained_here="three samples of three steps: 40 epochs do not reach the bar")
def adhdecode_minmax_window_lstm() -> Setup:
    """Source: https://adhdecode-articles-3.pages.dev/articles/pytorch/pytorch-time-series-forecasting-
    lstm/ (article). Prices [100.5, ..., 102.8] min-max scaled, windows of 3 reshaped to (samples, 3, 1), y
    unsqueezed to (samples, 1). Exactly the article's six values (3 samples); the forward past "Forward
    propagate" is cut in the stored copy: out[:, -1, :] into fc, as usual for this template."""
    torch.manual_seed(0)
    data = torch.tensor([100.5, 101.2, 100.9, 102.5, 103.1, 102.8])
    scaled = (data - data.min()) / (data.max() - data.min())
    x = torch.stack([scaled[i:i + 3] for i in range(3)]).unsqueeze(-1)
    y = scaled[3:].unsqueeze(1)
    return ArticleLSTM(), x, y, nn.MSELoss()


class TextRNN(nn.Module):
    def __init__(self, n_vocab=60, embed=16, hidden_size=16, num_layers=2, num_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(n_vocab, embed, padding_idx=n_vocab - 1)
        self.lstm = nn.LSTM(embed, hidden_size, num_layers, bidirectional=True, batch_first=True, dropout=0.5)
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, x):
        out = self.embedding(x)          # [batch_size, seq_len, embed]
        out, _ = self.lstm(out)
        return self.fc(out[:, -1, :])    # the last step's hidden state


@buggy("direction_one_step")
def chinese_textrnn_batch_first_question() -> Setup:
    """Source: https://github.com/649453932/Chinese-Text-Classification-Pytorch/issues/75
    ("textRNN模型中LSTM问题": the LSTM gets [batch, seq, emb] but nn.LSTM wants (seq, batch, input)?).
    Diagnosis (reply): batch_first=True is set, so the layout is right. models/TextRNN.py; forward's (x,
    seq_len) tuple reduced to x. pad_size 32 -> 20, padding id n_vocab - 1 at the end ("短填长切").
    NB: out[:, -1, :] of a bidirectional LSTM takes the backward half after one (padding) step; the thread
    does not discuss it."""
    torch.manual_seed(0)
    batch, pad, n_vocab = 32, 20, 60
    x = torch.full((batch, pad), n_vocab - 1)
    lengths = torch.randint(6, pad + 1, (batch,))
    for i, n in enumerate(lengths):
        x[i, :n] = torch.randint(0, n_vocab - 1, (int(n),))
    y = x[:, 0] % 4
    return TextRNN(), x, y, nn.CrossEntropyLoss()


class FernandoTextCNNFixed(FernandoTextCNN):
    """The issue's fix: the embedding permuted to (batch, embedding, seq_len), in_channels = the embedding size."""

    def __init__(self, seq_len=12, num_words=50, embedding_size=16, out_size=8, stride=2):
        nn.Module.__init__(self)
        self.embedding = nn.Embedding(num_words, embedding_size, padding_idx=0)
        self.pool_1 = nn.MaxPool1d(2, stride)
        self.pool_2 = nn.MaxPool1d(3, stride)
        self.pool_3 = nn.MaxPool1d(4, stride)
        self.conv_1 = nn.Conv1d(embedding_size, out_size, 2, stride)
        self.conv_2 = nn.Conv1d(embedding_size, out_size, 3, stride)
        self.conv_3 = nn.Conv1d(embedding_size, out_size, 4, stride)
        with torch.no_grad():
            n = self._features(torch.zeros(1, seq_len, dtype=torch.long)).shape[1]
        self.fc = nn.Linear(n, 1)

    def _features(self, x):
        x = self.embedding(x).permute(0, 2, 1)     # (batch, embedding, seq_len)
        x1 = self.pool_1(torch.relu(self.conv_1(x)))
        x2 = self.pool_2(torch.relu(self.conv_2(x)))
        x3 = self.pool_3(torch.relu(self.conv_3(x)))
        union = torch.cat((x1, x2, x3), 2)
        return union.reshape(union.size(0), -1)


@correct(not_trained_here="a binary text classifier scored by binary_cross_entropy, not a series to learn")
def fernandolpz_textcnn_conv_over_embedding_fixed() -> Setup:
    """(same source) The fix from the issue: x.permute(0, 2, 1) before the Conv1d layers, whose in_channels is
    then the embedding size; the target unsqueezed to (batch, 1) like the prediction, so the loss runs."""
    model, x, y, loss_fn = fernandolpz_textcnn_conv_over_embedding()
    torch.manual_seed(0)
    return FernandoTextCNNFixed(), x, y.unsqueeze(1), loss_fn


class T2ELSTMClassifierFixed(T2ELSTMClassifier):
    def forward(self, input_seq):
        embedded = self.embedding(input_seq)
        rnn_output, (hidden, _) = self.rnn(embedded)
        rnn_output = torch.cat((rnn_output[-1, :, :self.hidden_dim], rnn_output[0, :, self.hidden_dim:]), dim=1)
        return F.log_softmax(self.out(rnn_output), dim=1)


@buggy("end_padding_read")
def demfier_t2e_log_softmax_into_nllloss() -> Setup:
    """(same source) The issue's fix: F.log_softmax instead of F.softmax before nn.NLLLoss. Right for the loss,
    but the model still reads rnn_output[-1] of the forward direction on a batch padded at the end with id 0,
    the state after the pads (the bug of practical-torchtext#5): once a correct case, it is now flagged for
    that, end_padding_read, a warning."""
    model, x, y, loss_fn = demfier_t2e_softmax_into_nllloss()
    torch.manual_seed(0)
    return T2ELSTMClassifierFixed(), x, y, loss_fn


class HARNetworkLogits(HARNetwork):
    def forward(self, x):
        out = self.conv2(self.conv1(x))
        out = out.reshape(-1, 64 * 26)
        return self.fc3(self.fc2(self.fc1(out)))


@correct(not_trained_here="an activity classifier: its cross-entropy is not measured against var(y)")
def jindongwang_har_logits_into_cross_entropy() -> Setup:
    """(same source) The maintainer's fix: return the raw scores and let nn.CrossEntropyLoss apply log-softmax."""
    model, x, y, loss_fn = jindongwang_har_softmax_before_cross_entropy()
    torch.manual_seed(0)
    return HARNetworkLogits(), x, y, loss_fn


class VRAEFixed(VRAE):
    def forward(self, x):
        _, (h_end, c_end) = self.encoder(x)
        h_end = h_end[-1, :, :]
        mean = self.hidden_to_mean(h_end)
        h_state = self.latent_to_hidden(mean)
        h_0 = torch.stack([h_state for _ in range(self.depth)])
        decoder_output, _ = self.decoder(self.decoder_inputs, (h_0, self.c_0))
        return self.hidden_to_output(decoder_output)


@correct(not_trained_here="a variational autoencoder through an 8-value bottleneck: 40 epochs do not reach the bar")
def tejaslodaya_vrae_reads_h_end_last() -> Setup:
    """(same source) The merged fix: h_end = h_end[-1, :, :], the top layer's final state (eval mode: the latent
    is its mean)."""
    model, x, y, loss_fn = tejaslodaya_vrae_reads_h_end_0()
    torch.manual_seed(0)
    return VRAEFixed(24, 16), x, y, loss_fn


class SOLSTMClassifierFixed(nn.Module):
    """The accepted answer's version: batch_first=True, no state kept between batches, h_n of the top layer."""

    def __init__(self, input_dim, hidden_dim, label_size):
        super().__init__()
        self.lstm = nn.LSTM(input_dim, hidden_dim, batch_first=True)
        self.hidden2label = nn.Linear(hidden_dim, label_size)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return F.log_softmax(self.hidden2label(h_n[-1]), dim=1)


@correct(not_trained_here="a two-class classifier scored by NLLLoss, not a series to learn")
def so64953445_lstm_classifier_batch_first() -> Setup:
    """(same source) The accepted answer's fix: batch_first=True, no self.hidden carried across batches, h_n[-1]."""
    model, x, y, loss_fn = so64953445_lstm_classifier_state_and_layout()
    torch.manual_seed(0)
    return SOLSTMClassifierFixed(8, 32, 2), x, y, loss_fn


# --- d7 blind test: time-major flattening, padding read last, wide heads, loss axes, scrambles within a sample ---


def _d7_text_ids(batch: int, steps: int) -> tuple[torch.Tensor, int]:
    """Character ids of a repeating sentence, cut into windows 7 characters apart (a d2l-style corpus)."""
    text = "the time machine by h g wells " * 40
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text])
    starts = torch.arange(batch) * 7
    return torch.stack([ids[s:s + steps + 1] for s in starts]), len(chars)


class D2LRNNScratch(nn.Module):
    """d2l rnn-scratch: forward one-hot-encodes X.T (time-major) and returns (steps * batch, vocab)."""

    def __init__(self, vocab, hidden=32):
        super().__init__()
        self.vocab = vocab
        self.rnn = nn.RNN(vocab, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, X):
        inputs = F.one_hot(X.T.long(), self.vocab).float()  # (steps, batch, vocab)
        Y, _ = self.rnn(inputs)
        return self.out(Y.reshape(-1, Y.shape[-1]))  # (steps * batch, vocab), time-major


@buggy("target_order")
def d2l_pr1552_target_not_transposed() -> Setup:
    """Source: https://github.com/d2l-ai/d2l-en/pull/1552 ("bug fixed: transpose Y accordingly (because we
    have transposed X)"). Diagnosis (PR): the model flattens its predictions time-major (one-hot of X.T, a
    sequence-first RNN, reshape(-1, V)), but the loss target was Y.reshape(-1), batch-major; fix Y.T.reshape(-1).
    No gradient reaches one-hot ids, so the doctor tells the two orders apart by exchanging samples' inputs."""
    seq, vocab = _d7_text_ids(8, 10)
    X, Y = seq[:, :-1], seq[:, 1:]
    torch.manual_seed(0)
    return D2LRNNScratch(vocab), X, Y.reshape(-1), nn.CrossEntropyLoss()


@correct(not_trained_here="a character model scored by cross-entropy, not a series to learn")
def d2l_pr1552_target_transposed() -> Setup:
    """(same source) The PR's fix: the target flattened time-major too, Y.T.reshape(-1). No samples_mixed: the
    prediction is read (steps, samples), the order under which each row depends on one sample only."""
    seq, vocab = _d7_text_ids(8, 10)
    X, Y = seq[:, :-1], seq[:, 1:]
    torch.manual_seed(0)
    return D2LRNNScratch(vocab), X, Y.T.reshape(-1), nn.CrossEntropyLoss()


class SOSeqContinuation(nn.Module):
    def __init__(self, n_classes=7, emb=16, hidden=32):
        super().__init__()
        self.emb = nn.Embedding(n_classes, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out)  # (batch, seq, n_classes)


@buggy("loss_error")
def so6539086_cross_entropy_classes_last() -> Setup:
    """Source: https://whosebug.com/question/6539086/How-to-compute-Cross-Entropy-Loss-for-sequences (a mirror
    of the Stack Overflow question). Diagnosis (answer): logits are (N, L, C) and the target (N, L), but
    nn.CrossEntropyLoss wants the classes on dim 1: input.permute(0, 2, 1). The doctor prints that call, having
    run it."""
    torch.manual_seed(0)
    seq = torch.randint(0, 7, (16, 13))
    return SOSeqContinuation(), seq[:, :-1], seq[:, 1:], nn.CrossEntropyLoss()


@correct(not_trained_here="a next-class model on random classes, scored by cross-entropy")
def so6539086_cross_entropy_classes_on_dim_1() -> Setup:
    """(same source) The answer's fix: loss_fn(out.permute(0, 2, 1), y)."""
    torch.manual_seed(0)
    seq = torch.randint(0, 7, (16, 13))
    return SOSeqContinuation(), seq[:, :-1], seq[:, 1:], lambda out, t: F.cross_entropy(out.permute(0, 2, 1), t)


_IMDB_BATCH, _IMDB_LEN, _IMDB_VOCAB = 16, 30, 500


class IMDBSymbolModule(nn.Module):
    def __init__(self, batch_first):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings=_IMDB_VOCAB, embedding_dim=32)
        self.gru = nn.GRU(input_size=32, hidden_size=24, num_layers=1, batch_first=batch_first)
        self.l_out = nn.Linear(in_features=24, out_features=2)

    def forward(self, x):
        x = self.embedding(x)
        h0 = torch.zeros(1, _IMDB_BATCH, 24)
        x, h = self.gru(x, h0)
        x = x[:, -1, :].squeeze()  # just get the last hidden state
        return self.l_out(x)


def _imdb_prepadded() -> tuple[torch.Tensor, torch.Tensor]:
    """keras-style pre-padded reviews (pad id 0 at the start), (batch, maxlen)."""
    torch.manual_seed(0)
    x = torch.randint(1, _IMDB_VOCAB, (_IMDB_BATCH, _IMDB_LEN))
    lengths = torch.randint(8, _IMDB_LEN + 1, (_IMDB_BATCH,))
    for i, n in enumerate(lengths):
        x[i, : _IMDB_LEN - n] = 0
    return x, torch.randint(0, 2, (_IMDB_BATCH,))


@buggy("layout_mismatch")
def pytorch2674_gru_without_batch_first() -> Setup:
    """Source: https://github.com/pytorch/pytorch/issues/2674 (IMDB sentiment GRU). Diagnosis (thread): the
    (batch, 150) ids go into a GRU without batch_first; set batch_first=True (or transpose to (150, batch)). The
    h0 built for the batch also makes the forward pass raise."""
    x, y = _imdb_prepadded()
    return IMDBSymbolModule(batch_first=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="a sentiment classifier on random ids, scored by cross-entropy")
def pytorch2674_gru_batch_first() -> Setup:
    """(same source) The fixed model posted there, batch_first=True; the keras pre-padding is read before the
    real steps, at [:, -1]: no padding finding."""
    x, y = _imdb_prepadded()
    return IMDBSymbolModule(batch_first=True), x, y, nn.CrossEntropyLoss()


class LSRBiGRUTagger(nn.Module):
    def __init__(self, input_size=20, hidden_size=16, n_tags=5):
        super().__init__()
        self.rnn = nn.GRU(input_size, hidden_size, bidirectional=True)  # missing batch_first=True
        self.fc = nn.Linear(2 * hidden_size, n_tags)

    def forward(self, x):  # x: (batch, seq, input_size)
        out, _ = self.rnn(x)
        return self.fc(out)


@limit({"layout_undecided"}, "random features and a per-step target of class ids laid out like the input, both "
       "flattened by the loss: either axis can be time and nothing in the values says which, so missing "
       "batch_first is only a note (each reading keeps its own samples apart, so gradients cannot decide)")
def lsr11_bigru_missing_batch_first() -> Setup:
    """Source: https://github.com/nanguoshun/LSR/issues/11 ("self.encoder = nn.GRU(input_size, hidden_size,
    bidirectional=True): did you miss an argument batch_first=True?"). Diagnosis (issue): the inputs are
    (batch, seq, feat), so the recurrence runs across the samples. Per-token head simplified to tags."""
    torch.manual_seed(0)
    x = torch.randn(12, 25, 20)
    y = torch.randint(0, 5, (12, 25))
    return LSRBiGRUTagger(), x, y, lambda out, t: F.cross_entropy(out.reshape(-1, out.shape[-1]), t.reshape(-1))


class TorchtextLSTMBaseline(nn.Module):
    def __init__(self, vocab=300, emb=32, hidden=32, n_labels=6, packed=False):
        super().__init__()
        self.packed = packed
        self.embedding = nn.Embedding(vocab, emb)
        self.encoder = nn.LSTM(emb, hidden, num_layers=1)  # torchtext: (seq, batch)
        self.predictor = nn.Linear(hidden, n_labels)

    def forward(self, seq):
        if self.packed:
            lengths = (seq != 1).sum(0)
            packed = nn.utils.rnn.pack_padded_sequence(self.embedding(seq), lengths, enforce_sorted=False)
            _, (h_n, _) = self.encoder(packed)
            return self.predictor(h_n[-1])
        hdn, _ = self.encoder(self.embedding(seq))
        feature = hdn[-1, :, :]
        return self.predictor(feature)


def _torchtext_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """(seq, batch) ids padded at the end with torchtext's <pad> id 1, six binary labels per text."""
    torch.manual_seed(0)
    steps, batch = 20, 16
    x = torch.randint(2, 300, (steps, batch))
    lengths = torch.randint(5, steps + 1, (batch,))
    lengths[0] = steps
    for b, n in enumerate(lengths):
        x[n:, b] = 1
    return x, torch.randint(0, 2, (batch, 6)).float()


@buggy("end_padding_read")
def practical_torchtext5_last_step_is_padding() -> Setup:
    """Source: https://github.com/keitakurita/practical-torchtext/issues/5 ("hdn[-1,:,:] doesn't return the
    last timestep output for variable length sequences"). Diagnosis (issue): a sentence of 10 in a batch padded
    to 20 is read after 10 pads; torchtext pads at the end with <pad> id 1, (seq, batch)."""
    x, y = _torchtext_batch()
    return TorchtextLSTMBaseline(), x, y, nn.BCEWithLogitsLoss()


@correct(not_trained_here="a multi-label text classifier on random ids, scored by BCE")
def practical_torchtext5_packed() -> Setup:
    """(same source) What the issue asks for: pack the batch with its lengths and read h_n[-1], the state after
    each sentence's last real token."""
    x, y = _torchtext_batch()
    return TorchtextLSTMBaseline(packed=True), x, y, nn.BCEWithLogitsLoss()


class NoMaskDecoder(nn.Module):
    def __init__(self, vocab=20, d=32, causal=False):
        super().__init__()
        self.causal = causal
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, 64, d) * 0.1)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 64, 0.0, batch_first=True), 1)
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 4, 64, 0.0, batch_first=True), 1)
        self.out = nn.Linear(d, vocab)

    def forward(self, x):  # x: (batch, T), the decoder input is the target shifted right
        h = self.emb(x) + self.pos[:, : x.shape[1]]
        memory = self.encoder(h[:, : 1 if self.causal else 4])  # a short "source" prefix
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1]) if self.causal else None
        return self.out(self.decoder(h, memory, tgt_mask=mask, tgt_is_causal=self.causal))


def _causal_tokens() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    seq = torch.randint(0, 20, (16, 13))
    return seq[:, :-1], seq[:, 1:]


@buggy("future_leak")
def causal_decoder1_no_tgt_mask() -> Setup:
    """Source: https://github.com/alex-matton/causal-transformer-decoder/issues/1 ("I don't see where to input
    the causal target mask so that the network can't simply copy tokens to the output"). Diagnosis (author):
    agreed, training must pass a causal mask. Encoder memory from a 4-token prefix of the same sequence."""
    x, y = _causal_tokens()
    torch.manual_seed(0)
    return NoMaskDecoder(), x, y, lambda out, t: F.cross_entropy(out.transpose(1, 2), t)


@correct(not_trained_here="next-token prediction on random tokens, scored by cross-entropy")
def causal_decoder1_with_tgt_mask() -> Setup:
    """(same source) With tgt_mask = generate_square_subsequent_mask(T), and a memory from the first token only
    (every step may read it; the buggy twin's 4-token memory would itself let step 0 see step 1, which the doctor
    reports as future_leak even with the mask)."""
    x, y = _causal_tokens()
    torch.manual_seed(0)
    return NoMaskDecoder(causal=True), x, y, lambda out, t: F.cross_entropy(out.transpose(1, 2), t)


class NumalogicConv1dAE(nn.Module):
    def __init__(self, seq_len=12, n_features=3, swap=False):
        super().__init__()
        self.seq_len, self.n_features, self.swap = seq_len, n_features, swap
        self.enc = nn.Sequential(nn.Conv1d(n_features, 8, 3, padding=1), nn.ReLU())
        self.dec = nn.Conv1d(8, n_features, 3, padding=1)

    def forward(self, batch):  # (batch, seq_len, n_features)
        batch = torch.swapdims(batch, 1, 2) if self.swap else batch.view(-1, self.n_features, self.seq_len)
        out = self.dec(self.enc(batch))
        return torch.swapdims(out, 1, 2) if self.swap else out.view(-1, self.seq_len, self.n_features)


def _metric_windows() -> torch.Tensor:
    t = torch.arange(200.0)
    series = torch.stack([torch.sin(0.2 * t), torch.cos(0.13 * t), 0.5 * torch.sin(0.05 * t + 1)], dim=1)
    return series.unfold(0, 12, 3).transpose(1, 2).contiguous()  # (windows, 12, 3)


@limit({"reshape_swaps_axes"}, "a view that interleaves the metrics within each window moves nothing between "
       "samples, so no per-sample check fires; the view's shape (batch, 12, 3) -> (batch, 3, 12) is only a note, "
       "since data really laid out that way would be right")
def numalogic240_view_instead_of_swapdims() -> Setup:
    """Source: https://github.com/numaproj/numalogic/pull/240 ("fix: tensor dimension swap instead of view
    change"). Diagnosis (PR): batch.view(-1, n_features, seq_len) interleaves the metrics of one window before
    Conv1d; the fix is torch.swapdims. An autoencoder: the target is the input."""
    x = _metric_windows()
    torch.manual_seed(0)
    return NumalogicConv1dAE(swap=False), x, x.clone()


@correct()
def numalogic240_swapdims() -> Setup:
    """(same source) The merged fix, torch.swapdims(batch, 1, 2) in and out; no target_in_input for y = x, as
    for any autoencoder."""
    x = _metric_windows()
    torch.manual_seed(0)
    return NumalogicConv1dAE(swap=True), x, x.clone()


class GluLSTM(nn.Module):
    def __init__(self, n_features=2, hidden=32, squeeze_all=True):
        super().__init__()
        self.squeeze_all = squeeze_all
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = self.fc(out[:, -1, :])
        return out.squeeze() if self.squeeze_all else out  # the bug: squeeze() to (batch,)


def _glucose_windows() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    t = torch.arange(400.0)
    cgm = torch.sin(0.05 * t) + 0.1 * torch.randn(400)
    insulin = (torch.rand(400) < 0.05).float()
    feats = torch.stack([cgm, insulin], 1)
    x = feats.unfold(0, 24, 1)[:-6].transpose(1, 2)[:64]  # (64, 24, 2)
    return x, cgm[24 + 5:][:64].unsqueeze(1)  # 30 min ahead, (64, 1)


@buggy("broadcast_in_loss")
def glupredkit45_squeezed_output() -> Setup:
    """Source: https://github.com/replicahealth/GluPredKit/issues/45 ("The forward method in lstm pytorch
    should not be squeezed"). Diagnosis (issue): .squeeze() makes the prediction (64,) against a (64, 1) target,
    and MSELoss broadcasts them (a UserWarning)."""
    x, y = _glucose_windows()
    torch.manual_seed(0)
    return GluLSTM(), x, y


@correct(not_trained_here="a noisy glucose-like series 30 minutes ahead: the noise floor is above the bar")
def glupredkit45_kept_batch_by_one() -> Setup:
    """(same source) The fix: keep the (batch, 1) output."""
    x, y = _glucose_windows()
    torch.manual_seed(0)
    return GluLSTM(squeeze_all=False), x, y


class RasbtPackedBiLSTM(nn.Module):
    def __init__(self, vocab=400, emb=32, hidden=32, n_classes=4, use_fc2=True):
        super().__init__()
        self.use_fc2 = use_fc2
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True)
        self.fc1 = nn.Linear(2 * hidden, 64)
        self.fc2 = nn.Linear(64, n_classes)

    def forward(self, text):  # (seq, batch), pads (0) at the end
        lengths = (text != 0).sum(0)
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(text), lengths, enforce_sorted=False)
        _, (hidden, _) = self.rnn(packed)
        out = self.fc1(torch.cat((hidden[-2], hidden[-1]), dim=1))
        return self.fc2(F.relu(out)) if self.use_fc2 else out


def _agnews_batch() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    steps, batch = 25, 16
    x = torch.randint(1, 400, (steps, batch))
    lengths = torch.randint(6, steps + 1, (batch,))
    for b, n in enumerate(lengths):
        x[n:, b] = 0
    return x, torch.randint(0, 4, (batch,))


@buggy("class_head_too_wide")
def rasbt35_fc2_not_applied() -> Setup:
    """Source: https://github.com/rasbt/deeplearning-models/issues/35 ("while defining the model you didn't
    apply self.fc2(), so the returned tensor is (128, 64) instead of (128, 4)"; rasbt: "Good catch"). AG News,
    4 classes: CrossEntropyLoss runs on 64 scores, 60 of them classes no label names."""
    x, y = _agnews_batch()
    torch.manual_seed(0)
    return RasbtPackedBiLSTM(use_fc2=False), x, y, nn.CrossEntropyLoss()


@correct(not_trained_here="a news classifier on random ids, scored by cross-entropy")
def rasbt35_fc2_applied() -> Setup:
    """(same source) The notebook after the fix: packed, bidirectional, 2 layers, (seq, batch), fc2 applied."""
    x, y = _agnews_batch()
    torch.manual_seed(0)
    return RasbtPackedBiLSTM(use_fc2=True), x, y, nn.CrossEntropyLoss()


class ZidvnConvLSTM(nn.Module):
    def __init__(self, features=8):
        super().__init__()
        self.conv1d = nn.Conv1d(in_channels=features, out_channels=16, kernel_size=3)
        self.lstm = nn.LSTM(input_size=16, hidden_size=16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):  # (batch, seq, features)
        h = F.relu(self.conv1d(x.permute(0, 2, 1)))  # (batch, 16, seq - 2)
        out, _ = self.lstm(h.permute(0, 2, 1))
        return self.fc(out[:, -1])


@correct()
def zidvn_conv1d_then_lstm() -> Setup:
    """Source: https://z.id.vn/difference-between-the-expected-input-tensor-order-for-lstm-and-conv1d-2 (the
    answer's layout). (batch, seq, features) is permuted to (batch, features, seq) for Conv1d and back for a
    batch_first LSTM: correct; 8 sine channels, the next value of the first."""
    t = torch.arange(400.0)
    chans = torch.stack([torch.sin(0.07 * t * (1 + k / 8) + k) for k in range(8)], 1)
    x = chans.unfold(0, 10, 1)[:-1].transpose(1, 2)[:64]  # (64, 10, 8)
    torch.manual_seed(0)
    return ZidvnConvLSTM(), x, chans[10:, 0][:64].unsqueeze(1)


class OneOffCoderPackedClassifier(nn.Module):
    def __init__(self, vocab=60, emb=16, hidden=32):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn = nn.LSTM(emb, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, tokens):  # (batch, max_len), <pad> = 0 at the end
        lengths = (tokens != 0).sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True,
                                                   enforce_sorted=False)
        _, (h_n, _) = self.rnn(packed)
        return self.fc(h_n[-1])


@correct(not_trained_here="a sentence classifier on random ids, scored by cross-entropy")
def oneoffcoder_packed_sentence_classifier() -> Setup:
    """Source: https://learn-pytorch.oneoffcoder.com/sequence-classification.html. The collate pads with
    <pad> = 0, keeps the lengths, packs, and classifies from the final hidden state: correct (lengths recomputed
    in forward so that model(x) runs)."""
    torch.manual_seed(0)
    batch, length = 16, 9
    tokens = torch.zeros(batch, length, dtype=torch.long)
    lengths = torch.randint(4, length + 1, (batch,))
    for i, n in enumerate(lengths):
        tokens[i, :n] = torch.randint(2, 60, (int(n),))
    return OneOffCoderPackedClassifier(), tokens, torch.randint(0, 2, (batch,)), nn.CrossEntropyLoss()


class Duoke360Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=100, hidden_size=50, num_layers=2, batch_first=True)
        self.fc = nn.Linear(50, 20)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)  # (32, 10, 20)


@correct(not_trained_here="a tagger on random features, scored by cross-entropy")
def duoke360_per_step_cross_entropy() -> Setup:
    """Source: https://duoke360.com/post/35083 (scenario 1). Logits (32, 10, 20) and targets (32, 10), both
    flattened in the loss: loss_fn(logits.view(-1, 20), targets.view(-1)). Correct; the doctor notes (info
    only) that it could not confirm the layout, which is true of random features."""
    torch.manual_seed(0)
    x = torch.randn(32, 10, 100)
    y = torch.randint(0, 20, (32, 10))
    return Duoke360Tagger(), x, y, lambda out, t: F.cross_entropy(out.view(-1, 20), t.view(-1))


class CourseraLabLSTM(nn.Module):
    def __init__(self, hidden=50):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


@correct()
def courseraml_sine_windows() -> Setup:
    """Source: https://github.com/dennislamcv1/COURSERAML ("Use an LSTM for Time Series Forecasting" lab).
    Noisy sine sin(linspace(0, 100, 1000)) + N(0, 0.1), windows of 20 past values -> the next value: correct."""
    g = torch.Generator().manual_seed(42)
    data = torch.sin(torch.linspace(0, 100, 1000)) + 0.1 * torch.randn(1000, generator=g)
    x = data.unfold(0, 20, 1)[:-1].unsqueeze(-1)[:300]
    y = data[20:].unsqueeze(1)[:300]
    torch.manual_seed(0)
    return CourseraLabLSTM(), x, y
