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
# # 10 · Solutions: Beyond the article: attention, Transformers and the LRU
#
# Worked solutions to the exercises of [10 · Beyond the article](../10_beyond_the_article.ipynb#try-this).
# Try each exercise first; every solution ends with the `assert` that checks its answer.

# %%
import torch

from sine_lab.data import delayed_recall
from sine_lab.models import build_model

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **A window shorter than the lag**
# ([back to the exercise](../10_beyond_the_article.ipynb#try-this))
#
# At lag `k = 100` the burst lies more than 100 steps before the answer. An attention model that looks at
# the last 50 steps sees only zeros there, the same zeros in every sequence, so it must give every sequence
# the same answer, whatever its weights: at best the targets' mean, whose NMSE is 1 by the definition of NMSE
# (the error divided by the targets' variance). The claim is structural, not measured: it follows from the
# window. That is no failure of attention; the information is outside its window. The cell below only
# illustrates it on one untrained model: its answers do not depend on the sequence, so its NMSE is at least 1
# (printed). A trained short-window model was not run here.

# %%
x, y = delayed_recall(64, 100, seed=0)
torch.manual_seed(0)
short = build_model("attention", context=50).eval()
with torch.no_grad():
    answers = short(x)
print(f"answers differ across sequences by at most {float(answers.max() - answers.min()):.1e}")
assert float(answers.max() - answers.min()) < 1e-6, "every sequence gets the same answer"
nmse = float(((answers.reshape(-1) - y.reshape(-1)) ** 2).mean() / y.reshape(-1).var(unbiased=False))
print(f"its NMSE on these sequences: {nmse:.2f} (no constant answer can score below 1)")
assert nmse >= 1 - 1e-6, "a constant answer scores an NMSE of at least 1"

# %% [markdown]
# ## Exercise 2
# **A kind of your own**
# ([back to the exercise](../10_beyond_the_article.ipynb#try-this))
#
# A registered kind keeps the contract of `register_model_kind`: `model(x)` maps `(batch, seq, 1)` to
# `(batch, 1)`, and `run(x, state)` continues where an earlier call stopped. `SequenceModel` already keeps it,
# so the smallest new kind wraps one: here a GRU of 8 units, registered under a new name.

# %%
from sine_lab.models import MODEL_KINDS, SequenceModel, register_model_kind


@register_model_kind("small_gru", "a GRU of 8 units")
def small_gru(**config) -> SequenceModel:
    return SequenceModel("gru", hidden_size=config.pop("hidden_size", 8), **config)


model = build_model("small_gru")
out, state = model.run(x[:2, :10])
print("registered:", "small_gru" in MODEL_KINDS, "; model(x):", tuple(model(x[:2]).shape), "; run:", tuple(out.shape))
assert "small_gru" in MODEL_KINDS and model(x[:2]).shape == (2, 1) and out.shape == (2, 10, 1)
