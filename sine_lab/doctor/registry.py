"""The registry of checks: each declares its code, severity and meaning once.

A check is a function ``run(setup) -> list[Issue]`` registered with the :func:`check`
decorator; :data:`CODES` (code -> meaning) grows with every registration, so it is
always derived from the registry. :func:`check_setup` runs every registered check
whose needs the setup meets, in registration order, and sorts the findings by severity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch.nn as nn
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from ..arguments import check_float, check_int, check_tensor
from .context import NEEDS, Setup
from .report import SEVERITIES, Finding, Report

__all__ = ["CHECKS", "CODES", "Check", "Issue", "check", "check_setup"]

_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Issue:
    """What a check found; the check's code (and, unless given, its severity) completes the :class:`Finding`."""

    message: str
    evidence: str = ""
    fix: str = ""
    severity: str | None = None


@dataclass(frozen=True)
class Check:
    """One check of a training setup: its code, default severity and meaning, declared once.

    ``run(setup)`` returns the :class:`Issue` objects it found (usually none or one);
    ``needs`` (one of :data:`NEEDS`) says what must be available for it to run.
    """

    code: str
    severity: str
    meaning: str
    needs: str
    run: Callable[[Setup], list[Issue]]

    def __call__(self, setup: Setup) -> list[Finding]:
        return [Finding(self.code, issue.severity or self.severity, issue.message, issue.evidence, issue.fix)
                for issue in self.run(setup)]


CHECKS: list[Check] = []

# Every code check_setup can report, with what it means. Codes are stable: tests and
# notebooks may rely on them.
CODES: dict[str, str] = {}


def check(code: str, severity: str, meaning: str, needs: str = "data"):
    """Register a function ``run(setup) -> list[Issue]`` as the check of ``code``."""
    if severity not in SEVERITIES or needs not in NEEDS:
        raise ValueError(f"severity must be one of {SEVERITIES} and needs one of {NEEDS}, got {severity!r}, {needs!r}")
    if any(existing.code == code for existing in CHECKS):
        raise ValueError(f"a check with code {code!r} is already registered")

    def register(run: Callable[[Setup], list[Issue]]) -> Callable[[Setup], list[Issue]]:
        CHECKS.append(Check(code, severity, meaning, needs, run))
        CODES[code] = meaning
        return run
    return register


def check_setup(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    *,
    probe_steps: int = 0,
    probe_lr: float = 0.01,
) -> Report:
    """Check a training setup before (or instead of) an afternoon of training.

    Runs ``model(x)`` once, in eval mode, with hooks on every submodule and autograd
    to see which inputs, which recurrent outputs and which recurrent layers the
    prediction depends on; calls ``loss_fn(prediction, y)`` and records which shapes
    its comparisons receive; calls the model a few times more, without gradients, to see
    whether it carries a state from one call into the next and whether a sample's
    prediction changes with the other samples or with its place in the batch. With
    ``probe_steps > 0`` it then trains a deep copy with full-batch Adam and the given loss
    (class-index targets included) to see whether the output still is (nearly) constant,
    or one class for every sample. Nothing in ``model`` is changed: weights, mode,
    gradients, attributes that ``forward`` stores, and the random streams stay as
    they were.

    Args:
        model: the model, as it would be trained.
        x: the input exactly as it would be passed to ``model``: a tensor of any shape and dtype (a
            ``PackedSequence`` is refused: pass the padded batch and pack it inside ``forward``).
        y: the target exactly as it would be passed to ``loss_fn``.
        loss_fn: ``loss_fn(prediction, y)``; defaults to ``nn.MSELoss()``.
        probe_steps: Adam steps of the optional training probe (0: no probe).
        probe_lr: the probe's learning rate, > 0.

    Returns:
        a :class:`Report` (a list of :class:`Finding`, errors first). It is
        empty, or holds only ``"info"`` findings, when the setup will train as
        intended.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(x, PackedSequence):
        raise TypeError("x must be a torch.Tensor, got a PackedSequence: pass the padded batch (and pack it inside "
                        "forward(), with lengths computed there or from a mask), so the doctor can index its samples")
    check_tensor("x", x, floating=False, finite=False)
    check_tensor("y", y, floating=False, finite=False)
    for name, value in (("x", x), ("y", y)):
        if value.numel() == 0:
            raise ValueError(f"{name} must hold at least one value, got an empty tensor of shape {tuple(value.shape)}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(prediction, target), got {type(loss_fn).__name__}")
    probe_steps = check_int("probe_steps", probe_steps, minimum=0)
    probe_lr = check_float("probe_lr", probe_lr, minimum=0.0, exclusive_minimum=True)
    setup = Setup(model, x, y, loss_fn if loss_fn is not None else nn.MSELoss(), probe_steps, probe_lr)
    findings: list[Finding] = []
    failed: list[tuple[str, BaseException]] = []
    for registered in CHECKS:
        try:  # no crash reaches the user: a check that raises becomes a note naming it; the others still run
            if setup.ready(registered.needs):
                findings.extend(registered(setup))
        except Exception as error:  # noqa: BLE001 - any failure of the doctor itself, not of the user's code
            failed.append((registered.code, error))
    if failed:
        findings.append(_failed_checks(failed))
    return Report(sorted(findings, key=lambda finding: _RANK[finding.severity]))


def _failed_checks(failed: list[tuple[str, BaseException]]) -> Finding:
    """One note for every check that raised: which, and the first error, so a report never ends in a traceback."""
    code, error = failed[0]
    names = ", ".join(name for name, _ in failed)
    return Finding(
        "check_failed", "info",
        f"{len(failed)} check{'s' if len(failed) != 1 else ''} could not run on this setup ({names}): the doctor "
        "itself failed there, so the report says nothing about what they look for.",
        evidence=f"check {code} raised {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
        fix="This is a gap in the doctor, not necessarily a problem in your setup: please report it with the shapes "
        "of x, y and the prediction.")


# Not a check of the setup: the note the guard in check_setup writes when a check itself raises.
CODES["check_failed"] = ("a check raised inside the doctor and could not run; the report says nothing about what it "
                         "looks for")


