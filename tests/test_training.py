import math
import warnings

import pytest
import torch
import torch.nn as nn

from sine_lab.data import article_data
from sine_lab.models import ArticleSimpleRNN, SequenceModel
from sine_lab.training import History, seed_everything, train


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
