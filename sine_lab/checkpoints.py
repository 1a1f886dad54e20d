"""Saving and loading a trained :class:`~sine_lab.models.SequenceModel` with its settings.

A checkpoint holds the model's constructor arguments (cell, sizes, layers,
dropout), its weights, and the caller's settings (e.g. how it was trained), so that
:func:`load_model` rebuilds exactly the same model in a fresh process. Nothing is
overwritten unless asked, and a file that is missing, truncated or not a sine-lab
checkpoint fails with a message that says which.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .models import SequenceModel

__all__ = ["FORMAT", "VERSION", "model_settings", "save_model", "load_model"]

FORMAT = "sine-lab checkpoint"
VERSION = 1

# Every constructor argument, read from the signature so that one added later is saved too;
# SequenceModel keeps each as an attribute of the same name.
_MODEL_ARGS = tuple(name for name in inspect.signature(SequenceModel.__init__).parameters if name != "self")
_SCALARS = (str, int, float, bool, type(None))


def model_settings(model: SequenceModel) -> dict[str, Any]:
    """The constructor arguments that rebuild ``model``'s architecture (cell, sizes,
    layers, dropout, delta_scale, ...): ``SequenceModel(**model_settings(model))``
    computes the same function once given the same weights."""
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    return {name: getattr(model, name) for name in _MODEL_ARGS}


def save_model(
    model: SequenceModel,
    path: str | os.PathLike,
    settings: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Save ``model``'s architecture and weights, and ``settings``, to ``path``.

    The file is written to a temporary name and then renamed, so an interrupted
    save never leaves a truncated checkpoint under ``path``.

    Args:
        model: the :class:`SequenceModel` to save.
        path: the file to write; its folder must exist.
        settings: anything else worth keeping with the weights (learning rate,
            epochs, seed, window, ...): a mapping from ``str`` to ``str``, ``int``,
            ``float``, ``bool``, ``None``, or lists/tuples/dicts of these. Loaded back
            exactly (tuples come back as lists).
        overwrite: replace an existing file; by default an existing file is an error,
            so that nothing is lost silently.

    Returns:
        the path written.
    """
    architecture = model_settings(model)
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be a bool, got {type(overwrite).__name__} {overwrite!r}")
    path = _check_path(path)
    settings = {} if settings is None else _plain("settings", settings)
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a mapping from str to plain values, got {type(settings).__name__}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: the folder {path.parent} does not exist")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": architecture,
        "settings": settings,
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
    }
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(payload, file)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def load_model(path: str | os.PathLike) -> tuple[SequenceModel, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_model`.

    Returns:
        the rebuilt :class:`SequenceModel` (in eval mode, on the CPU) with exactly
        the saved weights, and the saved settings.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is truncated or corrupt, is not a sine-lab checkpoint
            (e.g. a bare ``state_dict`` saved with ``torch.save``), or its weights do
            not fit the architecture it records.
    """
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: the file does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for unreadable files; all mean the same here
        raise ValueError(
            f"{path} is not a readable checkpoint (truncated or corrupt?): {type(error).__name__}: {error}"
        ) from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = f"a dict with keys {sorted(map(str, payload))[:6]}" if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(
            f"{path} is not a sine-lab checkpoint: it holds {found}. "
            "Save models with sine_lab.checkpoints.save_model(model, path, settings)."
        )
    if payload.get("version") != VERSION:
        raise ValueError(f"{path} is a sine-lab checkpoint of version {payload.get('version')!r}; "
                         f"this sine_lab reads version {VERSION}")
    try:
        model = SequenceModel(**payload["model"])
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"{path} records the model {payload.get('model')!r}, but its weights do not fit it: {error}"
        ) from error
    return model.eval(), payload["settings"]


def _check_path(path: object) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__} {path!r}")
    return Path(path)


def _plain(name: str, value: object) -> object:
    """``value`` as plain data (dict/list/scalar) that torch.load(weights_only=True) accepts."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be str, got {type(key).__name__} {key!r}")
            out[key] = _plain(f"{name}[{key!r}]", item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(f"{name}[{i}]", item) for i, item in enumerate(value)]
    raise TypeError(
        f"{name} must hold only str, int, float, bool, None, lists and dicts, got {type(value).__name__} {value!r}"
    )
