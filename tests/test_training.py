import math
import warnings

import numpy as np

import pytest
import torch
import torch.nn as nn

from sine_lab.data import article_data, random_sines
from sine_lab.models import ArticleSimpleRNN, SequenceModel
from sine_lab.training import fit_autoregressive, seed_everything, train


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
    for p, q in zip(model.parameters(), reference_model.parameters()):
        assert torch.equal(p, q)


def test_train_records_pytorchs_broadcast_warning_once():
    x, y = article_data()
    seed_everything(0)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        history = train(ArticleSimpleRNN(1, 4, 1), x, y, epochs=3, lr=0.01)
    assert len(history.warnings) == 1
    assert "target size (torch.Size([1000, 1])) that is different to the input size (torch.Size([1]))" in history.warnings[0]
    assert sum("different to the input size" in str(w.message) for w in shown) == 1


def test_train_records_predictions_and_gradient_norms():
    seed_everything(1)
    model = nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    y = 3 * x
    history = train(model, x, y, epochs=4, lr=0.1, record_predictions_at=[0, 4], record_grad_norms=True)
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
    history = train(model, x, y, epochs=1, lr=0.1, record_grad_norms=True)
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
    train(clipped, x, y, epochs=1, lr=1.0, clip_grad_norm=1e-3)
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
    history = train(model, x, x, epochs=100, lr=0.01, callback=lambda epoch, loss: epoch < 5)
    assert history.epochs == 5 and history.stop_reason == "stopped"


def test_log_every_prints_the_articles_format(capsys):
    model = nn.Linear(1, 1)
    x = torch.ones(4, 1)
    train(model, x, x, epochs=4, lr=0.01, log_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch [2/4]", "Epoch [4/4]"]


def test_same_seed_same_history():
    def run():
        seed_everything(7)
        model = SequenceModel("gru", hidden_size=4)
        x = torch.randn(16, 5, 1)
        return train(model, x, x[:, -1], epochs=5, lr=0.01, batch_size=4, seed=7).loss

    assert run() == run()


def test_validation_predict_scores_validation_while_predict_trains():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    # Independent reference: the validation score is the MSE of twice the model's output.
    history = train(model, x, y, epochs=3, lr=0.05, validation=(x, 2 * y), validation_predict=lambda m, v: 2 * m(v))
    with torch.no_grad():
        assert nn.functional.mse_loss(2 * model(x), 2 * y).item() == pytest.approx(min(history.validation_loss))
    assert len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss)


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"lr": -1.0}, ValueError, "lr must be > 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"record_predictions_at": [11]}, ValueError, "record_predictions_at must be <= 10"),
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
    assert "smaller learning rate" in history.message and "clip_grad_norm" in history.message


def test_exploding_loss_check_can_be_disabled_or_loosened():
    seed_everything(0)
    x, y = torch.full((8, 1), 100.0), torch.zeros(8, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(nn.Linear(1, 1), x, y, epochs=3, lr=1000.0, max_loss_growth=None)
    assert history.stop_reason == "completed" and history.epochs == 3
    with pytest.raises(ValueError, match="max_loss_growth must be > 1.0, got 0.5"):
        train(nn.Linear(1, 1), x, y, epochs=1, lr=0.1, max_loss_growth=0.5)


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


# --- extensions: L-BFGS, schedules, predict, validation and early stopping ---


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


def test_predict_replaces_the_model_call_in_loss_and_snapshots():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    history = train(model, x, 2 * y, epochs=2, lr=1.0, optimizer="lbfgs",
                    predict=lambda m, v: 2 * m(v), record_predictions_at=[2])
    assert model.weight.item() == pytest.approx(3.0, abs=1e-4)
    assert torch.allclose(history.predictions[2], 2 * model(x), atol=1e-6)


def test_validation_keeps_the_best_weights_and_patience_stops():
    x, y = _line_data()
    model = nn.Linear(1, 1)
    # Validation data from a different line: fitting the training line makes it worse.
    x_val, y_val = x, -3.0 * x
    history = train(model, x, y, epochs=50, lr=0.05, validation=(x_val, y_val), patience=3)
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
        history = train(model, x, x, epochs=5, lr=0.01, loss_fn=loss_infinite_while_training, validation=(x, x))
    assert history.stop_reason == "diverged" and history.best_epoch == 0
    assert all(torch.equal(model.state_dict()[k], v) for k, v in start.items())


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"optimizer": "sgd"}, ValueError, "optimizer must be one of 'adam', 'lbfgs'"),
        ({"optimizer": "lbfgs", "batch_size": 2}, ValueError, "optimizer='lbfgs' needs batch_size=None"),
        ({"schedule": "step"}, ValueError, "schedule must be one of 'onecycle', 'cosine'"),
        ({"patience": 2}, ValueError, "patience needs a validation set"),
        ({"validation": torch.ones(4, 1)}, TypeError, "validation must be a tuple"),
        ({"predict": 3}, TypeError, "predict must be callable"),
        ({"validate_every": 0}, ValueError, "validate_every must be >= 1"),
        ({"validation_predict": lambda m, x: m(x)}, ValueError, "validation_predict needs a validation set"),
        ({"validation": (torch.ones(4, 1), torch.ones(4, 1)), "validation_predict": 3}, TypeError,
         "validation_predict must be callable"),
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
    history = train(model, x, y, epochs=1, lr=1e-3, truncate_bptt=3, record_grad_norms=True)
    assert history.grad_norms[0] == pytest.approx(float(expected), rel=1e-5)
    full = train(copy.deepcopy(reference), x, y, epochs=1, lr=1e-3, record_grad_norms=True)
    assert full.grad_norms[0] != pytest.approx(history.grad_norms[0], rel=1e-3)
    with pytest.raises(TypeError, match="SequenceModel"):
        train(torch.nn.Linear(1, 1), x[:, 0], y, epochs=1, lr=1e-3, truncate_bptt=2)
