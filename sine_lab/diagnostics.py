"""Diagnostics: what a model does to shapes, and how gradients flow back through time."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int, check_tensor
from .models import LinearRecurrence, State, describe_model, eval_mode, recurrent_layer
from .tracing import LayerCall, trace_forward

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
    "hidden_state_grad_norms",
    "DecayFit",
    "fit_decay_rate",
    "linear_closed_loop_matrix",
    "free_run_multipliers",
]


@dataclass(frozen=True)
class ShapeStep:
    """One stage of a forward pass: a submodule, or the loss."""

    stage: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    note: str = ""


def trace_shapes(model: nn.Module, x: Tensor, y: Tensor | None = None) -> list[ShapeStep]:
    """Run ``model(x)`` once and record the shape entering and leaving each direct
    submodule, then what ``nn.MSELoss`` does with the prediction and ``y``.

    The recurrent layers' rows say whether PyTorch treated ``x`` as batched:
    a 2-D ``(L, H_in)`` input is one unbatched sequence of ``L`` steps. The forward
    pass is :func:`sine_lab.tracing.trace_forward`, the one the doctor reads.

    Args:
        model: the model to trace (its direct children are reported).
        x: its input.
        y: the target; adds a ``loss`` row with the broadcast shape.

    Returns:
        one :class:`ShapeStep` per submodule call, in call order, then the loss row;
        if the forward pass raises, the last row names the error instead.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    # Any dtype and non-finite values are allowed: tracing a broken input is the point.
    check_tensor("x", x, floating=False, finite=False)
    if y is not None:
        check_tensor("y", y, floating=False, finite=False)
    trace = trace_forward(model, x)
    steps = [
        ShapeStep(f"{call.name} ({type(call.module).__name__})", call.input_shape, call.output_shape,
                  _layout_note(call))
        for call in trace.calls if call.depth == 1 and call.output_shape is not None
    ]
    if trace.error is not None:
        steps.append(ShapeStep("forward pass raised", (), (), f"{type(trace.error).__name__}: {trace.error}"))
        return steps
    if y is not None:
        prediction = trace.prediction
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


def _layout_note(call: LayerCall) -> str:
    """How a recurrent layer read its input; empty for other layers."""
    if not call.recurrent:
        return ""
    if len(call.input_shape) == 3:
        return "batched (batch, seq, feature)" if call.module.batch_first else "batched (seq, batch, feature)"
    return (f"unbatched: one sequence of {call.input_shape[0]} steps"
            + (" (batch_first ignored)" if call.module.batch_first else ""))


def format_trace(steps: list[ShapeStep]) -> str:
    """A fixed-width table of :func:`trace_shapes` rows, one per line."""
    if not isinstance(steps, (list, tuple)) or not all(isinstance(s, ShapeStep) for s in steps):
        raise TypeError(f"steps must be a list of ShapeStep from trace_shapes, got {type(steps).__name__}")
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
    stacked), ``(4H, H)`` for ``lstm`` (gates i, f, g, o stacked). A model without a
    recurrent layer (e.g. an attention kind) is a ``TypeError`` naming its kind.
    """
    return _recurrent_weights(recurrent_layer(model, "recurrent_weights"))


def _recurrent_weights(layer: nn.Module) -> dict[str, Tensor]:
    return {name: p for name, p in layer.named_parameters() if _RECURRENT_WEIGHT.fullmatch(name)}


def scale_recurrent_weights(model: nn.Module, factor: float) -> None:
    """Multiply every recurrent weight matrix ``weight_hh_l*`` of ``model`` by ``factor``, in place.

    Used to sweep a tanh RNN across the vanishing / exploding boundary: the
    Jacobian ``∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh`` scales with ``W_hh``.
    """
    layer = recurrent_layer(model, "scale_recurrent_weights")
    factor = check_float("factor", factor)
    with torch.no_grad():
        for weight in _recurrent_weights(layer).values():
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


def jacobian_norms_vs_lag(model: nn.Module, x: Tensor) -> Tensor:
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
        model: a model with one batch-first recurrent layer (any cell of
            :class:`~sine_lab.models.SequenceModel`, the IRNN, ...); a model without
            one is a ``TypeError`` naming its kind.
        x: ``(batch, seq, input_size)``, the input of that layer.

    Returns:
        ``(seq,)`` float64 (long lags reach values below float32's range):
        element ``k`` is the mean over the batch of the spectral norm (largest
        singular value) of ``∂h_T/∂h_{T-k}``, for ``k = 0 .. seq - 1``;
        element 0 is 1 (the identity).
    """
    layer = recurrent_layer(model, "jacobian_norms_vs_lag")
    if not getattr(layer, "batch_first", True):
        raise ValueError(f"jacobian_norms_vs_lag needs a batch-first recurrent layer; {describe_model(model)} has "
                         f"{type(layer).__name__} with batch_first=False")
    x = check_tensor("x", x, ndim=3, last_dim=layer.input_size, layout="(batch, seq, input_size)")
    with eval_mode(model), torch.enable_grad():
        states = _layer_states(layer, x)
        steps = _step_jacobians(layer, x, states)  # (seq - 1, batch, S, S) for t = 1 .. seq-1
        hidden, batch, size = layer.hidden_size, x.shape[0], steps.shape[-1]
        product = torch.eye(size, dtype=torch.float64).expand(batch, size, size)
        norms = [torch.ones((), dtype=torch.float64)]
        # ∂s_T/∂s_{T-k} = J_T J_{T-1} ... J_{T-k+1}: extend the product one step back per lag.
        for t in range(steps.shape[0] - 1, -1, -1):
            product = product @ steps[t].double()
            norms.append(torch.linalg.matrix_norm(product[:, :hidden, :hidden], ord=2).mean())
    return torch.stack(norms)


_RECURRENT_WEIGHT = re.compile(r"weight_hh_l\d+")


def _layer_states(layer: nn.Module, x: Tensor) -> list[Tensor]:
    """Run a batch-first layer one step at a time; return the state after every step,
    each ``(num_layers, batch, S)`` with ``S = H`` (or ``2H``: ``[h, c]`` for an LSTM)."""
    states, state = [], None
    with torch.no_grad():
        for t in range(x.shape[1]):
            _, state = layer(x[:, t : t + 1], state)
            states.append(_flatten_state(state))
    return states


def _single_layer_steppers(layer: nn.Module) -> list[Callable[[Tensor, State | None], tuple[Tensor, State]]]:
    """One callable per stacked layer, running that layer alone with the real module's
    parameters (``torch.func.functional_call`` on a one-layer copy of the module type)."""
    if isinstance(layer, LinearRecurrence):
        return [layer.forward]
    steppers = []
    for index in range(layer.num_layers):
        template = type(layer)(
            layer.input_size if index == 0 else layer.hidden_size, layer.hidden_size,
            bias=layer.bias, batch_first=layer.batch_first,
            **({"nonlinearity": layer.nonlinearity} if isinstance(layer, nn.RNN) else {}),
        )
        params = {
            name.replace(f"_l{index}", "_l0"): p
            for name, p in layer.named_parameters()
            if name.endswith(f"_l{index}")
        }

        def step(inputs: Tensor, state: State | None, template=template, params=params) -> tuple[Tensor, State]:
            if state is not None and inputs.dim() == 2:  # unbatched: the state has no batch dimension
                state = tuple(s.reshape(1, -1) for s in state) if isinstance(state, tuple) else state.reshape(1, -1)
            return torch.func.functional_call(template, params, (inputs, state))

        steppers.append(step)
    return steppers


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
        # Seed output coordinate i in replica i: its gradient is row i of the Jacobian. (A sum of the seeded
        # outputs, not grad_outputs=: the same numbers, and torch's check of grad_outputs imports its
        # symbolic-shapes machinery, seconds of CPU in a process that needs nothing else from it.)
        seed = eye.reshape(1, size, 1, size).expand(n, size, batch, size)
        (grad,) = torch.autograd.grad((top * seed).sum(), replicated)
        rows = grad[-1].reshape(n, size, batch, size)  # only the top layer's previous state
        blocks.append(rows.permute(0, 2, 1, 3).detach())
    if not blocks:
        return torch.zeros(0, batch, size, size)
    return torch.cat(blocks, dim=0)


def hidden_state_grad_norms(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    steps: int | None = None,
) -> Tensor:
    """``‖∂L/∂h_t‖`` for every step ``t`` (or the last ``steps``) and every layer: how much of
    the loss's gradient reaches each hidden state, through all paths (the output at ``t``
    and the recurrence after ``t``).

    ``L = loss_fn(model(x), y)``, exactly the loss training back-propagates, so the
    article's models work on their own 2-D input (one unbatched sequence) as well
    as :class:`~sine_lab.models.SequenceModel` on ``(batch, seq, 1)``. The model's
    one recurrent layer (``nn.RNN``/``nn.LSTM``/``nn.GRU``/``LinearRecurrence``)
    is re-run one step at a time during this forward pass, so each ``h_t`` is a
    node of the graph; the values are the same as a whole-sequence call. Runs in
    eval mode, restores the mode, and leaves the parameters' ``.grad`` alone.

    Args:
        model: a module whose forward calls its one recurrent layer once.
        x: its input: ``(seq, in)`` unbatched, ``(batch, seq, in)`` batch-first,
            or ``(seq, batch, in)`` for a layer with ``batch_first=False``.
        y: the target passed to ``loss_fn``.
        loss_fn: defaults to ``nn.MSELoss()``.
        steps: measure only the last ``steps`` states (default: all). The steps before
            them run in one call without a graph, which is much faster on long sequences;
            the values are those of the full measurement (to rounding), since a gradient
            reaches ``h_t`` only from steps at or after ``t``.

    Returns:
        ``(num_layers, seq)`` float64 (``(num_layers, steps)`` with ``steps``): the 2-norm
        of ``∂L/∂h_t`` over the batch and the hidden units, layer 0 first, oldest step
        first. (For an LSTM, ``h`` only, not ``c``.)
    """
    layer = recurrent_layer(model, "hidden_state_grad_norms")
    x = check_tensor("x", x, ndim=(2, 3))
    y = check_tensor("y", y)
    if steps is not None:
        steps = check_int("steps", steps, minimum=1)
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    hidden_states: list[list[Tensor]] = []  # [step][layer], each (1, [batch,] H)

    def stepwise(module: nn.Module, inputs: tuple, output: object) -> tuple[Tensor, State]:
        if hidden_states:
            raise ValueError(
                "the model calls its recurrent layer more than once; hidden_state_grad_norms needs one call"
            )
        sequence, state = inputs[0], (inputs[1] if len(inputs) > 1 else None)
        time_dim = 1 if sequence.dim() == 3 and getattr(module, "batch_first", True) else 0
        length = sequence.shape[time_dim]
        if steps is not None and steps > length:
            raise ValueError(f"steps must be at most the sequence's {length} steps, got {steps}")
        skipped = 0 if steps is None else length - steps
        early = None
        if skipped:
            # The steps before the measured ones, in one call without a graph (.forward: not through this hook).
            with torch.no_grad():
                early, state = module.forward(sequence.narrow(time_dim, 0, skipped), state)
        steppers = _single_layer_steppers(module)
        # One state per layer: (h, c) or h, each with a leading layer dimension of 1.
        states: list[State | None] = (
            [None] * len(steppers) if state is None
            else [(state[0][i : i + 1], state[1][i : i + 1]) if isinstance(state, tuple) else state[i : i + 1]
                  for i in range(len(steppers))]
        )
        tops = []
        for t in range(skipped, length):
            below = sequence.narrow(time_dim, t, 1)
            layer_h = []
            for i, step in enumerate(steppers):
                _, states[i] = step(below, states[i])
                h = states[i][0] if isinstance(states[i], tuple) else states[i]
                layer_h.append(h)
                # Feed the recorded h_t itself upward, so ∂L/∂h_t collects every path.
                below = h[0].unsqueeze(time_dim)
            hidden_states.append(layer_h)
            tops.append(layer_h[-1][0])
        final = (
            (torch.cat([s[0] for s in states]), torch.cat([s[1] for s in states]))
            if isinstance(states[0], tuple) else torch.cat(states)
        )
        outputs = torch.stack(tops, dim=time_dim)
        return (outputs if early is None else torch.cat([early, outputs], dim=time_dim)), final

    handle = layer.register_forward_hook(stepwise)
    try:
        with eval_mode(model), torch.enable_grad():
            loss = loss_fn(model(x), y)
            flat = [h for step in hidden_states for h in step]
            grads = torch.autograd.grad(loss, flat, allow_unused=True)
    finally:
        handle.remove()
    # A state that does not reach the loss (allow_unused) gets a zero gradient norm.
    norms = torch.tensor([0.0 if g is None else g.double().norm().item() for g in grads], dtype=torch.float64)
    return norms.reshape(len(hidden_states), -1).T.contiguous()


@dataclass(frozen=True)
class DecayFit:
    """A straight line through ``log(norm)`` against lag: ``norm ≈ exp(intercept - rate · lag)``.

    Attributes:
        rate: decay per step in natural-log units (> 0: vanishing, < 0: exploding).
        intercept: the fitted ``log(norm)`` at lag 0.
        points: how many (lag, norm) pairs were fitted.
    """

    rate: float
    intercept: float
    points: int

    @property
    def factor_per_step(self) -> float:
        """The norm's multiplier per step, ``exp(-rate)``."""
        return math.exp(-self.rate)

    @property
    def lags_per_decade(self) -> float:
        """Steps over which the norm falls tenfold, ``ln 10 / rate`` (``inf`` if it does not fall)."""
        return math.log(10.0) / self.rate if self.rate > 0 else math.inf


def fit_decay_rate(norms: Tensor, *, min_lag: int = 1, max_lag: int | None = None, floor: float = 1e-30) -> DecayFit:
    """Least-squares fit of ``log(norms[k])`` against the lag ``k``.

    Args:
        norms: ``(n,)``, ``norms[k]`` at lag ``k`` (e.g. from :func:`jacobian_norms_vs_lag`).
        min_lag: first lag fitted (default 1: lag 0 is the identity in a Jacobian curve).
        max_lag: last lag fitted (default: the last).
        floor: values at or below it (underflow to 0, denormals) are left out.

    Returns:
        a :class:`DecayFit`; raises ``ValueError`` with fewer than 2 usable points.
    """
    norms = check_tensor("norms", norms, ndim=1, layout="(n,)", finite=False)
    min_lag = check_int("min_lag", min_lag, minimum=0)
    max_lag = norms.shape[0] - 1 if max_lag is None else check_int("max_lag", max_lag, minimum=min_lag)
    floor = check_float("floor", floor, minimum=0.0)
    lags = torch.arange(norms.shape[0], dtype=torch.float64)
    values = norms.detach().double()
    keep = (lags >= min_lag) & (lags <= max_lag) & torch.isfinite(values) & (values > floor)
    if int(keep.sum()) < 2:
        raise ValueError(f"need at least 2 finite norms above floor={floor} between lags {min_lag} and {max_lag}, "
                         f"got {int(keep.sum())}")
    k, log_norm = lags[keep], values[keep].log()
    design = torch.stack([k, torch.ones_like(k)], dim=1)
    slope, intercept = torch.linalg.lstsq(design, log_norm.unsqueeze(1)).solution[:, 0]
    return DecayFit(rate=-float(slope), intercept=float(intercept), points=int(keep.sum()))


def linear_closed_loop_matrix(model: nn.Module) -> Tensor:
    """The ``(H, H)`` matrix that advances a one-layer linear model fed its own outputs.

    With ``x_{n+1} = head(h_n) = c·h_n + d`` fed back, ``h_{n+1} = (W_hh + w_ih c) h_n + (w_ih d + b)``.
    Its eigenvalues are the frequencies the model generates: ``e^{±iωΔt}`` for a
    perfect sine generator (magnitude 1, angle ``ωΔt``).

    Args:
        model: a model whose output is ``head(h)`` of a :class:`~sine_lab.models.LinearRecurrence`
            ``h``, with ``head`` an ``nn.Linear`` back to the input size: kind ``"linear"``
            without ``delta_scale``.
    """
    layer = recurrent_layer(model, "linear_closed_loop_matrix")
    head = getattr(model, "head", None)
    if (
        not isinstance(layer, LinearRecurrence)
        or not isinstance(head, nn.Linear)
        or head.out_features != layer.input_size
        or getattr(model, "delta_scale", None) is not None
    ):
        raise ValueError(
            "linear_closed_loop_matrix needs a model whose output head(h) of a LinearRecurrence h feeds its "
            f"input (kind 'linear' with input_size == output_size and no delta_scale); got {describe_model(model)} "
            f"with a {type(layer).__name__} layer, head {head!r}, delta_scale {getattr(model, 'delta_scale', None)}"
        )
    return (layer.weight_hh_l0 + layer.weight_ih_l0 @ head.weight).detach()


def free_run_multipliers(model: nn.Module, context: Tensor, steps: int) -> Tensor:
    """How the free-running forecast amplifies a small disturbance of its state over ``steps`` steps.

    After ``context`` ``(1, W, 1)``, the model generates values by feeding back its own output;
    one generated step maps ``(state, input)`` to ``(state', output)``. The product of that map's
    Jacobians over ``steps`` steps (computed in float64 on a copy of the model) is the linearised
    effect of ``steps`` steps; its eigenvalues' moduli, largest first, are returned. Over one period
    of the generated wave they are its Floquet multipliers: a perfect oscillator keeps a disturbance
    of its phase and amplitude (modulus 1) and damps every other direction; a modulus above 1 is a
    disturbance that grows every cycle, so the forecast leaves the wave however small the one-step
    error. The state may be any nesting of tuples of real tensors (:meth:`run`'s contract).

    Returns:
        ``(D,)``, ``D`` = the state's size plus one (the fed-back value).
    """
    check_tensor("context", context, ndim=3, last_dim=1, layout="(1, W, 1)")
    if context.shape[0] != 1 or context.shape[1] < 1:
        raise ValueError(f"context must be one sequence of at least one value, (1, W, 1); got {tuple(context.shape)}")
    steps = check_int("steps", steps, minimum=1)
    if not callable(getattr(model, "run", None)):
        raise TypeError(f"free_run_multipliers steps the model with model.run(x, state); got {describe_model(model)}")
    twin = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        outputs, state = twin.run(context.double())
    leaves, rebuild = _flatten_nested(state)
    if any(leaf.is_complex() for leaf in leaves):
        raise ValueError("free_run_multipliers needs a real state; this model's state is complex "
                         "(an LRU: its multipliers per step are its eigenvalues, see eigenvalues())")
    sizes = [leaf.numel() for leaf in leaves]

    def one_step(z: Tensor) -> Tensor:
        parts = torch.split(z, [*sizes, 1])
        state = rebuild([p.reshape(leaf.shape) for p, leaf in zip(parts[:-1], leaves, strict=True)])
        out, new_state = twin.run(parts[-1].reshape(1, 1, 1), state)
        new_leaves, _ = _flatten_nested(new_state)
        return torch.cat([leaf.reshape(-1) for leaf in new_leaves] + [out.reshape(-1)])

    z = torch.cat([leaf.reshape(-1) for leaf in leaves] + [outputs[:, -1].reshape(-1)])
    product = torch.eye(z.numel(), dtype=torch.float64)
    for _ in range(steps):
        product = torch.autograd.functional.jacobian(one_step, z) @ product
        with torch.no_grad():
            z = one_step(z)
    return torch.linalg.eigvals(product).abs().sort(descending=True).values


def _flatten_nested(state: object) -> tuple[list[Tensor], Callable[[list[Tensor]], object]]:
    """The tensors of a nesting of tuples, in order, and the function that puts new ones back."""
    if isinstance(state, Tensor):
        return [state], lambda leaves: leaves[0]
    if isinstance(state, tuple):
        parts = [_flatten_nested(item) for item in state]
        counts = [len(leaves) for leaves, _ in parts]

        def rebuild(leaves: list[Tensor]) -> tuple:
            items, start = [], 0
            for (_, build), count in zip(parts, counts, strict=True):
                items.append(build(leaves[start : start + count]))
                start += count
            return tuple(items)

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild
    raise TypeError(f"a model's state must be a tensor or a tuple of them, got {type(state).__name__}")
