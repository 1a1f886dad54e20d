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
# # 01 · Solutions: Example 1: the simple RNN, run as written
#
# Worked solutions to the exercises of [01 · Example 1](../01_example1_simple_rnn.ipynb#try-this). Try each
# exercise first; every solution ends with the `assert` that checks its answer.

# %%
import torch
import torch.nn as nn

from sine_lab.data import article_data
from sine_lab.doctor import check_setup
from sine_lab.studies.article import EXAMPLES
from sine_lab.training import seed_everything, train

torch.set_num_threads(1)
x, y = article_data()

# %% [markdown]
# ## Exercise 1
# **The best constant, by hand**
# ([back to the exercise](../01_example1_simple_rnn.ipynb#try-this))
#
# Write $\bar y$ for `mean(y)` and $d = c - \bar y$, so that $y_i - c = (y_i - \bar y) - d$. Then
#
# $$\frac1N\sum_i (y_i - c)^2 = \frac1N\sum_i (y_i - \bar y)^2 - \frac{2d}{N}\sum_i (y_i - \bar y) + d^2
#   = \operatorname{var}(y) + d^2,$$
#
# because the middle sum is zero (the values' deviations from their mean add up to 0). The loss is `var(y)` plus
# a square, so it is smallest at $d = 0$, that is at `c = mean(y)`, where it equals `var(y)` (the population
# variance, dividing by 1000, as `MSELoss` averages). Scanning `c` finds the same minimum (the assert below checks
# the scan against that algebra). Compare it with what chapter 01's trained model printed in section 4:
# `model(x) = 0.183450` and a final loss of 0.443194, the same to the digits shown.

# %%
# float64: near the minimum the loss changes by (c − mean(y))², below float32's resolution of 0.44
targets = y.double().reshape(1, -1)
mean_y, var_y = float(targets.mean()), float(targets.var(unbiased=False))
grid = torch.linspace(-1, 1, 20001, dtype=torch.float64)  # steps of 1e-4
losses = ((targets - grid.reshape(-1, 1)) ** 2).mean(dim=1)
best = float(grid[losses.argmin()])
print(f"mean(y) = {mean_y:.4f}, var(y) = {var_y:.4f}; the scan's best c = {best:.4f}, loss {float(losses.min()):.4f}")
assert abs(best - mean_y) <= 0.5e-4 + 1e-12 and abs(float(losses.min()) - var_y) < 1e-8, "half a grid step"

# %% [markdown]
# ## Exercise 2
# **One output per step**
# ([back to the exercise](../01_example1_simple_rnn.ipynb#try-this))
#
# With `self.linear(out)` the model returns one prediction per step, `(1000, 1)`, the target's shape, so
# nothing broadcasts any more. `check_setup` now reports no error: `broadcast_in_loss` is gone, and
# `unbatched_input` drops from an error to an info note (one prediction per row, as for one long series). The
# warning that the input is time stays. Trained as the article trains (Adam 0.01; here 300 epochs instead of
# 1000, to stay quick), the loss falls more than 100 times below `var(y)`: the per-step model fits the curve it is
# given. It is still fed *time*, so chapter 01's finding about `t > 10` applies to it.

# %%
class PerStepRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.linear = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.linear(out)  # every step, not only out[-1]


seed_everything(0)
model = PerStepRNN(1, 10, 1)
report = check_setup(model, x, y)
codes = report.codes
print("check_setup:", ", ".join(f"{f.code} ({f.severity})" for f in report))
history = train(model, x, y, epochs=300, lr=EXAMPLES[1].lr)
print(f"loss after 300 epochs {history.loss[-1]:.2e}, against var(y) = {var_y:.4f}")
assert "broadcast_in_loss" not in codes and not any(f.severity == "error" for f in report), "no error left"
assert report[codes.index("unbatched_input")].severity == "info", "the unbatched input is now only a note"
assert history.loss[-1] < var_y / 100, "one output per step fits far below the best constant"
