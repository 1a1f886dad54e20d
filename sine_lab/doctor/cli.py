"""The command-line doctor: ``python -m sine_lab.doctor path/to/file.py:function``.

Imports ``function`` from the file, calls it for ``(model, x, y)`` or ``(model, x, y,
loss_fn)``, prints :func:`~sine_lab.doctor.check_setup`'s report and returns the exit
status: 1 when the report holds an error, 0 otherwise, 2 (with a one-line message on
stderr) for a bad path, a missing function or a wrong return value.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

import torch.nn as nn
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from .registry import check_setup

__all__ = ["main"]

class _UsageError(Exception):
    """A bad path, a missing function or a wrong return value: exit status 2."""


def _load_setup(target: str) -> tuple:
    path_text, colon, function_name = target.rpartition(":")
    if not colon or not path_text or not function_name:
        raise _UsageError(f"expected PATH.py:FUNCTION, e.g. setups.py:make_setup, got {target!r}")
    path = Path(path_text)
    if not path.is_file():
        raise _UsageError(f"no such file: {path_text}")
    spec = importlib.util.spec_from_file_location(f"_doctor_target_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise _UsageError(f"cannot import {path_text}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # as `python file.py` would, for its own imports
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise _UsageError(f"importing {path_text} raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(str(path.resolve().parent))
    function = getattr(module, function_name, None)
    if not callable(function):
        defined = sorted(name for name, value in vars(module).items()
                         if callable(value) and getattr(value, "__module__", None) == module.__name__)
        raise _UsageError(f"{path_text} defines no function {function_name!r}"
                          + (f" (it defines: {', '.join(defined)})" if defined else ""))
    try:
        result = function()
    except Exception as error:
        raise _UsageError(f"{function_name}() raised {type(error).__name__}: {error}") from error
    if not (isinstance(result, tuple) and len(result) in (3, 4) and isinstance(result[0], nn.Module)
            and isinstance(result[1], (Tensor, PackedSequence)) and isinstance(result[2], Tensor)
            and (len(result) == 3 or callable(result[3]))):
        got = (f"a tuple of {len(result)}: ({', '.join(type(value).__name__ for value in result)})"
               if isinstance(result, tuple) else type(result).__name__)
        raise _UsageError(f"{function_name}() must return (model, x, y) or (model, x, y, loss_fn) with model an "
                          f"nn.Module and x, y tensors, got {got}")
    return result  # a PackedSequence as x goes on to check_setup, which says what to pass instead


def main(argv: list[str] | None = None) -> int:
    """``python -m sine_lab.doctor path/to/file.py:function``: print the report; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sine_lab.doctor",
        description="Check a training setup: imports FUNCTION from FILE, which returns (model, x, y) or "
        "(model, x, y, loss_fn), and prints the doctor's report. Exit status: 1 if it holds an error, 0 if not, "
        "2 for a bad path, function or return value.")
    parser.add_argument("target", metavar="FILE.py:FUNCTION")
    parser.add_argument("--probe-steps", type=int, default=0, help="Adam steps of the training probe (default 0)")
    parser.add_argument("--probe-lr", type=float, default=0.01, help="the probe's learning rate (default 0.01)")
    args = parser.parse_args(argv)
    try:
        setup = _load_setup(args.target)
        report = check_setup(*setup, probe_steps=args.probe_steps, probe_lr=args.probe_lr)
    except (_UsageError, TypeError, ValueError) as error:
        print(f"sine_lab.doctor: {error}", file=sys.stderr)
        return 2
    try:
        print(report, flush=True)
    except BrokenPipeError:  # piped into `head`: the reader has gone, so stop quietly
        try:  # send what is left to nowhere, so that the interpreter's final flush raises nothing either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
    return 1 if report.count_severity("error") else 0

