import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sine_lab import checkpoints
from sine_lab.checkpoints import load_model, save_model
from sine_lab.data import make_windows, sine_series
from sine_lab.models import MODEL_KINDS, SequenceModel, build_model, identity_relu_rnn
from sine_lab.training import seed_everything, train

DATA = Path(__file__).parent / "data"
SETTINGS = {"lr": 0.01, "epochs": 3, "seed": 5, "window": 8, "note": "trained on sin", "grid": [1, 2.5, None],
            "nested": {"ok": True}}


def trained_model(cell="gru", **kwargs):
    seed_everything(5)
    model = SequenceModel(cell, hidden_size=6, **kwargs)
    _, s = sine_series(60)
    x, y = make_windows(s, 8)
    train(model, x, y, epochs=3, lr=0.01, batch_size=16, seed=5)
    return model, x


def moved_weights(model):
    """Move every weight off its initial value, so that a load that rebuilt but did not restore would show."""
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=generator))
    return model


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_every_registered_kind_round_trips_with_identical_outputs(tmp_path, kind):
    torch.manual_seed(0)
    model = moved_weights(build_model(kind)).eval()
    loaded, settings = load_model(save_model(model, tmp_path / f"{kind}.pt", SETTINGS))
    assert settings == SETTINGS
    assert (loaded.kind, loaded.config) == (model.kind, model.config)
    assert type(loaded) is type(model)
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    x = torch.randn(3, 12, 1)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
        assert torch.equal(model.run(x)[0], loaded.run(x)[0])


def test_the_irnn_comes_back_as_a_relu_rnn(tmp_path):
    # Before checkpoints stored the kind, an IRNN came back tanh, its outputs off by up to 0.42.
    torch.manual_seed(0)
    model = identity_relu_rnn(8, num_layers=2).eval()
    loaded, _ = load_model(save_model(model, tmp_path / "irnn.pt"))
    assert [loaded.rnn.nonlinearity, loaded.kind] == ["relu", "irnn"]
    x = torch.randn(4, 30, 1)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


@pytest.mark.parametrize("cell, kwargs", [("gru", {}), ("lstm", {"num_layers": 2, "dropout": 0.1}), ("linear", {}),
                                         ("rnn", {"delta_scale": 0.1})])
def test_a_trained_model_and_its_settings_round_trip_exactly(tmp_path, cell, kwargs):
    model, x = trained_model(cell, **kwargs)
    path = save_model(model, tmp_path / "model.pt", SETTINGS)
    loaded, settings = load_model(path)
    assert settings == SETTINGS
    assert loaded.config == model.config and loaded.config["hidden_size"] == 6
    assert not loaded.training
    model.eval()
    assert torch.equal(model(x), loaded(x))


def test_a_hand_set_model_round_trips(tmp_path):
    model = SequenceModel.linear_oscillator(0.3)
    loaded, _ = load_model(save_model(model, tmp_path / "oscillator.pt"))
    x = torch.sin(0.3 * torch.arange(50.0)).reshape(1, 50, 1)
    assert torch.equal(model.run(x)[0], loaded.run(x)[0])


def test_saving_and_loading_leave_the_callers_random_stream_alone(tmp_path):
    model = build_model("lstm", hidden_size=4)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    load_model(save_model(model, tmp_path / "m.pt"))
    assert torch.equal(torch.rand(3), expected)


def test_a_model_changed_after_it_was_built_is_refused(tmp_path):
    # What identity_relu_rnn used to do: build a tanh RNN, then swap in a ReLU layer of the same shapes.
    model = SequenceModel("rnn", hidden_size=4)
    model.rnn = torch.nn.RNN(1, 4, nonlinearity="relu", batch_first=True)
    with pytest.raises(ValueError, match=r"the 'rnn' model \(SequenceModel\) computes something other than "
                                         r"build_model\('rnn', .*\) with the same weights \(difference .*"
                                         "a checkpoint would return a different model"):
        save_model(model, tmp_path / "m.pt")
    model = SequenceModel("gru", hidden_size=4)
    model.per_step = True
    with pytest.raises(ValueError, match=r"difference shapes \(2, 8, 1\) vs \(2, 1\)"):
        save_model(model, tmp_path / "m.pt")
    model = SequenceModel("gru", hidden_size=4)
    model.head = torch.nn.Linear(4, 2)
    with pytest.raises(ValueError,
                       match="(?s)does not have the weights that build_model.*size mismatch for head.weight"):
        save_model(model, tmp_path / "m.pt")
    assert list(tmp_path.iterdir()) == []


def test_settings_default_to_empty_and_tuples_come_back_as_lists(tmp_path):
    model = build_model("gru", hidden_size=3)
    assert load_model(save_model(model, tmp_path / "a.pt"))[1] == {}
    assert load_model(save_model(model, tmp_path / "b.pt", {"shape": (2, 3)}))[1] == {"shape": [2, 3]}


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    model, _ = trained_model()
    path = tmp_path / "model.pt"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        save_model(model, path)
    assert path.read_bytes() == b"precious"
    save_model(model, path, overwrite=True)
    assert load_model(path)[0].hidden_size == 6


def test_a_failed_save_leaves_no_file_behind(tmp_path):
    model, _ = trained_model()
    with pytest.raises(TypeError, match=r"settings\['opt'\] must hold only str, int, float, bool, None"):
        save_model(model, tmp_path / "model.pt", {"opt": object()})
    assert list(tmp_path.iterdir()) == []


def test_a_save_interrupted_mid_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = save_model(build_model("gru", hidden_size=3), tmp_path / "model.pt")
    old = path.read_bytes()
    real_save = torch.save

    def save_half_then_die(obj, file):
        real_save(obj, file)
        file.truncate(file.tell() // 2)
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(checkpoints.torch, "save", save_half_then_die)
    with pytest.raises(KeyboardInterrupt):
        save_model(build_model("lstm", hidden_size=5), path, overwrite=True)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert load_model(path)[0].kind == "gru"


# The child saves a large model over an existing checkpoint; its torch.save writes in slow chunks
# (so the parent can kill it at a known point) and says when the first chunk is out.
_CHILD = """
import io, sys, time, torch
from sine_lab.checkpoints import save_model
from sine_lab.models import build_model
real_save = torch.save
def slow_save(obj, file):
    buffer = io.BytesIO()
    real_save(obj, buffer)
    data = buffer.getvalue()
    for start in range(0, len(data), 1 << 16):
        file.write(data[start : start + (1 << 16)])
        file.flush()
        if start == 0:
            print("writing", flush=True)
        time.sleep(0.01)
torch.save = slow_save
save_model(build_model("lstm", hidden_size=256), sys.argv[1], overwrite=True)
print("finished", flush=True)
"""


def test_a_save_killed_mid_write_leaves_the_old_checkpoint_intact(tmp_path):
    path = save_model(build_model("gru", hidden_size=3), tmp_path / "model.pt", {"generation": 1})
    old = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(checkpoints.__file__).parents[1]), "OMP_NUM_THREADS": "1"},
    )
    try:
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)  # no cleanup code runs: as a power cut or an out-of-memory kill
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == old
    model, settings = load_model(path)
    assert (model.kind, settings) == ("gru", {"generation": 1})
    # The half-written file is hidden beside it, never under the checkpoint's name.
    leftovers = [p.name for p in tmp_path.iterdir() if p != path]
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.pt.") and leftovers[0].endswith(".tmp")


def test_a_version_1_checkpoint_loads_with_its_outputs():
    # Written by sine_lab at commit 80bc85b (checkpoint VERSION 1, SequenceModel arguments).
    model, settings = load_model(DATA / "checkpoint_v1_gru.pt")
    assert (model.kind, model.num_layers, model.delta_scale) == ("gru", 2, 0.5)
    with torch.no_grad():
        out = model.run(torch.linspace(-1, 1, 6).reshape(1, 6, 1))[0].flatten()
    # Equal up to rounding: the file was written on another CPU, whose GRU kernels round differently
    # in the last bits (a wrong weight would differ by far more).
    torch.testing.assert_close(out, torch.tensor(settings["probe_output"]), rtol=1e-5, atol=1e-6)


def test_a_version_1_rnn_loads_as_tanh_and_says_what_to_do_if_it_was_an_irnn():
    with pytest.warns(UserWarning, match=r"version-1 checkpoint, which did not record an RNN's nonlinearity: "
                                         r"it loads as a tanh RNN. "
                                         r"If it was saved from identity_relu_rnn .*build_model\('irnn'"):
        model, _ = load_model(DATA / "checkpoint_v1_irnn.pt")
    assert model.rnn.nonlinearity == "tanh"


def test_loading_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing.pt: the file does not exist"):
        load_model(tmp_path / "nothing.pt")


def test_loading_a_truncated_file(tmp_path):
    path = save_model(build_model("gru", hidden_size=3), tmp_path / "model.pt", SETTINGS)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="is not a readable checkpoint \\(truncated or corrupt\\?\\)"):
        load_model(path)


def test_loading_a_file_from_another_model(tmp_path):
    other = tmp_path / "state_dict.pt"
    torch.save(torch.nn.LSTM(1, 4).state_dict(), other)
    with pytest.raises(ValueError, match="is not a sine-lab checkpoint: it holds a dict with keys .*save_model"):
        load_model(other)


def _rewrite(path, **changes):
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)


def test_loading_a_kind_that_is_not_registered_says_how_to_register_it(tmp_path):
    path = save_model(build_model("gru", hidden_size=3), tmp_path / "model.pt")
    _rewrite(path, kind="window_mlp")
    with pytest.raises(ValueError, match=r"holds a model of kind 'window_mlp', which is not registered in this process "
                                         r"\(registered: rnn, lstm, gru, linear, irnn.*\). Import the module that "
                                         "registers it"):
        load_model(path)


def test_loading_a_newer_version_says_what_to_do(tmp_path):
    path = save_model(build_model("gru", hidden_size=3), tmp_path / "model.pt")
    _rewrite(path, version=3)
    with pytest.raises(ValueError, match="of version 3; this sine_lab reads versions 1 and 2. Load it with the "
                                         "sine_lab that wrote it, or update sine_lab"):
        load_model(path)


def test_loading_weights_that_do_not_fit_the_recorded_model(tmp_path):
    path = save_model(build_model("gru", hidden_size=6), tmp_path / "model.pt")
    _rewrite(path, config={"hidden_size": 7})
    with pytest.raises(ValueError, match="records the model kind 'gru' with config .*hidden_size': 7.*cannot be "
                                         "rebuilt with its weights"):
        load_model(path)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda p: save_model(torch.nn.LSTM(1, 2), p), TypeError,
         (r"LSTM does not record its kind, so a checkpoint could not rebuild it: build it with "
          r"sine_lab.models.build_model\(kind, \*\*config\) \(registered kinds: rnn, lstm")),
        (lambda p: save_model("lstm", p), TypeError, "model must be a torch.nn.Module of a registered kind, got str"),
        (lambda p: save_model(SequenceModel(), 3), TypeError, "path must be a str or os.PathLike, got int"),
        (lambda p: save_model(SequenceModel(), p, ["lr", 0.1]), TypeError, "settings must be a mapping"),
        (lambda p: save_model(SequenceModel(), p, {1: "a"}), TypeError, "settings keys must be str, got int"),
        (lambda p: save_model(SequenceModel(), p, overwrite="yes"), TypeError, "overwrite must be a bool"),
        (lambda p: save_model(SequenceModel(), p.parent / "missing" / "m.pt"), FileNotFoundError,
         "the folder .*missing does not exist"),
        (lambda p: load_model(None), TypeError, "path must be a str or os.PathLike, got NoneType"),
    ],
)
def test_checkpoint_functions_reject_bad_arguments(tmp_path, call, error, text):
    with pytest.raises(error, match=text):
        call(tmp_path / "model.pt")
