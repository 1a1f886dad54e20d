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
# # 03 · Solutions: Example 3: the deep LSTM, run as written
#
# Worked solutions to the exercises of [03 · Example 3](../03_example3_deep_lstm.ipynb#try-this). Try each
# exercise first; every solution ends with the `assert` that checks its answer.

# %%
import torch

from sine_lab.data import article_data
from sine_lab.studies.article import EXAMPLES

torch.set_num_threads(1)
x, y = article_data()
torch.manual_seed(0)
model = EXAMPLES[3].build()

# %% [markdown]
# ## Exercise 1
# **Two small fixes, two different models**
# ([back to the exercise](../03_example3_deep_lstm.ipynb#try-this))
#
# The model is built with `batch_first=True`, so a 3-D input is `(batch, seq, features)`. `x.unsqueeze(0)`
# is one sequence of 1000 steps: one prediction, broadcast against 1000 targets, as in Examples 1 and 2.
# `x.unsqueeze(1)` is 1000 sequences of one step: one prediction per time, each from that time alone — the
# chapter's "another possible reading", and still a lookup from time to value.

# %%
with torch.no_grad():
    one_sequence = model(x.unsqueeze(0))
    per_sample = model(x.unsqueeze(1))
print("x.unsqueeze(0) ->", tuple(one_sequence.shape), "  x.unsqueeze(1) ->", tuple(per_sample.shape))
assert one_sequence.shape == (1, 1), "one sequence: one prediction for 1000 targets"
assert per_sample.shape == y.shape == (1000, 1), "1000 one-step sequences: one prediction per time"

# %% [markdown]
# ## Exercise 2
# **51,451 parameters, counted by hand**
# ([back to the exercise](../03_example3_deep_lstm.ipynb#try-this))
#
# An LSTM layer with input size `i` and hidden size `h` has four gates, each with `h × i` input weights,
# `h × h` recurrent weights and two bias vectors of `h`: `4(h·i + h·h + 2h)`. Three layers of 50 (the first
# with `i = 1`, the others `i = 50`) and a linear head of `50 + 1`:

# %%
def lstm_layer(i: int, h: int) -> int:
    return 4 * (h * i + h * h + 2 * h)


by_hand = lstm_layer(1, 50) + 2 * lstm_layer(50, 50) + 50 + 1
counted = sum(p.numel() for p in model.parameters())
print(f"by hand {by_hand:,}, counted {counted:,}")
assert by_hand == counted == 51_451
