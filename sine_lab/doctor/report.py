"""What the doctor reports: a :class:`Finding` per problem, gathered in a :class:`Report`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SEVERITIES", "Finding", "Report"]

SEVERITIES = ("error", "warning", "info")

_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One problem (or remark) about a training setup.

    Attributes:
        code: a stable identifier, one of :data:`CODES`.
        severity: ``"error"`` (will not train as intended), ``"warning"`` (probably
            not what was meant) or ``"info"`` (worth knowing, not a problem).
        message: what is wrong, in plain language.
        evidence: the shapes or values that show it.
        fix: what to change.
    """

    code: str
    severity: str
    message: str
    evidence: str = ""
    fix: str = ""

    def __str__(self) -> str:
        lines = [f"[{self.severity}] {self.code}: {self.message}"]
        if self.evidence:
            lines.append(f"    evidence: {self.evidence}")
        if self.fix:
            lines.append(f"    fix: {self.fix}")
        return "\n".join(lines)


class Report(list):
    """The findings of :func:`check_setup`, most severe first.

    A ``list`` of :class:`Finding`; ``str(report)``, ``print(report)`` and a notebook's
    display of a cell ending in ``report`` (through ``_repr_pretty_``) all show a
    readable summary followed by each finding with its evidence and fix.
    """

    @property
    def codes(self) -> list[str]:
        """The findings' codes, in report order."""
        return [finding.code for finding in self]

    @property
    def ok(self) -> bool:
        """``True`` when there is no ``"error"`` or ``"warning"`` (``"info"`` is allowed)."""
        return all(finding.severity == "info" for finding in self)

    def count_severity(self, severity: str) -> int:
        """How many findings have this severity."""
        return sum(finding.severity == severity for finding in self)

    def __str__(self) -> str:
        counts = []
        for severity in SEVERITIES:
            n = self.count_severity(severity)
            counts.append(f"{n} {severity}{'s' if severity != 'info' and n != 1 else ''}")
        head = f"check_setup: {', '.join(counts)}"
        if "state_not_detached" in self.codes:
            # Measured: a second training step's backward raised. Only a loop that resets the state avoids it.
            head += " — the second training step raised: training stops unless the loop resets the kept state"
        elif self.ok and "check_failed" in self.codes:
            head += " — nothing found by the checks that ran; some checks could not run (check_failed)"
        elif self.ok and "layout_undecided" in self.codes:
            head += " — nothing found by the checks that ran; the layout of a recurrent layer could not be checked " \
                    "(layout_undecided)"
        elif self.ok and "reshape_swaps_axes" in self.codes:
            head += " — nothing found by the checks that ran; a view/reshape swaps two axes of each sample, which " \
                    "they cannot judge (reshape_swaps_axes)"
        elif self.ok and "checks_skipped" in self.codes:
            # Never "no problems found" when the per-sample checks did not run.
            head += " — nothing found by the checks that ran; the per-sample checks could not (checks_skipped)"
        elif self.ok:
            head += " — no problems found" if not self else " — nothing that stops training as intended"
        return "\n".join([head, *map(str, self)])

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text("Report(...)" if cycle else str(self))
