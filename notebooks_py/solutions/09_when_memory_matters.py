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
# # 09 · Solutions: When memory matters
#
# Worked solutions to the exercises of [chapter 09](../09_when_memory_matters.ipynb#try-this). Try each one first.

# %%
import torch

from sine_lab.baselines import MARGIN
from sine_lab.data import delayed_recall
from sine_lab.diagnostics import jacobian_norms_vs_lag
from sine_lab.models import init_forget_gate_bias, init_orthogonal_recurrent
from sine_lab.studies.delayed_recall import (
    MEMORY_CONFIGS,
    MemoryConfig,
    at_budget,
    constant_nmse,
    load_sweep,
    run_memory_trial,
    success_counts,
)
from sine_lab.training import seed_everything

torch.set_num_threads(1)  # one thread: the same floating-point results on machines with any number of cores

# %% [markdown]
# ## Exercise 1
#
# **Re-judge the sweep with the rule for "learned"**
#
# [The exercise](../09_when_memory_matters.ipynb#try-this): count, per configuration and lag, the seeds whose
# NMSE after 200 epochs is at least 2× below the training mean's; which configurations gain a lag over the
# success counts? The plain tanh RNN must still learn nothing from `k = 50`, and the success counts must
# reproduce the chapter's 200-epoch table (the set-up check).
#
# The constant is the training mean of each seed's data (`constant_nmse`); a run has learned if its NMSE is
# `MARGIN` (2) times below it. We call a configuration's **reach** the longest lag at which at least 3 of its
# 5 seeds pass, under each rule.

# %%
sweep = load_sweep()
runs = at_budget(sweep.results, 200)
mean_nmse = {seed: constant_nmse(seed)["training mean"] for seed in sweep.settings["seeds"]}
learned = {}
for r in runs:
    passed, seeds = learned.get((r.config, r.lag), (0, 0))
    learned[r.config, r.lag] = (passed + (r.test_nmse * MARGIN <= mean_nmse[r.seed]), seeds + 1)
succeeded = success_counts(runs)
# the set-up check: a few cells of the chapter's 200-epoch table
assert [succeeded[name, lag][0] for name, lag in (("rnn", 20), ("rnn", 50), ("rnn + orthogonal", 200),
                                                   ("gru", 50))] == [5, 0, 4, 1]


def reach(counts, name):
    """The longest lag at which at least 3 of 5 seeds pass (0 if none)."""
    return max((lag for (config, lag), (passed, _) in counts.items() if config == name and passed >= 3), default=0)


for name in MEMORY_CONFIGS:
    print(f"{name:22s} reach: success {reach(succeeded, name):3d}, learned {reach(learned, name):3d}   learned at "
          + "  ".join(f"k={lag}: {learned[name, lag][0]}/5" for lag in sweep.settings["lags"]))
gain = [name for name in MEMORY_CONFIGS if reach(learned, name) > reach(succeeded, name)]
print("configurations that gain a lag:", gain)

# %%
assert all(learned["rnn", lag][0] == 0 for lag in (50, 100, 200)), "the plain RNN learns nothing from k = 50"
assert gain == ["tanh, W_hh = I", "lstm", "lstm + forget bias 1"]

# %% [markdown]
# Under the looser rule three configurations reach further: the tanh RNN with an identity start (to `k = 100`),
# PyTorch's LSTM (to `k = 20`) and the LSTM with a forget-gate bias of 1 (to `k = 50`). Each of them holds *part*
# of the amplitude further than it can recall it to 90 %. The plain RNN's verdict does not depend on the
# threshold: from `k = 50` no run is even 2× below the constant. A failing first `assert` would mean a count under
# another budget or against another constant.

# %% [markdown]
# ## Exercise 2
#
# **A larger forget-gate bias**
#
# [The exercise](../09_when_memory_matters.ipynb#try-this): give the LSTM a forget-gate bias of 0, 1, 2 and 3
# and measure, on the chapter's `x_probe`, `‖∂h_T/∂h_(T−k)‖` at lag 50 before training, seeds 0–4. Does it grow
# with every step of the bias, in every seed? PyTorch adds two biases to each gate (`bias_ih` and `bias_hh`);
# `init_forget_gate_bias` sets the forget slice of the first to the value and of the second to 0, so the gate's
# total bias is the value. With bias 1 and seed 0 the norm must equal the chapter's `lstm + forget bias 1` at
# lag 50 (the set-up check).

# %%
x_probe, _ = delayed_recall(8, lag=100, seed=0)  # as in the chapter
at_50 = {}
for bias in (0.0, 1.0, 2.0, 3.0):
    at_50[bias] = []
    for seed in range(5):
        seed_everything(seed)
        lstm = MEMORY_CONFIGS["lstm"].build(16)
        init_forget_gate_bias(lstm, bias)
        at_50[bias].append(float(jacobian_norms_vs_lag(lstm, x_probe)[50]))
    print(f"forget-gate bias {bias:.0f} (the gate starts near σ({bias:.0f}) = {torch.sigmoid(torch.tensor(bias)):.2f}):"
          f" ‖∂h_T/∂h_(T−50)‖ = {min(at_50[bias]):.1e} to {max(at_50[bias]):.1e} (seeds 0–4)")
growth = {}
for low, high in ((0.0, 1.0), (1.0, 2.0), (2.0, 3.0)):
    growth[low, high] = [b / a for a, b in zip(at_50[low], at_50[high], strict=True)]
    print(f"bias {low:.0f} → {high:.0f}: ×{min(growth[low, high]):.2g} to ×{max(growth[low, high]):.2g}, "
          f"grows in {sum(g > 1 for g in growth[low, high])} of 5 seeds")
seed_everything(0)  # the set-up check: the chapter's configuration with bias 1, seed 0
chapter_value = float(jacobian_norms_vs_lag(MEMORY_CONFIGS["lstm + forget bias 1"].build(16), x_probe)[50])
print(f"set-up check: bias 1, seed 0 gives {at_50[1.0][0]:.1e}; "
      f"the chapter's lstm + forget bias 1: {chapter_value:.1e}")

# %%
assert abs(at_50[1.0][0] / chapter_value - 1) < 1e-6, "the set-up reproduces the chapter's configuration"
assert min(growth[0.0, 1.0]) > 8.5e5 and min(growth[1.0, 2.0]) > 90, \
    "up to bias 2: growth of 8.8e5x or more, then 92x or more, in every seed"
assert min(growth[2.0, 3.0]) < 1 < max(growth[2.0, 3.0]), "from 2 to 3: not in every seed"
assert max(growth[2.0, 3.0]) < min(growth[1.0, 2.0]), "from 2 to 3: less growth than at either earlier step"
assert [sum(g > 1 for g in ratios) for ratios in growth.values()] == [5, 5, 4], "seeds that grow, step by step"

# %% [markdown]
# Not at every step. From bias 0 to 1 the gradient at lag 50 grows 8.8·10⁵× to 3.7·10⁶×, and from 1 to 2
# 92× to 1300×, in every seed; from 2 to 3 it changes by ×0.64 to ×15: it falls in 1 of 5 seeds and in the
# others grows, by less than at either earlier step. What limits it there we did not measure. The forget gate sets how much of the cell state survives a step, so a bias that
# starts it near 1 starts the LSTM with a longer memory. Whether training then *uses* that memory is a separate
# question: in the chapter a bias of 1 succeeded at `k = 20` but not at `k = 50` (4 of 5 got part of the way),
# and the IRNN, which starts at 1, fails 3 of 5 at `k = 50`.

# %% [markdown]
# ## Exercise 3
#
# **A GRU with an orthogonal start**
#
# [The exercise](../09_when_memory_matters.ipynb#try-this): add a configuration, a GRU with an orthogonal
# `W_hh`, run it at `k = 50` for seed 1 and compare with the GRU (0 of 5 within 50 epochs). The set-up check:
# the plain GRU, run the same way, must reproduce the sweep's stored run.
#
# A configuration is a small object: a name, a registered kind and an initialisation.
# `init_orthogonal_recurrent` draws each gate's recurrent block as an orthogonal matrix.

# %%
gru_orthogonal = MemoryConfig("gru + orthogonal", "gru", init_orthogonal_recurrent)
(result,) = run_memory_trial(gru_orthogonal, 50, 1)
gru = next(r for r in sweep.results if (r.config, r.lag, r.seed, r.budget) == ("gru", 50, 1, 50))
(gru_again,) = run_memory_trial(MEMORY_CONFIGS["gru"], 50, 1)
print(f"set-up check: the GRU run again scores NMSE {gru_again.test_nmse:.3f} after {gru_again.epochs} epochs "
      f"(stored: {gru.test_nmse:.3f} after {gru.epochs})")
for r in (gru, result):
    print(f"{r.config:17s} k = 50, seed 1, at most 50 epochs: NMSE {r.test_nmse:.3f}, "
          f"{'succeeds' if r.success else 'fails'}; ‖∂h_T/∂h_(T−50)‖ at the start {r.jacobian_norm:.1e}")
print(f"the orthogonal start's gradient at lag 50: {result.jacobian_norm / gru.jacobian_norm:.0f} times the GRU's")

# %%
assert gru_again.epochs == gru.epochs and abs(gru_again.test_nmse / gru.test_nmse - 1) < 0.01, "the set-up check"
assert result.success and not gru.success
assert 4500 < result.jacobian_norm / gru.jacobian_norm < 5500, "about 5000 times the GRU's"
assert result.jacobian_norm < 1e-6, "a start below the chapter's line, and a success"

# %% [markdown]
# For seed 1 the orthogonal start turns a failure into a success, and it starts with a gradient at lag 50 about
# 5000 times the GRU's. That start, 8.5·10⁻⁷, is still below the chapter's 10⁻⁶ line, under which none of the
# sweep's 93 distinct runs succeeded within 50 epochs: a configuration outside the sweep does, one more reason to read
# a vanished start as a hint, not a verdict. This is **one seed, a spot check**: to claim that the orthogonal
# start rescues the GRU, run seeds 0–4
# (`from sine_lab.studies.delayed_recall import run_memory_sweep`, then
# `run_memory_sweep([gru_orthogonal], [50], range(5))`) and count. If the
# first `assert` fails on your machine, the seed's outcome differs there, which one seed cannot rule out.
