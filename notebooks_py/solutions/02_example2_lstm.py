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
# # 02 · Solutions: Example 2: the LSTM, run as written
#
# Worked solutions to the exercises of [02 · Example 2](../02_example2_lstm.ipynb#try-this). Try each
# exercise first; every solution ends with the `assert` that checks its answer.

# %%
import torch
import torch.nn as nn

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **What `nn.LSTM` reads from each shape**
# ([back to the exercise](../02_example2_lstm.ipynb#try-this))
#
# Without `batch_first`, `nn.LSTM` reads a 3-D input as `(seq, batch, features)` and a 2-D input as one
# unbatched sequence `(seq, features)`. `out` has one row per step, and `h_n` one per sequence:

# %%
lstm = nn.LSTM(1, 4)
x = torch.linspace(0, 10, 1000).reshape(-1, 1)
for name, data in (("x", x), ("x.unsqueeze(1)", x.unsqueeze(1)), ("x.unsqueeze(0)", x.unsqueeze(0))):
    out, (h_n, _) = lstm(data)
    sequences = h_n.shape[1] if h_n.dim() == 3 else 1  # a 2-D h_n: one unbatched sequence
    print(f"{name:15s} {str(tuple(data.shape)):14s} -> out {str(tuple(out.shape)):14s} h_n {str(tuple(h_n.shape)):12s}"
          f" {sequences} sequence(s) of {out.shape[0]} step(s)")
assert lstm(x)[0].shape == (1000, 4), "2-D: one sequence of 1000 steps"
assert lstm(x.unsqueeze(1))[1][0].shape == (1, 1, 4), "(1000, 1, 1): one sequence of 1000 steps, batch 1"
assert lstm(x.unsqueeze(0))[1][0].shape == (1, 1000, 4), "(1, 1000, 1): 1000 sequences of one step each"

# %% [markdown]
# Only the last reading treats the 1000 times as 1000 samples — and each of those "sequences" is one step
# long, so the LSTM's memory has nothing to carry. Neither reading makes `out[-1]` a per-sample prediction
# of a *sequence*; that is why chapter 04 cuts the wave into windows of past values.

# %% [markdown]
# ## Exercise 2
# **Gates need a past to gate**
# ([back to the exercise](../02_example2_lstm.ipynb#try-this))
#
# Prediction: fed sequences of one step each, the LSTM starts every sample from `h = 0, c = 0`. The cell update
# is `c_1 = f_1 · c_0 + i_1 · g_1`: the forget gate `f_1` multiplies the previous cell state `c_0 = 0`, so no change
# to it can move `out`. With a past (one sequence of 1000 steps, `x.unsqueeze(1)`), `c_{t−1}` is not zero from the
# second step on, so the same change should move `out`. Check: add 5 to the forget gate's bias and compare; the
# second input is the control, where the check can fail.

# %%
torch.manual_seed(0)
hidden = 10  # the chapter's model
lstm = nn.LSTM(1, hidden)
one_step_each = x.unsqueeze(0)
before = lstm(one_step_each)[0].detach().clone()
forget = slice(hidden, 2 * hidden)  # the gates are stacked input, forget, cell, output
one_sequence = x.unsqueeze(1)
before_with_past = lstm(one_sequence)[0].detach().clone()
with torch.no_grad():
    lstm.bias_ih_l0[forget].add_(5.0)
after = lstm(one_step_each)[0].detach()
after_with_past = lstm(one_sequence)[0].detach()
print(f"forget-gate bias +5, one step each: largest change of any output {float((after - before).abs().max()):.1e}, "
      f"torch.equal {torch.equal(after, before)}")
print(f"the same change, one sequence of 1000 steps: {float((after_with_past - before_with_past).abs().max()):.2f}, "
      f"torch.equal {torch.equal(after_with_past, before_with_past)}")
assert torch.equal(after, before), "with no past, the forget gate changes nothing"
assert float((after_with_past - before_with_past).abs().max()) > 0.1, "with a past, the same change acts"
