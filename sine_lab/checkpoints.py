"""Saving and loading a trained model of any registered kind with its settings.

A checkpoint holds what rebuilds the model — its kind and the arguments it was
built with (``model.kind``, ``model.config``, see :func:`~sine_lab.models.build_model`) —
its weights, and the caller's settings (e.g. how it was trained), so that
:func:`load_model` rebuilds exactly the same model in a fresh process. Before
writing, :func:`save_model` rebuilds the model from what it is about to store and
checks that the rebuilt model computes the same outputs, so a checkpoint never
silently returns a different model. Nothing is overwritten unless asked; a save
goes to a temporary file that replaces ``path`` only once complete, so an
interrupted save leaves the old file (or none); a file that is missing, truncated
or not a sine-lab checkpoint fails with a message that says which.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from .models import MODEL_KINDS, build_model, describe_model, eval_mode

__all__ = ["FORMAT", "VERSION", "save_model", "load_model"]

FORMAT = "sine-lab checkpoint"
# Version 1 stored SequenceModel's constructor arguments; version 2 stores a registered kind
# and its config, which also rebuilds kinds that are not SequenceModels (and the IRNN's ReLU).
VERSION = 2
_SCALARS = (str, int, float, bool, type(None))
# The input on which save_model compares the model with its rebuilt twin: (batch, seq) steps.
_PROBE_SHAPE = (2, 8)


def save_model(
    model: nn.Module,
    path: str | os.PathLike,
    settings: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Save ``model``'s kind, config and weights, and ``settings``, to ``path``.

    The file is written to a hidden temporary file in the same folder, flushed to
    disk, and then renamed over ``path`` in one step, so an interrupted save never
    leaves a truncated checkpoint under ``path``: it holds the old file or the new
    one. (A process killed outright can leave its hidden ``.<name>.*.tmp`` file
    behind; it is never read.)

    Args:
        model: a model that records its kind (built by
            :func:`~sine_lab.models.build_model`, or a :class:`~sine_lab.models.SequenceModel`).
        path: the file to write; its folder must exist.
        settings: anything else worth keeping with the weights (learning rate,
            epochs, seed, window, ...): a mapping from ``str`` to ``str``, ``int``,
            ``float``, ``bool``, ``None``, or lists/tuples/dicts of these. Loaded back
            exactly (tuples come back as lists).
        overwrite: replace an existing file; by default an existing file is an error,
            so that nothing is lost silently.

    Returns:
        the path written.

    Raises:
        TypeError: ``model`` records no kind, or an argument has the wrong type.
        ValueError: ``model`` differs from what its kind and config rebuild (e.g. a
            layer was replaced after it was built).
        FileExistsError: ``path`` exists and ``overwrite`` is false.
    """
    kind, config = _kind_and_config(model)
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
    _check_rebuilds(model, kind, config)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "config": config,
        "settings": settings,
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
    }
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(payload, file)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)
    return path


def load_model(path: str | os.PathLike) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_model`.

    The caller's random number stream is left as it was (building the model draws
    initial weights, which the saved ones then replace).

    Returns:
        the rebuilt model (in eval mode, on the CPU) with exactly the saved weights,
        and the saved settings.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is truncated or corrupt, is not a sine-lab checkpoint
            (e.g. a bare ``state_dict`` saved with ``torch.save``), records a kind of
            model that is not registered in this process, or its weights do not fit
            the model it records.
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
    version = payload.get("version")
    if version == 1:
        kind, config = _version_1_kind_and_config(path, payload)
    elif version == VERSION:
        kind, config = payload.get("kind"), payload.get("config")
    else:
        raise ValueError(
            f"{path} is a sine-lab checkpoint of version {version!r}; this sine_lab reads versions 1 and {VERSION}. "
            "Load it with the sine_lab that wrote it, or update sine_lab."
        )
    if kind not in MODEL_KINDS:
        raise ValueError(
            f"{path} holds a model of kind {kind!r}, which is not registered in this process "
            f"(registered: {', '.join(MODEL_KINDS)}). Import the module that registers it "
            "(with sine_lab.models.register_model_kind) before loading."
        )
    try:
        with torch.random.fork_rng(devices=[]):
            model = build_model(kind, **config)
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"{path} records the model kind {kind!r} with config {config!r}, but it cannot be rebuilt "
            f"with its weights: {error}"
        ) from error
    return model.eval(), payload.get("settings", {})


def _kind_and_config(model: object) -> tuple[str, dict[str, Any]]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module of a registered kind, got {type(model).__name__}")
    kind, config = getattr(model, "kind", None), getattr(model, "config", None)
    if not isinstance(kind, str) or not isinstance(config, dict):
        raise TypeError(
            f"{type(model).__name__} does not record its kind, so a checkpoint could not rebuild it: build it "
            "with sine_lab.models.build_model(kind, **config) (registered kinds: "
            f"{', '.join(MODEL_KINDS)}; register a new class with register_model_kind first)"
        )
    if kind not in MODEL_KINDS:
        raise ValueError(f"{describe_model(model)} is of a kind that is not registered (registered: {', '.join(MODEL_KINDS)})")
    return kind, _plain("config", config)


def _check_rebuilds(model: nn.Module, kind: str, config: dict[str, Any]) -> None:
    """Raise unless ``build_model(kind, **config)`` given ``model``'s weights computes what ``model`` does."""
    what = f"build_model({kind!r}, **{config!r})"
    parameter = next(model.parameters(), None)
    dtype = parameter.dtype if parameter is not None else torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]):  # saving must not move the caller's random stream
        twin = build_model(kind, **config)
        probe = torch.randn(*_PROBE_SHAPE, getattr(model, "input_size", 1), dtype=dtype)
    try:
        twin.load_state_dict(model.state_dict())
    except RuntimeError as error:
        raise ValueError(
            f"{describe_model(model)} does not have the weights that {what} builds (was it changed after it "
            f"was built?): {error}"
        ) from error
    twin.to(dtype)
    with torch.no_grad(), eval_mode(model), eval_mode(twin):
        ours, theirs = model(probe), twin(probe)
    if ours.shape != theirs.shape or not torch.allclose(ours, theirs, rtol=1e-5, atol=1e-6):
        gap = (ours - theirs).abs().max().item() if ours.shape == theirs.shape else f"shapes {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        raise ValueError(
            f"{describe_model(model)} computes something other than {what} with the same weights (difference "
            f"{gap} on a random input), so a checkpoint would return a different model. Was a layer replaced or "
            "an attribute changed after it was built? Register a kind (or a builder) that builds it as it is."
        )


def _version_1_kind_and_config(path: Path, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Version 1 stored SequenceModel's arguments; its cell is the kind of the same name."""
    arguments = payload.get("model")
    if not isinstance(arguments, dict) or "cell" not in arguments:
        raise ValueError(f"{path} is a version-1 checkpoint without its model's arguments: it is damaged")
    config = {name: value for name, value in arguments.items() if name != "cell"}
    if arguments["cell"] == "rnn":
        warnings.warn(
            f"{path} is a version-1 checkpoint, which did not record an RNN's nonlinearity: it loads as a tanh "
            "RNN. If it was saved from identity_relu_rnn (a ReLU RNN), rebuild it with "
            "model = build_model('irnn', hidden_size=..., num_layers=...); model.load_state_dict(loaded.state_dict()), "
            "then save_model(model, path, settings, overwrite=True) writes a version-2 checkpoint that records it.",
            stacklevel=3,
        )
    return arguments["cell"], config


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a renamed file to disk, where the system allows it (not on Windows)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
