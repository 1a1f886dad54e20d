# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · The playground: change a setting, press Train, watch
#
# The earlier chapters answered the article's question by measuring. This one lets you *play*:
# pick the framing, the cell, the sizes, the learning rate, clipping and the initialisation,
# press **Train**, and watch the loss fall (or not), then the prediction against the truth and
# how far back in time the gradient still reaches.
#
# Three guided experiments follow the playground. Each is one sentence and a cell that drives
# the playground exactly as you would with the mouse (setting controls, pressing Train) and
# checks the sentence with `assert`, so this page says nothing that was not just measured.

# %%
# %matplotlib inline
import torch

from sine_lab.studies.playground import Settings
from sine_lab.training import seed_everything
from sine_lab.studies.widgets import Playground

seed_everything(0)
# These models are tiny: on one CPU thread they train several times faster than on several.
torch.set_num_threads(1)

# %% [markdown]
# ## The playground
#
# - **framing**: *article* feeds `t = linspace(0, 10, 1000)` as one sequence and trains the single
#   number the model returns against all 1000 values of `sin t`, exactly as the article's examples do;
#   *windows* feeds `window` past values of `sin t` and predicts the next one.
# - **Train** starts a run, **Stop** ends it after the current epoch. The bar counts epochs and the
#   loss curve redraws while it trains.
# - After training: left, the one-step prediction (each from true past values) on `[0, 10]`; right,
#   the free-running forecast past `t = 10`, where the model is fed its own outputs; and the norm of
#   `∂h_T/∂h_{T−k}` against the lag `k` for the trained model.
# - **compare with earlier runs** overlays the last five runs' loss curves, named by their settings.
# - The **gradient-flow explorer** at the bottom scales the recurrent weights of a fresh, untrained
#   model (same cell and hidden size) and redraws the gradient against the lag at once.

# %%
playground = Playground()
playground

# %% [markdown]
# ## Experiment 1: make Example 1 work by changing only the framing
#
# Set the article's Example 1 (an `rnn` with 10 hidden units, learning rate 0.01) in the *article*
# framing and train: the loss never gets below `var(sin t)`, the best any single number can do, and
# PyTorch warns that it broadcast one prediction against 1000 targets. Then change only the framing
# to *windows* and train again: the same RNN, trained for the same 40 epochs, ends more than 50 times
# below that floor.

# %%
playground.apply(Settings(framing="article", cell="rnn", hidden_size=10, lr=0.01, epochs=40))
playground.train_button.click()
playground.wait()
article = playground.runs[-1]
floor = article.experiment.constant_floor
print(f"article framing: lowest loss {min(article.history.loss):.5f}, var(sin t) = {floor:.5f}")
assert min(article.history.loss) >= floor - 1e-6
assert any("different to the input size" in w for w in article.history.warnings)

playground.framing.value = "windows"
playground.train_button.click()
playground.wait()
windows = playground.runs[-1]
print(f"windows framing: final loss {windows.history.final_loss:.5f}, var(sin t) = {windows.experiment.constant_floor:.5f}")
assert windows.settings == Settings(framing="windows", cell="rnn", hidden_size=10, lr=0.01, epochs=40)
assert windows.history.final_loss < windows.experiment.constant_floor / 50

# %% [markdown]
# The free-running panel after this run shows the harder problem of
# [Chapter 06](06_forecasting_far_ahead.ipynb): fed its own outputs past `t = 10`, this briefly trained RNN
# drifts off the wave, its error more than ten times larger than one step ahead. Good one-step predictions are necessary
# for forecasting far ahead, not sufficient.

# %%
evaluation = playground.evaluation
print(f"one-step MSE {evaluation.one_step_mse:.2e}, free-running MSE over {len(evaluation.forecast)} steps {evaluation.forecast_mse:.2e}")
assert evaluation.forecast_mse > 10 * evaluation.one_step_mse

# %% [markdown]
# ## Experiment 2: find the learning rate where training breaks down
#
# Clear the kept runs, tick **compare**, and train the windows RNN (16 units, 60 epochs) at learning
# rates 0.01, 0.1 and 1.
# At 0.01 and 0.1 the loss ends below 1 % of `var(sin t)`; at 1 it first jumps to more than ten times
# its starting value and ends above `var(sin t)`: worse than predicting a constant. The loss plot of
# the playground above now overlays the three runs.

# %%
playground.apply(Settings(framing="windows", cell="rnn", hidden_size=16, epochs=60))
playground.clear_button.click()
playground.compare.value = True
histories = {}
for lr in (0.01, 0.1, 1.0):
    playground.lr.value = lr
    playground.train_button.click()
    playground.wait()
    histories[lr] = playground.history
floor = playground.runs[-1].experiment.constant_floor
for lr, history in histories.items():
    print(f"lr={lr:<5} first loss {history.loss[0]:.3f}  highest {max(history.loss):8.3f}  final {history.final_loss:.5f}")
assert histories[0.01].final_loss < 0.01 * floor and histories[0.1].final_loss < 0.01 * floor
assert max(histories[1.0].loss) > 10 * histories[1.0].loss[0]
assert histories[1.0].final_loss > floor
legend = [text.get_text() for text in playground.figures["loss"].axes[0].get_legend().get_texts()]
assert len(legend) == 3 and [label.split(" lr=")[1].split()[0] for label in legend] == ["0.01", "0.1", "1"]

# %% [markdown]
# ## Experiment 3: watch gradients vanish as you shrink the weights
#
# In the explorer, an untrained 16-unit `rnn` with its recurrent weights scaled ×3 still passes a
# gradient above 0.1 back over 50 steps. At ×1, PyTorch's own initialisation, the same gradient is
# already below 1e-3: it has vanished. Push the scale to ×5 and it explodes (above 1000 at lag 50);
# at ×30 it vanishes again.

# %%
playground.cell.value = "rnn"
playground.hidden_size.value = 16
flows = {}
for scale in (3.0, 1.0, 5.0, 30.0):
    playground.flow_scale.value = scale
    flows[scale] = playground.flow
    print(f"×{scale:<4}: spectral radius {flows[scale].spectral_radius:6.2f}, "
          f"gradient at lag 50 {float(flows[scale].lag_norms[50]):9.3g}, {flows[scale].regime}")
assert flows[3.0].lag_norms[50] > 0.1
assert flows[1.0].lag_norms[50] < 1e-3 and flows[1.0].regime == "vanishing"
assert flows[5.0].lag_norms[50] > 1e3 and flows[5.0].regime == "exploding"
assert flows[30.0].lag_norms[50] < 1e-3 and flows[30.0].regime == "vanishing"

# %% [markdown]
# Back to the defaults, ready for your own experiments:

# %%
playground.apply(Settings())
playground.compare.value = False
playground.flow_scale.value = 1.0

# %% [markdown]
# ## What we learned
#
# - The framing decides: the article's Example 1 cannot go below `var(sin t)` because it predicts one
#   number; the same RNN fed windows of past values learns the wave.
# - Too large a learning rate breaks training on its own: here somewhere between 0.1 and 1.
# - Vanishing and exploding gradients are real and easy to produce by scaling the recurrent weights,
#   but they are not what stopped Example 1: the same RNN learned once only the framing changed.
#
# **Previous:** [Chapter 07 — When memory matters](07_when_memory_matters.ipynb) · Back to the [overview](00_overview.ipynb) or the [README](../README.md#chapters).
