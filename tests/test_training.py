import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn

from sine_lab.callbacks import (
    Callback,
    ClipGradNorm,
    DivergenceGuard,
    OnEpochEnd,
    PrintLoss,
    ProgressBar,
    RecordGradNorms,
    RecordPredictions,
    Validate,
)
from sine_lab.data import article_data, random_sines
from sine_lab.models import ArticleSimpleRNN, SequenceModel, forecast
from sine_lab.objectives import LastStep, Objective, PerStep, Rollout, TruncatedBPTT
from sine_lab.training import fit_autoregressive, seed_everything, train


class Doubled(Objective):
    """Twice the model's output: a prediction no built-in objective makes."""

    def predict(self, model, x):
        return 2 * model(x)


def article_loop(model, x, y, lr, epochs):
    """The seed article's training loop, verbatim apart from collecting the losses."""
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            optimizer.zero_grad()
            outputs = model(x)
            loss = criterion(outputs, y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def test_full_batch_train_reproduces_the_articles_loop_exactly():
    x, y = article_data()
    seed_everything(0)
    reference_model = ArticleSimpleRNN(1, 10, 1)
    seed_everything(0)
    model = ArticleSimpleRNN(1, 10, 1)
    reference = article_loop(reference_model, x, y, lr=0.01, epochs=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = train(model, x, y, epochs=15, lr=0.01)
    assert history.loss == reference
    for p, q in zip(model.parameters(), reference_model.parameters(), strict=False):
        assert torch.equal(p, q)


def test_train_records_pytorchs_broadcast_warning_once():
    x, y = article_data()
    seed_everything(0)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        history = train(ArticleSimpleRNN(1, 4, 1), x, y, epochs=3, lr=0.01)
    assert len(history.warnings) == 1
    assert ("target size (torch.Size([1000, 1])) that is different to the input size (torch.Size([1]))"
            in history.warnings[0])
    assert sum("different to the input size" in str(w.message) for w in shown) == 1


def test_train_records_predictions_and_gradient_norms():
    seed_everything(1)
    model = nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    y = 3 * x
    history = train(model, x, y, epochs=4, lr=0.1, callbacks=[RecordPredictions(at=[0, 4]), RecordGradNorms()])
    assert sorted(history.predictions) == [0, 4]
    assert torch.allclose(history.predictions[4], model(x).detach())
    assert len(history.grad_norms) == 4 and all(g > 0 for g in history.grad_norms)
    assert history.epochs == 4 and history.stop_reason == "completed"


def test_recorded_gradient_norm_matches_autograd_on_the_first_step():
    seed_everything(2)
    model = nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 16).reshape(-1, 1)
    y = torch.sin(x)
    loss = nn.functional.mse_loss(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    expected = math.sqrt(sum(float((g**2).sum()) for g in grads))
    history = train(model, x, y, epochs=1, lr=0.1, callbacks=[RecordGradNorms()])
    assert history.grad_norms[0] == pytest.approx(expected, rel=1e-5)


def test_training_learns_a_line_with_mini_batches():
    seed_everything(0)
    model = nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 64).reshape(-1, 1)
    history = train(model, x, 2 * x - 0.5, epochs=200, lr=0.05, batch_size=16, seed=0)
    assert history.final_loss < 1e-4
    assert model.weight.item() == pytest.approx(2.0, abs=1e-2)


def test_clipping_caps_the_update_size():
    x = torch.ones(8, 1)
    y = torch.full((8, 1), 1e4)
    seed_everything(0)
    clipped = nn.Linear(1, 1, bias=False)
    before = clipped.weight.item()
    train(clipped, x, y, epochs=1, lr=1.0, callbacks=[ClipGradNorm(1e-3)])
    # Adam's first step moves each weight by about lr whatever the gradient's size;
    # the clipped gradient still points the same way.
    assert clipped.weight.item() > before


def test_divergence_stops_training_with_a_message():
    model = nn.Linear(1, 1)
    x = torch.ones(4, 1)

    def exploding_loss(pred, target):
        return (pred - target).pow(2).mean() * float("inf")

    with pytest.warns(RuntimeWarning, match="Training diverged"):
        history = train(model, x, x, epochs=50, lr=0.01, loss_fn=exploding_loss)
    assert history.stop_reason == "diverged"
    assert history.epochs == 1
    assert "smaller learning rate" in history.message


def test_callback_can_stop_training():
    model = nn.Linear(1, 1)
    x = torch.ones(4, 1)
    history = train(model, x, x, epochs=100, lr=0.01, callbacks=[OnEpochEnd(lambda epoch, loss: epoch < 5)])
    assert history.epochs == 5 and history.stop_reason == "stopped"


def test_print_loss_prints_the_articles_format(capsys):
    model = nn.Linear(1, 1)
    x = torch.ones(4, 1)
    train(model, x, x, epochs=4, lr=0.01, callbacks=[PrintLoss(every=2)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch [2/4]", "Epoch [4/4]"]


def test_print_loss_holds_back_repeated_losses_and_says_for_which_epochs(capsys):
    printer = PrintLoss(every=1)

    class State:
        epochs = 5

    printer.on_train_begin(State)
    for epoch, loss in enumerate([0.5, 0.44321, 0.44318, 0.44319, 0.3], 1):
        State.epoch, State.history = epoch, type("History", (), {"final_loss": loss})
        printer.on_epoch_end(State)
    printer.on_train_end(State)
    assert capsys.readouterr().out.splitlines() == [
        "Epoch [1/5], Loss: 0.5000", "Epoch [2/5], Loss: 0.4432",
        "  ... the same Loss: 0.4432 at epochs 3 to 4 (every 1)", "Epoch [5/5], Loss: 0.3000"]


def test_same_seed_same_history():
    def run():
        seed_everything(7)
        model = SequenceModel("gru", hidden_size=4)
        x = torch.randn(16, 5, 1)
        return train(model, x, x[:, -1], epochs=5, lr=0.01, batch_size=4, seed=7).loss

    assert run() == run()


def test_validate_scores_with_its_own_objective_while_another_trains():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    # Independent reference: the validation score is the MSE of twice the model's output.
    history = train(model, x, y, epochs=3, lr=0.05, callbacks=[Validate(x, 2 * y, objective=Doubled())])
    with torch.no_grad():
        assert nn.functional.mse_loss(2 * model(x), 2 * y).item() == pytest.approx(min(history.validation_loss))
    assert len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss)


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"lr": -1.0}, ValueError, "lr must be > 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"callbacks": [RecordPredictions(at=[11])]}, ValueError, "RecordPredictions at must be <= 10, got 11"),
        ({"steps": 5}, ValueError, "give exactly one of epochs and steps, got epochs=10 and steps=5"),
        ({"epochs": None}, ValueError, "give exactly one of epochs and steps, got epochs=None and steps=None"),
        ({"callbacks": [lambda epoch, loss: None]}, TypeError, "callbacks must be Callback objects"),
        ({"objective": lambda m, x: m(x)}, TypeError, "objective must be an Objective"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, error, text):
    args = {"epochs": 10, "lr": 0.01} | kwargs
    with pytest.raises(error, match=text):
        train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(4, 1), **args)


def test_train_rejects_mismatched_batches_and_non_models():
    with pytest.raises(ValueError, match="same first"):
        train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(3, 1), epochs=1, lr=0.1, batch_size=2)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train(lambda v: v, torch.ones(4, 1), torch.ones(4, 1), epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="x must be finite"):
        train(nn.Linear(1, 1), torch.tensor([[float("nan")]]), torch.ones(1, 1), epochs=1, lr=0.1)


def test_exploding_loss_stops_training_with_advice():
    # Adam moves each weight by about lr per step: lr=1000 on inputs of 100 explodes at once.
    seed_everything(0)
    model = nn.Linear(1, 1)
    x, y = torch.full((8, 1), 100.0), torch.zeros(8, 1)
    with pytest.warns(RuntimeWarning, match="Training diverged: the loss grew to"):
        history = train(model, x, y, epochs=20, lr=1000.0)
    assert history.stop_reason == "diverged" and history.epochs == 2
    assert history.loss[1] > 1000 * history.loss[0]
    assert "smaller learning rate" in history.message and "ClipGradNorm(1.0)" in history.message


def test_exploding_loss_check_can_be_disabled_or_loosened():
    seed_everything(0)
    x, y = torch.full((8, 1), 100.0), torch.zeros(8, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(nn.Linear(1, 1), x, y, epochs=3, lr=1000.0, callbacks=[DivergenceGuard(max_growth=None)])
    assert history.stop_reason == "completed" and history.epochs == 3
    with pytest.raises(ValueError, match="max_growth must be > 1.0, got 0.5"):
        DivergenceGuard(max_growth=0.5)


def test_a_perfect_start_is_not_mistaken_for_an_explosion():
    # The exact oscillator starts at loss ~1e-14; Adam's first steps raise it by many
    # orders of magnitude, which is noise, not divergence: mean(y**2) is the yardstick.
    from sine_lab.data import sine_series

    _, s = sine_series(60, step=0.1)
    windows = s.unfold(0, 11, 1)
    model = SequenceModel.linear_oscillator(0.1)
    history = train(model, windows[:, :10].unsqueeze(-1), windows[:, 10:], epochs=5, lr=0.01)
    assert history.loss[0] < 1e-10 and max(history.loss) > 1e3 * history.loss[0]
    assert history.stop_reason == "completed"


# --- extensions: L-BFGS, schedules, objectives, validation and early stopping ---


def _line_data():
    x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    return x, 3.0 * x - 0.5


def test_lbfgs_solves_a_least_squares_line_to_closed_form_precision():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    history = train(model, x, y, epochs=2, lr=1.0, optimizer="lbfgs")
    assert history.final_loss < 1.0  # the loss recorded is at the start of the last step
    assert model.weight.item() == pytest.approx(3.0, abs=1e-4)
    assert model.bias.item() == pytest.approx(-0.5, abs=1e-4)


@pytest.mark.parametrize("schedule", ["onecycle", "cosine"])
def test_schedules_follow_torchs_own_schedulers(schedule):
    """Capture the learning rate at each step and compare with the scheduler run by hand."""
    x, y = _line_data()
    model = nn.Linear(1, 1)
    seen = []
    original_step = torch.optim.Adam.step

    def spying_step(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original_step(self, *args, **kwargs)

    torch.optim.Adam.step = spying_step
    try:
        train(model, x, y, epochs=3, lr=0.1, batch_size=8, schedule=schedule)
    finally:
        torch.optim.Adam.step = original_step
    reference_opt = torch.optim.Adam(nn.Linear(1, 1).parameters(), lr=0.1)
    if schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(reference_opt, max_lr=0.1, total_steps=12)
    else:
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(reference_opt, T_max=12)
    expected = []
    for _ in range(12):
        expected.append(reference_opt.param_groups[0]["lr"])
        reference_opt.step()
        scheduler.step()
    assert seen == pytest.approx(expected)


def test_objective_replaces_the_model_call_in_loss_and_snapshots():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    history = train(model, x, 2 * y, epochs=2, lr=1.0, optimizer="lbfgs",
                    objective=Doubled(), callbacks=[RecordPredictions(at=[2])])
    assert model.weight.item() == pytest.approx(3.0, abs=1e-4)
    assert torch.allclose(history.predictions[2], 2 * model(x), atol=1e-6)


def test_validation_keeps_the_best_weights_and_patience_stops():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    # Validation data from a different line: fitting the training line makes it worse.
    x_val, y_val = x, -3.0 * x
    history = train(model, x, y, epochs=50, lr=0.05, callbacks=[Validate(x_val, y_val, patience=3)])
    assert history.stop_reason == "early_stopped"
    assert history.validation_epochs[0] == 0
    best = history.validation_epochs[history.validation_loss.index(min(history.validation_loss))]
    assert history.best_epoch == best
    with torch.no_grad():
        assert nn.functional.mse_loss(model(x_val), y_val).item() == pytest.approx(min(history.validation_loss))


def test_divergence_falls_back_on_the_best_validated_weights():
    model = nn.Linear(1, 1)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.ones(4, 1)

    def loss_infinite_while_training(pred, target):
        # Validation runs without gradients, so only training steps see the explosion.
        return (pred - target).pow(2).mean() * (float("inf") if pred.requires_grad else 1.0)

    with pytest.warns(RuntimeWarning, match="Training diverged"):
        history = train(model, x, x, epochs=5, lr=0.01, loss_fn=loss_infinite_while_training,
                        callbacks=[Validate(x, x)])
    assert history.stop_reason == "diverged" and history.best_epoch == 0
    assert all(torch.equal(model.state_dict()[k], v) for k, v in start.items())


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of 'adam', 'sgd', 'lbfgs'"),
        ({"optimizer": "lbfgs", "batch_size": 2}, ValueError, "optimizer='lbfgs' needs batch_size=None"),
        ({"optimizer": "lbfgs", "schedule": "cosine"}, ValueError,
         "optimizer='lbfgs' needs batch_size=None and schedule=None"),
        ({"optimizer": "lbfgs", "callbacks": [ClipGradNorm(1.0)]}, ValueError,
         "ClipGradNorm cannot be used with optimizer='lbfgs'"),
        ({"schedule": "step"}, ValueError, "schedule must be one of 'onecycle', 'cosine'"),
        ({"objective": PerStep(2)}, TypeError, "PerStep needs a model with a .run"),
        ({"objective": Rollout(3)}, TypeError, "Rollout needs a model with a .run.*got Linear"),
        ({"objective": TruncatedBPTT(3)}, TypeError, "TruncatedBPTT needs a model with a .run"),
    ],
)
def test_train_rejects_bad_extension_arguments(kwargs, error, text):
    args = {"epochs": 2, "lr": 0.01} | kwargs
    with pytest.raises(error, match=text):
        train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(4, 1), **args)


def test_fit_autoregressive_recovers_the_sine_recurrence():
    values, _, _ = random_sines(5, 300, step=0.1, angular_frequency=(1.3, 1.3), amplitude=(0.5, 2.0))
    a = fit_autoregressive(values, 2)
    assert a.shape == (2,)
    assert torch.allclose(a, torch.tensor([2 * math.cos(0.13), -1.0]), atol=1e-4)


def test_fit_autoregressive_matches_numpy_lstsq_on_noise():
    torch.manual_seed(0)
    s = torch.randn(200)
    design = torch.stack([s[2:-1], s[1:-2], s[:-3]], dim=1).double().numpy()
    expected, *_ = np.linalg.lstsq(design, s[3:].double().numpy(), rcond=None)
    assert np.allclose(fit_autoregressive(s, 3).numpy(), expected, atol=1e-6)


def test_truncated_bptt_gradient_matches_a_detached_state():
    import copy

    from sine_lab.models import SequenceModel

    torch.manual_seed(0)
    model = SequenceModel("rnn", hidden_size=4)
    x, y = torch.randn(3, 10, 1), torch.randn(3, 1)
    reference = copy.deepcopy(model)
    _, state = reference.run(x[:, :7])
    outputs, _ = reference.run(x[:, 7:], state.detach())
    torch.nn.functional.mse_loss(outputs[:, -1], y).backward()
    expected = torch.nn.utils.get_total_norm([p.grad for p in reference.parameters()])
    history = train(model, x, y, epochs=1, lr=1e-3, objective=TruncatedBPTT(3), callbacks=[RecordGradNorms()])
    assert history.grad_norms[0] == pytest.approx(float(expected), rel=1e-5)
    full = train(copy.deepcopy(reference), x, y, epochs=1, lr=1e-3, callbacks=[RecordGradNorms()])
    assert full.grad_norms[0] != pytest.approx(history.grad_norms[0], rel=1e-3)
    with pytest.raises(TypeError, match="SequenceModel"):
        train(torch.nn.Linear(1, 1), x[:, 0], y, epochs=1, lr=1e-3, objective=TruncatedBPTT(2))


# --- step-based training, callbacks and objectives one by one ---


class Spy(Callback):
    """Counts hook calls and remembers the state's step at each backward pass."""

    def __init__(self, stop_at_epoch=None):
        self.calls = {"begin": 0, "backward": 0, "epoch": 0, "end": 0}
        self.steps = []
        self.stop_at_epoch = stop_at_epoch

    def on_train_begin(self, state):
        self.calls["begin"] += 1

    def after_backward(self, state):
        self.calls["backward"] += 1
        self.steps.append(state.step)

    def on_epoch_end(self, state):
        self.calls["epoch"] += 1
        if state.epoch == self.stop_at_epoch:
            state.stop("spied", "stopped by the spy")

    def on_train_end(self, state):
        self.calls["end"] += 1


def test_steps_count_optimizer_steps_across_shuffled_passes():
    x, y = _line_data()  # 32 samples, batch 6: 6 steps per pass
    spy = Spy()
    history = train(nn.Linear(1, 1), x, y, steps=8, lr=0.01, batch_size=6, callbacks=[spy], seed=0)
    assert spy.steps == list(range(1, 9))
    assert history.epochs == 2 and spy.calls == {"begin": 1, "backward": 8, "epoch": 2, "end": 1}
    assert history.message.startswith("Completed 8 steps")


def test_steps_draw_the_same_batches_as_epochs_when_they_fill_whole_passes():
    x, y = _line_data()
    seed_everything(3)
    by_steps = nn.Linear(1, 1)
    by_epochs = nn.Linear(1, 1)
    by_epochs.load_state_dict(by_steps.state_dict())
    a = train(by_steps, x, y, steps=12, lr=0.05, batch_size=8, seed=1, schedule="cosine")
    b = train(by_epochs, x, y, epochs=3, lr=0.05, batch_size=8, seed=1, schedule="cosine")
    assert a.loss == b.loss and torch.equal(by_steps.weight, by_epochs.weight)


def test_a_custom_callback_can_stop_training_with_its_own_reason():
    spy = Spy(stop_at_epoch=3)
    history = train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(4, 1), epochs=10, lr=0.01, callbacks=[spy])
    assert history.epochs == 3 and history.stop_reason == "spied" and history.message == "stopped by the spy"
    assert spy.calls["end"] == 1


def test_lbfgs_records_one_gradient_norm_per_step_although_it_evaluates_many_times():
    x, y = _line_data()
    spy = Spy()
    history = train(nn.Linear(1, 1), x, y, epochs=2, lr=1.0, optimizer="lbfgs", callbacks=[spy, RecordGradNorms()])
    assert spy.calls["backward"] > 2  # the line search re-evaluates the closure
    assert len(history.grad_norms) == 2 and history.grad_norms[0] > history.grad_norms[1]


def test_clip_grad_norm_leaves_the_gradient_at_most_max_norm():
    class NormAfterClipping(Callback):
        order = ClipGradNorm.order + 1

        def after_backward(self, state):
            self.norm = float(nn.utils.get_total_norm([p.grad for p in state.model.parameters()]))

    seen = NormAfterClipping()
    x, y = torch.ones(8, 1), torch.full((8, 1), 100.0)
    train(nn.Linear(1, 1), x, y, epochs=1, lr=0.1, callbacks=[seen, ClipGradNorm(0.5)])
    assert seen.norm == pytest.approx(0.5, rel=1e-5)
    train(nn.Linear(1, 1), x, y, epochs=1, lr=0.1, callbacks=[seen])
    assert seen.norm > 100  # the control: unclipped, the same gradient is large


def test_validate_every_scores_on_schedule_and_after_the_last_epoch():
    x, y = _line_data()
    history = train(nn.Linear(1, 1), x, y, epochs=5, lr=0.05, callbacks=[Validate(x, y, every=2)])
    assert history.validation_epochs == [0, 2, 4, 5]
    assert "Kept the weights of epoch" in history.message


def test_progress_bar_counts_the_epochs(capsys):
    bar = ProgressBar()
    train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(4, 1), epochs=3, lr=0.01, callbacks=[bar])
    assert bar.bar.n == 3 and "training" in capsys.readouterr().err


def test_objectives_predict_what_they_promise():
    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=4)
    x, y = torch.randn(3, 8, 1), torch.randn(3, 5)
    with torch.no_grad():
        assert torch.equal(LastStep().predict(model, x), model(x))
        assert PerStep(3).predict(model, x).shape == (3, 5)
        assert torch.equal(PerStep(3).predict(model, x), model.run(x)[0][:, 3:, 0])
        assert torch.equal(Rollout(5).predict(model, x), forecast(model, x, 5))
        assert torch.allclose(TruncatedBPTT(3).predict(model, x), model(x))  # same value, less gradient
        expected = nn.functional.mse_loss(forecast(model, x, 5), y)
        assert torch.equal(Rollout(5)(model, x, y), expected)
        assert torch.equal(Rollout(5)(model, x, y, nn.L1Loss()), nn.functional.l1_loss(forecast(model, x, 5), y))


def test_rollout_training_lowers_the_free_running_error():
    torch.manual_seed(0)
    t = torch.arange(40, dtype=torch.float32) * 0.3
    windows = torch.sin(t[None, :] + torch.linspace(0, 3, 16)[:, None])
    x, y = windows[:, :30, None], windows[:, 30:]
    model = SequenceModel("gru", hidden_size=8)
    objective = Rollout(10)
    with torch.no_grad():
        before = float(objective(model, x, y))
    train(model, x, y, epochs=60, lr=0.02, objective=objective)
    with torch.no_grad():
        assert float(objective(model, x, y)) < 0.2 * before


@pytest.mark.parametrize(
    "make, error, text",
    [
        (lambda: PerStep(-1), ValueError, "warmup must be >= 0, got -1"),
        (lambda: PerStep(1.5), TypeError, "warmup must be an int, got float 1.5"),
        (lambda: Rollout(0), ValueError, "steps must be >= 1, got 0"),
        (lambda: TruncatedBPTT("3"), TypeError, "steps must be an int, got str '3'"),
        (lambda: ClipGradNorm(0), ValueError, "max_norm must be > 0.0, got 0.0"),
        (lambda: RecordPredictions(at=[-1]), ValueError, "at must be >= 0, got -1"),
        (lambda: PrintLoss(every=0), ValueError, "every must be >= 1, got 0"),
        (lambda: OnEpochEnd(3), TypeError, "fn must be callable as fn\\(epoch, loss\\), got int"),
        (lambda: Validate(torch.ones(2, 1).numpy(), torch.ones(2, 1)), TypeError, "x_val must be a torch.Tensor"),
        (lambda: Validate(torch.ones(2, 1), torch.ones(2, 1), every=0), ValueError, "every must be >= 1, got 0"),
        (lambda: Validate(torch.ones(2, 1), torch.ones(2, 1), patience=0), ValueError, "patience must be >= 1, got 0"),
        (lambda: Validate(torch.ones(2, 1), torch.ones(2, 1), objective=len), TypeError,
         "objective must be an Objective"),
    ],
)
def test_callbacks_and_objectives_reject_bad_arguments(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_training_leaves_the_warning_filters_as_it_found_them():
    # Warnings are recorded around each step only; outside them (and after) the
    # caller's filters are in force.
    class WarnsAtTheEnd(Callback):
        def on_train_end(self, state):
            warnings.warn("after training", UserWarning, stacklevel=1)

    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="after training"):
            train(nn.Linear(1, 1), torch.ones(4, 1), torch.ones(4, 1), epochs=2, lr=0.01, callbacks=[WarnsAtTheEnd()])
    assert warnings.filters == before and not shown
