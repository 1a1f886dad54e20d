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
# A popular answer (the article *"Why can't a PyTorch RNN learn a sine function dataset?"*, 2025) opens:
#
# > The core difficulty in training a recurrent neural network (RNN) to learn a sine function, despite its
# > apparent simplicity, stems from the inherent limitations of standard RNN architectures when faced with
# > long-range dependencies and the vanishing gradient problem.
#
# and explains:
#
# > This becomes especially problematic with functions like sine, where the current value is significantly
# > influenced by values many steps in the past.
#
# It illustrates the claim with three PyTorch examples, all fed `x = torch.linspace(0, 10, 1000).reshape(-1, 1)`
# with target `y = torch.sin(x)`: a simple `nn.RNN`, an `nn.LSTM`, and a 3-layer `nn.LSTM`.
# This series **runs those examples exactly as written and measures** what happens. Every claim a chapter
# makes is an `assert` in one of its cells, so the chapters are also the test suite.
#
# ## The answer, in four points
#
# Chapter 01 runs Example 1 as written and plots what the trained RNN outputs (the figure is exported
# from that chapter to `docs/example1.png`):

# %%
from IPython.display import Image

Image(filename="../docs/example1.png")

# %% [markdown]
# 1. **The article's examples do not fail because of vanishing gradients.** Examples 1 and 2 read the 2-D
#    input as *one* sequence and output *one* number for it, which the loss compares with all 1000 targets:
#    they learn `mean(y)` exactly, the best a single number can do (the figure). Example 3 raises an
#    `IndexError` before its first step. (Chapters 01–03)
# 2. **Time is the wrong input.** With the shapes fixed, a network fed the time `t` fits the stretch it saw
#    but not the times after it; fed the previous value instead, the same network carries on. (Chapter 01)
# 3. **Framed as "past values predict the next value", all three architectures learn sine** — and one-step
#    prediction of a sine is a linear problem: `s[n+1] = 2cos(ωΔt)·s[n] − s[n−1]`. (Chapters 04–06)
# 4. **Vanishing gradients are real but beside the point here**: a sine needs two steps of memory, not many.
#    They decide the outcome when the answer truly lies many steps back (Chapter 09); generating the wave
#    far ahead on the model's own predictions is the hard part of forecasting; what made slow waves hard was
#    mainly a head that predicts the change rather than the curvature (Chapter 07).
#
# ## The chapters
#
# | # | Chapter | What it finds |
# |---|---------|---------------|
# | 01 | [Example 1: the simple RNN](01_example1_simple_rnn.ipynb) | The 2-D input is one unbatched sequence and `out[-1]` one number: the RNN learns `mean(y)`, loss `var(y)`. Fixed to one output per step and fed time, it fits `[0, 10]` but not the times after; controls show why. |
# | 02 | [Example 2: the LSTM](02_example2_lstm.ipynb) | Gates change nothing: the same bug, the same mean, the same floor. |
# | 03 | [Example 3: the deep LSTM](03_example3_deep_lstm.ipynb) | It raises `IndexError` (`batch_first` is ignored for 2-D input); made to run, 51,000 parameters learn `mean(y)` too. |
# | 04 | [Framing the problem](04_framing_the_problem.ipynb) | Windows of past values are the one change that matters: RNN, LSTM and deep LSTM learn sine; a 2-coefficient linear regression solves it exactly. |
# | 06 | [Gradients through time](06_gradients_through_time.ipynb) | The gradient does shrink with the lag, and the networks learn anyway: a sine needs two steps of memory. |
# | 07 | [Forecasting far ahead](07_forecasting_far_ahead.ipynb) | Free running on its own predictions is the hard part; a rollout loss helps. A long period is not what breaks a cell: with a head that predicts the curvature, one recipe forecasts every sampling rate from 5 to 100 samples per radian (the LSTM misses at the fastest). Extrapolating to new frequencies and amplitudes is limited. |
# | 09 | [When memory matters](09_when_memory_matters.ipynb) | On a task whose answer lies k steps back, vanishing gradients decide which cells succeed, and which remedies help. |
# | 10 | [Beyond the article](10_beyond_the_article.ipynb) | The article's closing advice measured: attention and a small Transformer solve delayed recall where the cells fail, and a linear recurrent unit does it too, far cheaper. |
# | 11 | [Playground](11_playground.ipynb) | Change the settings with widgets, train, and watch the loss, predictions and gradients. |
#
# ## How to run
#
# From the repository root, `./dev lab` installs what is needed and opens the series in JupyterLab;
# `./dev test` runs the unit tests and every chapter under nbval. The code the chapters share lives in
# the small `sine_lab` package they import.

# %% [markdown]
# The chapter map is checked: every chapter in this folder is in it, and every chapter it links to exists.

# %%
from pathlib import Path

chapters = [
    "01_example1_simple_rnn", "02_example2_lstm", "03_example3_deep_lstm", "04_framing_the_problem",
    "06_gradients_through_time", "07_forecasting_far_ahead", "09_when_memory_matters",
    "10_beyond_the_article", "11_playground",
]
present = {path.stem for path in Path().glob("[0-9][0-9]_*.ipynb")} - {"00_overview"}
assert present <= set(chapters), f"chapters missing from the map: {sorted(present - set(chapters))}"
assert set(chapters) <= present, f"chapters in the map but not here: {sorted(set(chapters) - present)}"
assert chapters == sorted(chapters), "the map lists the chapters in order"

# %% [markdown]
# The package every chapter uses is importable from here, and it holds the article's three examples:
# the model classes verbatim (only renamed) and their optimiser settings.

# %%
# NBVAL_CHECK_OUTPUT
from sine_lab.studies.article import EXAMPLES

for example in EXAMPLES.values():
    model = type(example.build()).__name__
    print(f"Example {example.number}: {example.name:13} {model:17} Adam lr={example.lr}, {example.epochs} epochs")

# %% [markdown]
# **Next:** [Chapter 01 — Example 1, the simple RNN](01_example1_simple_rnn.ipynb).
