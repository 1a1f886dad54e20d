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
# # 00 · Overview: why can't a PyTorch RNN learn a sine?
#
# A popular answer (the article *"Why can't a PyTorch RNN learn a sine function dataset?"*, 2025) opens:
#
# > The core difficulty in training a recurrent neural network (RNN) to learn a sine function, despite its
# > apparent simplicity, stems from the inherent limitations of standard RNN architectures when faced with
# > long-range dependencies and the vanishing gradient problem.
#
# It illustrates the claim with three PyTorch examples, all fed `x = torch.linspace(0, 10, 1000).reshape(-1, 1)`
# with target `y = torch.sin(x)`: a simple `nn.RNN`, an `nn.LSTM`, and a 3-layer `nn.LSTM`. This series
# **runs those examples exactly as written and measures** what happens. The chapters' findings are `assert`s
# in their cells, so the chapters are also the test suite.
#
# This chapter holds what the others assume: a primer on recurrent networks, the answer in plain words, the
# ledger of the article's claims and the map of the series; the glossary the chapters link to has its own page.
#
# **New to recurrent networks?** Read the primer below, then chapters 01–03 (what the article's examples
# really do), then chapter 04 (the fix, in plain PyTorch). Terms in *links* lead to the glossary.

# %% [markdown]
# Chapter 01 runs Example 1 as written and plots what the trained RNN outputs: one number, `mean(y)`, for all
# 1000 times. The left panel shows how close its loss gets to `var(y)`, the spread of the targets, which is the
# lowest loss any single number can reach ([target variance](glossary.ipynb#target-variance) in the glossary).

# %%
from IPython.display import Image

Image(filename="../docs/example1.png")

# %% [markdown]
# ## A primer: what a recurrent network computes
#
# An RNN reads a sequence one step at a time and keeps a vector, its
# [hidden state](glossary.ipynb#hidden-state) `h`. At step `t` a plain (`tanh`) RNN computes
#
# $$h_t = \tanh(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}),$$
#
# from the input `x_t` and the previous state `h_{t−1}` (`h_0 = 0`), with the same weights at every step.
# `nn.RNN(input_size, hidden_size)` returns two things: `out`, the state after *every* step, and `h_n`, the
# state after the *last* step (one per layer). A [head](glossary.ipynb#head), usually an `nn.Linear`, turns a state into a
# prediction.
#
# **Shapes.** By default PyTorch expects `(seq, batch, features)`; with `batch_first=True`,
# `(batch, seq, features)`. A 2-D input `(seq, features)` is read as **one unbatched sequence**: the
# article's `(1000, 1)` is one sequence of 1000 steps, not 1000 samples. That is the mistake chapters
# 01–03 trace.
#
# **LSTM and GRU.** An LSTM adds a second vector, the cell state `c`, and three [gates](glossary.ipynb#gates): numbers
# between 0 and 1, computed from `x_t` and `h_{t−1}`, that scale how much of the old cell state is kept
# (forget gate), how much new information enters it (input gate), and how much of it shows in `h_t`
# (output gate). A GRU merges these into two gates and no separate cell. Gates let a network keep a value
# for many steps when it needs to.
#
# **Training** compares predictions with targets by the [MSE](glossary.ipynb#mse), follows the gradient backwards through
# every step ([BPTT](glossary.ipynb#bptt)) and updates the weights with an optimizer such as [Adam](glossary.ipynb#adam).
#
# **Judging a result.** A low MSE means little on its own: a sampled sine is so regular that formulas with no
# training predict it well. The chapters on predicting a wave (01–08, 10) compare a model with
# [baselines](glossary.ipynb#baseline): predicting zero,
# repeating the last value ([persistence](glossary.ipynb#persistence)), continuing the line through the last two values
# ([linear extrapolation](glossary.ipynb#linear-extrapolation)), the parabola through the last three
# (quadratic extrapolation, from chapter 04 on), and the two-coefficient
# [least-squares recurrence](glossary.ipynb#least-squares-recurrence). A model has
# [learned](glossary.ipynb#learned) when it is at least 2x below the best of zero, persistence and linear
# extrapolation; that is a low bar, so the chapters also say whether it beats quadratic extrapolation and the
# least-squares recurrence (on a noise-free sine, no network here beats the recurrence). The memory task of
# chapters 09–10 has its own yardstick, explained there.

# %% [markdown]
# ## The answer in plain words
#
# Five points, each in two plain sentences; the evidence behind them (numbers, seeds, what the runs cannot
# separate) is folded under the list. Both are rendered from `sine_lab.studies.ledger`, which also writes them
# into the README.

# %%
from IPython.display import Markdown

from sine_lab.studies.ledger import answer_list

Markdown(answer_list(""))

# %% [markdown]
# ## Glossary
#
# The words the series uses are explained on their own page, the [glossary](glossary.ipynb), in alphabetical
# order; chapters link there at a term's first use.

# %% [markdown]
# ## The article's claims, tested
#
# Each row quotes the article, gives the series' verdict and links the section whose cells assert it. It is
# dense: a first-time reader may skip it and come back after the chapters. The table is rendered from one
# source, `sine_lab.studies.ledger`, which also writes it into the README.

# %%
from sine_lab.studies.contents import chapter_table
from sine_lab.studies.ledger import ledger_table

Markdown(f"<details><summary>The ledger: {ledger_table('').count(chr(10)) - 1} claims of the article, each with its "
         f"verdict (click to open)</summary>\n\n{ledger_table('')}\n\n</details>")

# %% [markdown]
# ## The chapters
#
# Each asks a question, runs the code, shows the evidence, asserts its conclusions and ends with exercises,
# each with a worked solution in the `solutions` folder beside the chapters (every exercise links its own).

# %%
Markdown(chapter_table(""))

# %% [markdown]
# The map is checked against the folder: every chapter here is in it, and every chapter it lists exists.

# %%
from pathlib import Path

from sine_lab.studies.contents import CHAPTERS

present = sorted(path.stem for path in Path().glob("[0-9][0-9]_*.ipynb"))
assert present == [c.stem for c in CHAPTERS], f"the folder and the map disagree: {present}"

# %% [markdown]
# The package every chapter uses holds the article's three examples: the model classes verbatim (only
# renamed) and their optimiser settings.

# %% tags=["nbval-check-output"]
from sine_lab.studies.article import EXAMPLES

for example in EXAMPLES.values():
    model = type(example.build()).__name__
    print(f"Example {example.number}: {example.name:13} {model:17} Adam lr={example.lr}, {example.epochs} epochs")

# %% [markdown]
# ## How to run
#
# From the repository root, `./dev lab` installs what is needed and opens the series in JupyterLab;
# `./dev test` runs the unit tests and every chapter and solution under nbval. The code the chapters share
# lives in the small `sine_lab` package they import.
#
# **Next:** [01 · Example 1: the simple RNN, run as written](01_example1_simple_rnn.ipynb)
