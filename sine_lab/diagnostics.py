"""Diagnostics: what a model does to shapes, and how gradients flow back through time."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from .models import LinearRecurrence, SequenceModel, State
from .validation import check_float, check_int, check_tensor

__all__ = [
    "ShapeStep",
    "trace_shapes",
    "format_trace",
    "spectral_radius",
    "largest_singular_value",
    "recurrent_weights",
    "scale_recurrent_weights",
    "tanh_rnn_jacobian_bound",
    "jacobian_norms_vs_lag",
]


@dataclass(frozen=True)
class ShapeStep:
    """One stage of a forward pass: a submodule, or the loss."""

    stage: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    note: str = ""


def _first_tensor_shape(value: object) -> tuple[int, ...]:
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)) and value:
        return _first_tensor_shape(value[0])
    return ()


def trace_shapes(model: nn.Module, x: Tensor, y: Tensor | None = None) -> list[ShapeStep]:
    """Run ``model(x)`` once and record the shape entering and leaving each direct
    submodule, then what ``nn.MSELoss`` does with the prediction and ``y``.

    The recurrent layers' rows say whether PyTorch treated ``x`` as batched:
    a 2-D ``(L, H_in)`` input is one unbatched sequence of ``L`` steps.

    Args:
        model: the model to trace (its direct children are hooked).
        x: its input.
        y: the target; adds a ``loss`` row with the broadcast shape.

    Returns:
        one :class:`ShapeStep` per submodule call, in call order, then the loss row;
        if the forward pass raises, the last row names the error instead.
    """
    steps: list[ShapeStep] = []

    def hook(name: str):
        def record(module: nn.Module, inputs: tuple, output: object) -> None:
            note = ""
            if isinstance(module, nn.RNNBase):
                first = inputs[0]
                batched = first.dim() == 3
                note = (
                    "batched (batch, seq, feature)" if batched and module.batch_first
                    else "batched (seq, batch, feature)" if batched
                    else f"unbatched: one sequence of {first.shape[0]} steps"
                    + (" (batch_first ignored)" if module.batch_first else "")
                )
            steps.append(ShapeStep(f"{name} ({type(module).__name__})",
                                   _first_tensor_shape(inputs), _first_tensor_shape(output), note))
        return record

    handles = [child.register_forward_hook(hook(name)) for name, child in model.named_children()]
    try:
        with torch.no_grad():
            prediction = model(x)
    except Exception as error:  # the trace is the diagnosis: report where the forward pass broke
        steps.append(ShapeStep("forward pass raised", (), (), f"{type(error).__name__}: {error}"))
        return steps
    finally:
        for handle in handles:
            handle.remove()
    if y is not None:
        pred_shape, target_shape = tuple(prediction.shape), tuple(y.shape)
        try:
            broadcast = tuple(torch.broadcast_shapes(prediction.shape, y.shape))
            note = (
                "same shape: element-wise" if pred_shape == target_shape
                else f"broadcast: each of the {y.numel()} targets is compared with "
                + ("the same single prediction" if prediction.numel() == 1 else "a broadcast copy")
            )
        except RuntimeError:
            broadcast, note = (), "shapes cannot broadcast: MSELoss raises"
        steps.append(ShapeStep(f"loss (MSELoss) vs target {target_shape}", pred_shape, broadcast, note))
    return steps


def format_trace(steps: list[ShapeStep]) -> str:
    """A fixed-width table of :func:`trace_shapes` rows, one per line."""
    rows = [("stage", "input", "output", "note")] + [
        (s.stage, str(s.input_shape), str(s.output_shape), s.note) for s in steps
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip() for r in rows
    )


# ---------------------------------------------------------------------------
# Gradients through time.
#
# A recurrent layer's "state" is h (nn.RNN, nn.GRU, LinearRecurrence) or (h, c)
# (nn.LSTM). Everything below works on the real PyTorch modules (no re-implemented
# cells), so what is measured is exactly what training back-propagates through.
# ---------------------------------------------------------------------------

# Rows of the replicated batch per call when computing step Jacobians: bounds memory.
_JACOBIAN_ROWS_PER_CALL = 32_768


def spectral_radius(weight: Tensor) -> float:
    """The largest absolute eigenvalue ``ρ(W)`` of a square matrix ``(n, n)``.

    ``ρ(W) > 1`` is necessary for gradients of a tanh RNN to explode
    (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent
    neural networks", ICML, section 2.1).
    """
    weight = check_tensor("weight", weight, ndim=2, layout="(n, n)")
    if weight.shape[0] != weight.shape[1]:
        raise ValueError(f"weight must be square (n, n) for a spectral radius, got shape {tuple(weight.shape)}")
    return float(torch.linalg.eigvals(weight.detach().double()).abs().max())


def largest_singular_value(weight: Tensor) -> float:
    """The largest singular value ``σ_max(W)`` (the spectral norm) of a matrix ``(m, n)``.

    For a tanh RNN, ``σ_max(W_hh) < 1`` is sufficient for gradients to vanish
    exponentially with the lag (Pascanu et al. 2013); see :func:`tanh_rnn_jacobian_bound`.
    """
    weight = check_tensor("weight", weight, ndim=2, layout="(m, n)")
    return float(torch.linalg.matrix_norm(weight.detach().double(), ord=2))


def recurrent_weights(model: nn.Module) -> dict[str, Tensor]:
    """The recurrent weight matrices ``weight_hh_l<k>`` of a model's recurrent layer, by name.

    Shapes: ``(H, H)`` for ``rnn``/``linear``, ``(3H, H)`` for ``gru`` (gates r, z, n
    stacked), ``(4H, H)`` for ``lstm`` (gates i, f, g, o stacked).
    """
    layer = _recurrent_layer(model)
    return {name: p for name, p in layer.named_parameters() if _RECURRENT_WEIGHT.fullmatch(name)}


def scale_recurrent_weights(model: SequenceModel, factor: float) -> None:
    """Multiply every recurrent weight matrix ``weight_hh_l*`` of ``model`` by ``factor``, in place.

    Used to sweep a tanh RNN across the vanishing / exploding boundary: the
    Jacobian ``∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh`` scales with ``W_hh``.
    """
    _check_sequence_model(model)
    factor = check_float("factor", factor)
    with torch.no_grad():
        for weight in recurrent_weights(model).values():
            weight.mul_(factor)


def tanh_rnn_jacobian_bound(weight_hh: Tensor, max_lag: int) -> Tensor:
    """Upper bound on ``‖∂h_T/∂h_{T-k}‖₂`` for a tanh RNN, for ``k = 0 .. max_lag``.

    Each step's Jacobian is ``diag(tanh'(a_t)) W_hh`` with ``0 < tanh' ≤ 1``, so
    ``‖∂h_T/∂h_{T-k}‖ ≤ σ_max(W_hh)^k`` (Pascanu, Mikolov & Bengio 2013, eq. 7
    with γ = 1 for tanh). When ``σ_max < 1`` gradients must vanish at least this fast.

    Args:
        weight_hh: the recurrent weight ``(H, H)``.
        max_lag: the largest lag, >= 0.

    Returns:
        ``(max_lag + 1,)`` float64: ``σ_max^k``.
    """
    weight_hh = check_tensor("weight_hh", weight_hh, ndim=2, layout="(H, H)")
    max_lag = check_int("max_lag", max_lag, minimum=0)
    sigma = largest_singular_value(weight_hh)
    return sigma ** torch.arange(max_lag + 1, dtype=torch.float64)


def jacobian_norms_vs_lag(model: SequenceModel, x: Tensor) -> Tensor:
    """``‖∂h_T/∂h_{T-k}‖₂`` for every lag ``k``: how much the last hidden state
    still depends on the hidden state ``k`` steps earlier.

    ``h`` is the top layer's hidden state, ``T`` the last step of ``x``. The
    derivative is the full one: in a stacked model the layers below do not depend
    on the top layer, so ``∂h_T/∂h_{T-k}`` is the product of the top layer's
    step Jacobians ``∂s_t/∂s_{t-1}`` along the actual trajectory, whatever the
    depth. For an LSTM the step state is ``s = (h, c)``; the product runs over
    both (memory carried by ``c`` counts) and the reported block is
    ``∂h_T/∂h_{T-k}`` with ``c_{T-k}`` held fixed. Computed in eval mode (no
    dropout); the model's mode is restored afterwards and no ``.grad`` is touched.

    Args:
        model: a :class:`~sine_lab.models.SequenceModel` of any cell.
        x: ``(batch, seq, input_size)``.

    Returns:
        ``(seq,)`` float64 (long lags reach values below float32's range):
        element ``k`` is the mean over the batch of the spectral norm (largest
        singular value) of ``∂h_T/∂h_{T-k}``, for ``k = 0 .. seq - 1``;
        element 0 is 1 (the identity).
    """
    _check_sequence_model(model)
    x = check_tensor("x", x, ndim=3, last_dim=model.input_size, layout="(batch, seq, input_size)")
    with _eval_mode(model), torch.enable_grad():
        states = _layer_states(model.rnn, x)
        steps = _step_jacobians(model.rnn, x, states)  # (seq - 1, batch, S, S) for t = 1 .. seq-1
        hidden, batch, size = model.hidden_size, x.shape[0], steps.shape[-1]
        product = torch.eye(size, dtype=torch.float64).expand(batch, size, size)
        norms = [torch.ones((), dtype=torch.float64)]
        # ∂s_T/∂s_{T-k} = J_T J_{T-1} ... J_{T-k+1}: extend the product one step back per lag.
        for t in range(steps.shape[0] - 1, -1, -1):
            product = product @ steps[t].double()
            norms.append(torch.linalg.matrix_norm(product[:, :hidden, :hidden], ord=2).mean())
    return torch.stack(norms)


def _check_sequence_model(model: object) -> None:
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a sine_lab.models.SequenceModel, got {type(model).__name__}")


_RECURRENT_WEIGHT = re.compile(r"weight_hh_l\d+")


def _recurrent_layer(model: nn.Module) -> nn.Module:
    """The one recurrent layer inside ``model`` (``nn.RNN``/``nn.LSTM``/``nn.GRU`` or ``LinearRecurrence``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    layers = [m for m in model.modules() if isinstance(m, (nn.RNNBase, LinearRecurrence))]
    if len(layers) != 1:
        raise ValueError(f"model must contain exactly one recurrent layer, found {len(layers)}")
    layer = layers[0]
    if getattr(layer, "bidirectional", False):
        raise ValueError("bidirectional recurrent layers are not supported")
    return layer


class _eval_mode:
    """Context manager: put a module in eval mode, then restore its previous mode."""

    def __init__(self, module: nn.Module) -> None:
        self.module, self.was_training = module, module.training

    def __enter__(self) -> None:
        self.module.eval()

    def __exit__(self, *exc: object) -> None:
        self.module.train(self.was_training)


def _layer_states(layer: nn.Module, x: Tensor) -> list[Tensor]:
    """Run a batch-first layer one step at a time; return the state after every step,
    each ``(num_layers, batch, S)`` with ``S = H`` (or ``2H``: ``[h, c]`` for an LSTM)."""
    states, state = [], None
    with torch.no_grad():
        for t in range(x.shape[1]):
            _, state = layer(x[:, t : t + 1], state)
            states.append(_flatten_state(state))
    return states


def _flatten_state(state: State) -> Tensor:
    return torch.cat(state, dim=-1) if isinstance(state, tuple) else state


def _split_state(flat: Tensor, is_lstm: bool) -> State:
    if not is_lstm:
        return flat
    h, c = flat.chunk(2, dim=-1)
    return (h.contiguous(), c.contiguous())


def _step_jacobians(layer: nn.Module, x: Tensor, states: list[Tensor]) -> Tensor:
    """The top layer's step Jacobians ``J_t = ∂s_t/∂s_{t-1}`` for ``t = 1 .. seq-1``.

    Each step is re-run from the recorded state with the batch replicated ``S``
    times, once per output coordinate, so that one backward pass yields all rows
    of every Jacobian (reverse mode, the real module's own backward).

    Returns:
        ``(seq - 1, batch, S, S)``, ``J[t-1, b, i, j] = ∂s_t[b, i] / ∂s_{t-1}[b, j]``.
    """
    is_lstm = isinstance(layer, nn.LSTM)
    batch, seq = x.shape[0], x.shape[1]
    size = states[0].shape[-1]
    eye = torch.eye(size, dtype=x.dtype)
    chunk = max(1, _JACOBIAN_ROWS_PER_CALL // (batch * size))
    blocks = []
    for start in range(1, seq, chunk):
        stop = min(seq, start + chunk)
        n = stop - start
        # (num_layers, n, batch, S) -> replicate S times -> (num_layers, n * S * batch, S)
        previous = torch.stack(states[start - 1 : stop - 1], dim=1)
        layers_ = previous.shape[0]
        replicated = previous.unsqueeze(2).expand(layers_, n, size, batch, size).reshape(layers_, -1, size)
        replicated = replicated.clone().requires_grad_(True)
        inputs = x[:, start:stop].transpose(0, 1)  # (n, batch, in)
        inputs = inputs.unsqueeze(1).expand(n, size, batch, x.shape[-1]).reshape(-1, 1, x.shape[-1])
        _, new_state = layer(inputs, _split_state(replicated, is_lstm))
        top = _flatten_state(new_state)[-1].reshape(n, size, batch, size)
        # Seed output coordinate i in replica i: its gradient is row i of the Jacobian.
        seed = eye.reshape(1, size, 1, size).expand(n, size, batch, size)
        (grad,) = torch.autograd.grad(top, replicated, grad_outputs=seed)
        rows = grad[-1].reshape(n, size, batch, size)  # only the top layer's previous state
        blocks.append(rows.permute(0, 2, 1, 3).detach())
    if not blocks:
        return torch.zeros(0, batch, size, size)
    return torch.cat(blocks, dim=0)
