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
# # Why can't a PyTorch RNN learn a sine function?
#
# A popular answer to this question (kept in this repository's seed,
# *"Why can't a PyTorch RNN learn a sine function dataset?"*, 2025) says:
#
# > Standard RNNs struggle with long-range dependencies because gradients vanish as they are
# > back-propagated through time; a sine wave's current value depends on values many steps in the
# > past, so the network cannot learn it. LSTMs mitigate this only partly, and a deeper LSTM gives a
# > better chance.
#
# It illustrates the claim with three PyTorch examples, all fed
# `x = torch.linspace(0, 10, 1000).reshape(-1, 1)` with target `y = torch.sin(x)`:
# a simple `nn.RNN`, an `nn.LSTM`, and a 3-layer `nn.LSTM`.
#
# This series **runs those examples exactly as written and measures** what happens —
# and then shows what actually works. Every claim a chapter makes is an `assert` in a cell,
# so the notebooks are also the test suite.
#
# ## The chapters
#
# | # | Chapter | The question it answers |
# |---|---------|-------------------------|
# | 01 | [Example 1: the simple RNN](01_example1_simple_rnn.ipynb) | What does the article's RNN really compute? |
# | 02 | [Example 2: the LSTM](02_example2_lstm.ipynb) | Does the LSTM's gating change anything? |
# | 03 | [Example 3: the deep LSTM](03_example3_deep_lstm.ipynb) | What happens when the bigger model runs as written? |
# | 04 | [Gradients through time](05_gradients_through_time.ipynb) | Do gradients vanish here, and does it matter? |
# | 05 | [Framing the problem](04_framing_the_problem.ipynb) | What should "learning a sine" mean, and does every cell manage it? |
# | 06 | [Forecasting far ahead](06_forecasting_far_ahead.ipynb) | Can the models generate 1000 steps on their own and extrapolate? |
# | 07 | [When memory matters](07_when_memory_matters.ipynb) | Where do vanishing gradients truly bite, and what helps? |
# | 08 | [Playground](09_playground.ipynb) | Change the settings yourself and watch the consequences live. |
#
# ## How to run
#
# From the repository root, `./dev lab` sets everything up and opens this notebook in JupyterLab;
# `./dev test` sets everything up and runs the unit tests and every notebook under nbval.
# All shared code lives in the small `sine_lab` package that the chapters import.

# %% [markdown]
# The chapter map above is checked: every chapter it lists exists next to this notebook.

# %%
from pathlib import Path

chapters = [
    "01_example1_simple_rnn", "02_example2_lstm", "03_example3_deep_lstm",
    "05_gradients_through_time", "04_framing_the_problem", "06_forecasting_far_ahead",
    "07_when_memory_matters", "09_playground",
]
missing = [name for name in chapters if not Path(f"{name}.ipynb").is_file()]
assert not missing, f"chapters listed but missing: {missing}"

# %% [markdown]
# The package every chapter uses is importable from here, and it holds the article's three models verbatim:

# %%
# NBVAL_CHECK_OUTPUT
import sine_lab
from sine_lab.studies.article import EXAMPLES

for example in EXAMPLES.values():
    print(f"Example {example.number}: {example.name:13} {type(example.build()).__name__:17} Adam lr={example.lr}, {example.epochs} epochs")

# %% [markdown]
# **Next:** [Chapter 01 — Example 1, the simple RNN](01_example1_simple_rnn.ipynb).
