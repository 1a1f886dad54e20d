"""Chapter 08's control: residual order (1 or 2) x loss (raw or scaled MSE), every cell, several seeds.

Separates the two changes that made the forecasting recipe work on slow waves. Usage (from the
repository root, after ``./dev test`` has created .venv; one process, about 10 minutes)::

    .venv/bin/python scripts/residual_control.py

Trains rnn, lstm and gru on the benchmark task at each period with each seed and each of the four
variants (:data:`sine_lab.studies.forecasting_study.VARIANTS`), the rest of the recipe being
``ForecastSettings()``; prints one line per run and rewrites
``sine_lab/studies/results/residual_control.json`` after each (so an interrupted run keeps what it
finished; ``--resume`` completes such a file), then prints the summary table; everything printed
also goes to ``residual_control.log`` beside it, headed by the command. Chapter 08 reads that file with
:func:`~sine_lab.studies.forecasting_study.load_control` and re-runs a corner of the grid live with the
same :func:`~sine_lab.studies.forecasting_study.run_control`. Times are CPU seconds of this process
(one torch thread), comparable while other jobs run.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import torch

from sine_lab.studies.forecasting_study import (
    CELLS,
    CONTROL_PATH,
    VARIANTS,
    format_control,
    load_control,
    run_control,
    save_control,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=float, nargs="+", default=[100.0, 20.0], help="samples per radian")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--out", default=str(CONTROL_PATH), help="the JSON file to write")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs already in --out and its log, and run only the missing ones")
    args = parser.parse_args()

    torch.set_num_threads(1)
    command = shlex.join(["python", "scripts/residual_control.py", *sys.argv[1:]])
    log = Path(args.out).with_suffix(".log")
    runs = []
    if args.resume and Path(args.out).exists():
        previous, runs = load_control(args.out)
        command = f"{previous} && {command}"
        with log.open("a", encoding="utf-8") as file:
            file.write(f"# {shlex.join(['python', 'scripts/residual_control.py', *sys.argv[1:]])}\n")
    else:
        log.write_text(f"# {command}\n", encoding="utf-8")
    done = {(r.cell, r.period, r.seed, r.variant) for r in runs}

    def report(line: str) -> None:
        print(line, flush=True)
        with log.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    for period in args.periods:
        for cell in args.cells:
            for variant in VARIANTS:
                for seed in args.seeds:
                    if (cell, period, seed, variant) in done:
                        continue
                    _, run = run_control(cell, period, seed, variant)
                    runs.append(run)
                    save_control(runs, args.out, command=command)
                    report(f"{cell:<5} period {period:g} seed {seed} {variant.label:<21}: one-step "
                           f"{run.one_step_mse:.1e}, free run 1000 {run.free_run_mse['1000']:.1e}, "
                           f"TF loss {run.teacher_forced:.2e} (zero head {run.zero_head_loss:.2e}), "
                           f"{run.cpu_seconds:.1f} CPU s")
    report("")
    report(format_control(runs))


if __name__ == "__main__":
    main()
