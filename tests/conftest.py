"""Shared test settings.

The unit tests use small tensors, for which one torch thread is fastest; with
several threads on a busy two-core machine they slow down many times over.
Hypothesis profiles: "default" keeps the property tests within the suite's time
budget; HYPOTHESIS_PROFILE=thorough explores far more examples.
"""

import os

import torch
from hypothesis import HealthCheck, settings

torch.set_num_threads(1)

settings.register_profile(
    "default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
