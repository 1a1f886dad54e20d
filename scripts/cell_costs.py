"""Why a GRU trains slower than an LSTM on this CPU: the cost of one forward and backward pass.

For each PyTorch cell (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``; 32 units, batch 32, one thread) it
times a pass over ``T`` steps in one call (teacher forcing) and one step per call (a free-running
rollout), with PyTorch's oneDNN kernels allowed and disallowed, and counts the operators the
profiler records per whole-sequence call. Times are CPU seconds of this process, best of
``--repeats``, so other processes on the machine inflate them less than wall-clock times.

    python scripts/cell_costs.py [--steps 120] [--repeats 7]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
import warnings
from collections.abc import Iterator

import torch
import torch.nn as nn
from torch.profiler import profile

BATCH, HIDDEN = 32, 32
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _gru_steps(x: torch.Tensor, h: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
               b_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.GRU's equations written as a loop of ten operators a step, input projections taken for all steps at
    once: x (batch, steps, 1), h (batch, hidden) -> (outputs (batch, steps, hidden), last h)."""
    size = h.shape[1]
    inputs = torch.nn.functional.linear(x, w_ih, b_ih)
    outputs = []
    for t in range(x.shape[1]):
        hidden = torch.addmm(b_hh, h, w_hh.t())
        i_t = inputs[:, t]
        r = torch.sigmoid(i_t[:, :size] + hidden[:, :size])
        z = torch.sigmoid(i_t[:, size:2 * size] + hidden[:, size:2 * size])
        n = torch.tanh(i_t[:, 2 * size:] + r * hidden[:, 2 * size:])
        h = n + z * (h - n)
        outputs.append(h)
    return torch.stack(outputs, 1), h


class LoopGRU(nn.GRU):
    """The same GRU, its steps run by ``_gru_steps`` (eagerly, or compiled by TorchScript when ``scripted``):
    does writing the loop ourselves beat PyTorch's own GRU loop? (Same outputs as nn.GRU.)"""

    def __init__(self, *args: object, scripted: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.steps = torch.jit.script(_gru_steps) if scripted else _gru_steps

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = x.new_zeros(x.shape[0], self.hidden_size) if h is None else h.reshape(x.shape[0], -1)
        out, last = self.steps(x, h, self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0)
        return out, last.unsqueeze(0)


def pass_seconds(layer: nn.Module, steps: int, *, stepwise: bool, repeats: int) -> float:
    """Best CPU seconds of one forward + backward pass over ``steps`` values ``(32, steps, 1)``."""
    x = torch.randn(BATCH, steps, 1)
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        if stepwise:
            state, outputs = None, []
            for t in range(steps):
                out, state = layer(x[:, t : t + 1], state)
                outputs.append(out)
            out = torch.cat(outputs, dim=1)
        else:
            out, _ = layer(x)
        out.sum().backward()
        best = min(best, time.process_time() - start)
    return best


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2: the profiler's C++ side prints a line at every start and stop."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def operators_per_call(layer: nn.Module, steps: int) -> int:
    """Operator calls the profiler records in one whole-sequence forward + backward pass."""
    x = torch.randn(BATCH, steps, 1)
    with quiet_stderr(), profile() as prof:
        layer(x)[0].sum().backward()
    return sum(event.count for event in prof.key_averages())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=120, help="time steps per pass (default 120)")
    parser.add_argument("--repeats", type=int, default=7, help="passes timed, the best kept (default 7)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    # Toggling oneDNN warns about Intel GPUs, which this comparison has nothing to do with.
    warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN")
    print(f"one forward + backward pass, batch {BATCH}, {HIDDEN} units, {args.steps} steps, 1 thread; "
          f"CPU seconds, best of {args.repeats}")
    print(f"{'cell':5} {'oneDNN':7} {'one call':>9} {'per step':>9} {'operators/call':>15}")
    for onednn in (True, False):
        with torch.backends.mkldnn.flags(enabled=onednn):
            for name, cls in CELLS.items():
                layer = cls(1, HIDDEN, batch_first=True)
                whole = pass_seconds(layer, args.steps, stepwise=False, repeats=args.repeats)
                stepped = pass_seconds(layer, args.steps, stepwise=True, repeats=args.repeats)
                print(f"{name:5} {'on' if onednn else 'off':7} {whole:9.4f} {stepped:9.4f} "
                      f"{operators_per_call(layer, args.steps):15d}")
    # The GRU's loop written in Python, then compiled by TorchScript (oneDNN has no part in either).
    for name, scripted in (("gru, our loop", False), ("gru, TorchScript", True)):
        layer = LoopGRU(1, HIDDEN, batch_first=True, scripted=scripted)
        reference = nn.GRU(1, HIDDEN, batch_first=True)
        reference.load_state_dict(layer.state_dict())
        x = torch.randn(BATCH, args.steps, 1)
        assert torch.allclose(layer(x)[0], reference(x)[0], atol=1e-6), "the loop must compute nn.GRU's outputs"
        whole = pass_seconds(layer, args.steps, stepwise=False, repeats=args.repeats)
        print(f"{name}: one call {whole:.4f}")


if __name__ == "__main__":
    main()
