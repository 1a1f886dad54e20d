"""The benchmark's command line: ``python -m sine_lab.bench --periods 5,10,20,50,100 --seeds 0-4``.

Parses and checks the arguments (bad ones exit 2 with a message), runs
:func:`sine_lab.bench.run_sweep`, prints :func:`sine_lab.bench.format_sweep` and writes the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence

from ..forecasting import ForecastSettings
from ..models import MODEL_KINDS
from . import DEFAULT_CELLS, HORIZONS, MAX_CYCLES, MAX_HORIZON, PERIOD_RANGE, _number, format_sweep, run_sweep

__all__ = ["main"]


def _list_of(kind, low, high, ranges: bool = False):
    # "5,10,20"; with ranges also "0-4" and "0-2,7".
    def parse(text: str) -> list:
        values = []
        for part in text.split(","):
            part = part.strip()
            bounds = part.split("-", 1) if ranges and "-" in part[1:] else [part]
            try:
                numbers = [kind(b) for b in bounds]
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected comma-separated {kind.__name__}s" + (" or ranges like 0-4" if ranges else "")
                    + f", got {text!r}"
                ) from None
            for number in numbers:
                if not low <= number <= high:
                    raise argparse.ArgumentTypeError(f"each value must be between {low:g} and {high:g}, got {part}")
            if len(numbers) == 2:
                if numbers[0] > numbers[1]:
                    raise argparse.ArgumentTypeError(f"a range must go up, got {part}")
                values.extend(range(numbers[0], numbers[1] + 1))
            else:
                values.extend(numbers)
        if len(set(values)) != len(values):
            raise argparse.ArgumentTypeError(f"a value is repeated in {text!r}")
        return values

    return parse


def _one(parse):
    def single(text: str):
        values = parse(text)
        if len(values) != 1:
            raise argparse.ArgumentTypeError(f"expected one value, got {text!r}")
        return values[0]

    return single


def _cells(text: str) -> list[str]:
    cells = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in cells if c not in MODEL_KINDS]
    if unknown or not cells:
        raise argparse.ArgumentTypeError(
            f"unknown cell(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(MODEL_KINDS)}"
        )
    if len(set(cells)) != len(cells):
        raise argparse.ArgumentTypeError(f"a cell is repeated in {text!r}")
    return cells


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sine_lab.bench",
        allow_abbrev=False,  # "--period 20" (the old single-period option) must not run a sweep
        description="Train models with the standard forecasting recipe on the time_sequence_prediction task "
        "at each period and seed; "
        "report one-step and free-running test MSE and training time, worst and median over seeds, "
        "and which targets were met.",
    )
    parser.add_argument("--periods", type=_list_of(float, *PERIOD_RANGE), default=[20.0],
                        help="comma-separated samples per radian, each 5 to 100 (default 20)")
    parser.add_argument("--seeds", type=_list_of(int, 0, 2**31 - 1, ranges=True), default=[0],
                        help="comma-separated seeds or ranges, e.g. 0-4 (default 0)")
    parser.add_argument("--cells", type=_cells, default=list(DEFAULT_CELLS),
                        help="comma-separated model kinds from " + ",".join(MODEL_KINDS)
                        + " (default " + ",".join(DEFAULT_CELLS) + ")")
    parser.add_argument("--horizons", type=_list_of(int, 1, MAX_HORIZON), default=list(HORIZONS),
                        help="comma-separated free-running horizons scored, each 1 to 5000 (default 1000,2000)")
    parser.add_argument("--cycles", type=_list_of(int, 1, MAX_CYCLES), default=[],
                        help="also score each free run over these numbers of whole cycles of the wave (2π·P samples "
                        f"each, P measured in the training data), each 1 to {MAX_CYCLES}, e.g. 1,10: sampling rates "
                        "then compare on equal cycles, not equal steps (default: none)")
    parser.add_argument("--delta-order", type=_one(_list_of(int, 0, 2)), default=ForecastSettings().delta_order,
                        help="what the head predicts on top of the fixed residual: 2 the curvature, output "
                        "2x[n] - x[n-1] + scale·head (the recipe's default); 1 the change, x[n] + scale·head; "
                        "0 the value itself, scale·head (the bare cell, nothing fixed added)")
    parser.add_argument("--reference-period", type=_one(_list_of(float, *PERIOD_RANGE)), default=None, metavar="P",
                        help="count the recipe's warm-up (40 steps) at P samples per radian and stretch it, and the "
                        "chunks with it, for slower waves, so that a slow wave's state is set up from the same part "
                        "of a cycle (ForecastSettings.reference_period; default: the same lengths in steps at "
                        "every period)")
    parser.add_argument("--threads", type=_one(_list_of(int, 1, 256)), default=1, help="torch threads (default 1)")
    parser.add_argument("--json", metavar="PATH", help="also write every run and the summary as JSON to PATH "
                        "(checked before any training: a path that cannot be written stops the command)")
    return parser


def _recipe(delta_order: int, reference_period: float | None) -> ForecastSettings:
    """The standard recipe with the head and the length rule asked for (a seam the tests shrink)."""
    return ForecastSettings(delta_order=delta_order, reference_period=reference_period)


def _check_writable(path: str) -> str | None:
    """Why ``path`` cannot be written, or None: checked before a sweep that may take an hour."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        return f"--json {path!r} is a folder; give a file path"
    if not os.path.isdir(folder):
        return f"--json {path!r}: the folder {folder!r} does not exist"
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return f"--json {path!r} cannot be written (no permission)"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (2 for bad arguments)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exit_.code or 0)
    if args.json and (problem := _check_writable(args.json)):
        print(f"python -m sine_lab.bench: error: {problem}", file=sys.stderr)
        return 2
    command = "python -m sine_lab.bench " + shlex.join(sys.argv[1:] if argv is None else list(argv))

    def progress(row: dict) -> None:
        # One line per run on stderr: a full sweep takes a while, and the table comes at the end.
        free = " ".join(f"{h}:{_number(v, '.1e')}" for h, v in row["free_run_mse"].items())
        print(f"{row['cell']} period {row['period']:g} seed {row['seed']}: {row['train_seconds']:.1f} s, "
              f"one-step {_number(row['one_step_mse'], '.1e')}, free-run {free}", file=sys.stderr, flush=True)

    result = run_sweep(periods=args.periods, seeds=args.seeds, cells=args.cells, horizons=args.horizons,
                       cycles=args.cycles, threads=args.threads, report=progress,
                       recipe=_recipe(args.delta_order, args.reference_period))
    result = {"command": command, **result}
    print(format_sweep(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
            handle.write("\n")
    return 0

