"""sine-lab: why a PyTorch RNN "can't learn a sine", measured.

One module per concern: :mod:`~sine_lab.data`, :mod:`~sine_lab.models`,
:mod:`~sine_lab.training`, :mod:`~sine_lab.diagnostics`, :mod:`~sine_lab.plots`,
:mod:`~sine_lab.doctor` (checks a training setup), :mod:`~sine_lab.checkpoints` (save/load).
"""

__version__ = "0.1.0"
