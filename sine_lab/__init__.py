"""sine-lab: why a PyTorch RNN "can't learn a sine", measured.

The reusable core, one module per concern:

- :mod:`~sine_lab.data`: the article's data, sampled sines, windows, splits, scaling.
- :mod:`~sine_lab.models`: the article's models verbatim, the registry of model kinds,
  free-running :func:`~sine_lab.models.forecast`.
- :mod:`~sine_lab.attention`, :mod:`~sine_lab.lru`: kinds beyond the article (self-attention,
  a causal Transformer, a linear recurrent unit), on :mod:`~sine_lab.stepwise`'s shared contract.
- :mod:`~sine_lab.training`: the training loop (``train``), ``History``, seeding.
- :mod:`~sine_lab.objectives`: what a training step predicts and scores (last step,
  per step, free-running rollout, truncated BPTT).
- :mod:`~sine_lab.callbacks`: everything else the loop does (clipping, validation,
  divergence guard, recording, printing, stopping).
- :mod:`~sine_lab.diagnostics`: shapes and gradients through time.
- :mod:`~sine_lab.doctor`: checks a training setup before you train.
- :mod:`~sine_lab.checkpoints`: save and load a model with its settings.
- :mod:`~sine_lab.plots`: figures shared by chapters.
- :mod:`~sine_lab.arguments`: argument checks with messages that name what was expected.
- :mod:`~sine_lab.bench`: the benchmark task, its scoring and sweep; :mod:`~sine_lab.bench.cli`, its command line.

The chapter studies that use the core live in :mod:`sine_lab.studies`.
"""

__version__ = "0.1.0"

# Importing these registers their model kinds, so MODEL_KINDS is complete whenever
# any part of the package is imported (they import models, never the reverse).
from . import attention, lru, skip  # noqa: E402,F401
