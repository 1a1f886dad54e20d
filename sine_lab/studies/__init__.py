"""The chapters' studies, built on the core: each module answers one chapter's question.

- :mod:`~sine_lab.studies.article`: the article's three examples as settings and source,
  and the "fit ``t -> sin t``, run past ``t = 10``" experiment (chapters 01-03).
- :mod:`~sine_lab.studies.framing`: one-step set-ups from the article's training to the
  windows recipe, one change at a time, and the tuning, window x period and overfitting
  sweeps (chapter 04 and ``scripts/framing_ablation.py``).
- :mod:`~sine_lab.studies.delayed_recall`: the lag sweep of the memory chapter (09) and
  ``scripts/memory_sweep.py``.
- :mod:`~sine_lab.studies.playground`: the playground's experiments as pure functions
  (settings -> run -> evaluation), and :mod:`~sine_lab.studies.widgets`, the ipywidgets
  layer that only wires controls to them (chapter 11).

Nothing in the core (the modules of :mod:`sine_lab` itself) imports from here.
"""
