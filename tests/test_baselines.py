"""The trivial baselines and the judgement every chapter uses to say "learned" and "beats"."""

from __future__ import annotations

import math

import pytest
import torch

from sine_lab.baselines import BASELINES, MARGIN, free_run, judge, next_value, one_step
from sine_lab.data import make_windows


def sine(n: int = 400, omega: float = 0.1, phase: float = 0.3) -> torch.Tensor:
    return torch.sin(omega * torch.arange(n, dtype=torch.float64) + phase).float()


def test_each_baseline_predicts_what_its_name_says() -> None:
    past = torch.tensor([[0.0, 1.0, 3.0], [2.0, 2.0, 1.0]])
    assert next_value(past, "zero").tolist() == [[0.0], [0.0]]
    assert next_value(past, "persistence").tolist() == [[3.0], [1.0]]
    assert next_value(past, "extrapolation").tolist() == [[5.0], [0.0]]


def test_the_recurrence_is_exact_on_a_noise_free_sine_and_the_others_are_not() -> None:
    series = sine()
    past, target = make_windows(series[200:], 5)
    scores = one_step(past, target, fitted_on=series[:200])
    assert scores["recurrence"] < 1e-12
    # extrapolation misses by the curvature, about omega^2 * |s|: MSE ~ omega^4 / 2
    assert scores["extrapolation"] == pytest.approx(0.1**4 / 2, rel=0.2)
    assert scores["persistence"] == pytest.approx(0.1**2 / 2, rel=0.2)
    assert scores["zero"] == pytest.approx(0.5, rel=0.2)
    assert scores["recurrence"] < scores["extrapolation"] < scores["persistence"] < scores["zero"]


def test_free_runs_continue_as_each_rule_says() -> None:
    series = sine()
    runs = free_run(series[None, :100], 50, fitted_on=series[:100])
    assert set(runs) == set(BASELINES) and all(r.shape == (1, 50) for r in runs.values())
    assert torch.equal(runs["zero"], torch.zeros(1, 50))
    assert torch.equal(runs["persistence"], series[99].expand(1, 50))
    slope = float(series[99] - series[98])
    assert torch.allclose(runs["extrapolation"][0], series[99] + slope * torch.arange(1, 51), atol=1e-5)
    assert torch.allclose(runs["recurrence"], series[None, 100:150], atol=1e-4)


def test_the_judgement_needs_the_margin_against_the_strongest_parameter_free_baseline() -> None:
    scores = {"zero": 0.5, "persistence": 5e-3, "extrapolation": 5e-5, "recurrence": 1e-15}
    clearly = judge(5e-5 / MARGIN, scores)
    assert clearly.strongest == ("extrapolation", 5e-5)
    assert clearly.learned and not clearly.beats("recurrence")
    assert "learned: 2x below extrapolation" in clearly.verdict()
    assert "does not beat the fitted recurrence" in clearly.verdict()
    # 1000x better than persistence, yet worse than extrapolation: not learned
    barely = judge(5e-6 * 1.5 * 10, scores)
    assert barely.factor("persistence") > 30 and not barely.learned
    assert barely.verdict().startswith("not learned: 1.5x extrapolation's MSE, worse than extrapolation")
    # Read the right way round when the model is worse than a baseline: its MSE as a multiple of the baseline's.
    worse = judge(1.0, {"zero": 0.5, "recurrence": 1e-9})
    assert worse.verdict() == ("not learned: 2x zero's MSE, worse than zero (needs 2x below it); "
                               "does not beat the fitted recurrence (1e+09x recurrence's MSE, worse than recurrence)")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: next_value(torch.zeros(3, 1), "zero"), "at least the last 2 values"),
        (lambda: next_value(torch.zeros(3, 4, 2), "zero"), "one feature per step"),
        (lambda: next_value(torch.zeros(3, 4), "mean"), "name must be one of"),
        (lambda: next_value(torch.zeros(3, 4), "recurrence"), "pass fitted_on"),
        (lambda: one_step(torch.zeros(3, 4), torch.zeros(2, 1)), r"target must have shape \(N, 1\) = \(3, 1\)"),
        (lambda: judge(math.nan, {"zero": 1.0}), "mse must be a number"),
        (lambda: judge(1.0, {"recurrence": 1.0}), "at least one parameter-free baseline"),
        (lambda: judge(1.0, {"mean": 1.0}), "unknown baselines"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()
