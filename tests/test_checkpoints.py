import pytest
import torch

from sine_lab.checkpoints import load_model, model_settings, save_model
from sine_lab.data import make_windows, sine_series
from sine_lab.models import SequenceModel
from sine_lab.training import seed_everything, train

SETTINGS = {"lr": 0.01, "epochs": 3, "seed": 5, "window": 8, "note": "trained on sin", "grid": [1, 2.5, None],
            "nested": {"ok": True}}


def trained_model(cell="gru", **kwargs):
    seed_everything(5)
    model = SequenceModel(cell, hidden_size=6, **kwargs)
    _, s = sine_series(60)
    x, y = make_windows(s, 8)
    train(model, x, y, epochs=3, lr=0.01, batch_size=16, seed=5)
    return model, x


@pytest.mark.parametrize("cell, kwargs", [("gru", {}), ("lstm", {"num_layers": 2, "dropout": 0.1}), ("linear", {}),
                                         ("rnn", {"delta_scale": 0.1})])
def test_save_and_load_round_trip_exactly(tmp_path, cell, kwargs):
    model, x = trained_model(cell, **kwargs)
    path = save_model(model, tmp_path / "model.pt", SETTINGS)
    loaded, settings = load_model(path)
    assert settings == SETTINGS
    assert model_settings(loaded) == model_settings(model)
    assert loaded.state_dict().keys() == model.state_dict().keys()
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    model.eval()
    assert torch.equal(model(x), loaded(x))


def test_model_settings_are_every_constructor_argument():
    import inspect

    model = SequenceModel("gru", hidden_size=3, delta_scale=0.5)
    arguments = set(inspect.signature(SequenceModel).parameters)
    assert set(model_settings(model)) == arguments
    assert model_settings(model)["delta_scale"] == 0.5


def test_settings_default_to_empty_and_tuples_come_back_as_lists(tmp_path):
    model, _ = trained_model()
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


def test_loading_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing.pt: the file does not exist"):
        load_model(tmp_path / "nothing.pt")


def test_loading_a_truncated_file(tmp_path):
    model, _ = trained_model()
    path = save_model(model, tmp_path / "model.pt", SETTINGS)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="is not a readable checkpoint \\(truncated or corrupt\\?\\)"):
        load_model(path)


def test_loading_a_file_from_another_model(tmp_path):
    other = tmp_path / "state_dict.pt"
    torch.save(torch.nn.LSTM(1, 4).state_dict(), other)
    with pytest.raises(ValueError, match="is not a sine-lab checkpoint: it holds a dict with keys .*save_model"):
        load_model(other)


def test_loading_weights_that_do_not_fit_the_recorded_model(tmp_path):
    model, _ = trained_model()
    path = save_model(model, tmp_path / "model.pt")
    payload = torch.load(path, weights_only=True)
    payload["model"]["hidden_size"] = 7
    torch.save(payload, path)
    with pytest.raises(ValueError, match="records the model .*hidden_size': 7.* but its weights do not fit it"):
        load_model(path)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda p: save_model(torch.nn.LSTM(1, 2), p), TypeError, "model must be a SequenceModel, got LSTM"),
        (lambda p: save_model(SequenceModel(), 3), TypeError, "path must be a str or os.PathLike, got int"),
        (lambda p: save_model(SequenceModel(), p, ["lr", 0.1]), TypeError, "settings must be a mapping"),
        (lambda p: save_model(SequenceModel(), p, {1: "a"}), TypeError, "settings keys must be str, got int"),
        (lambda p: save_model(SequenceModel(), p, overwrite="yes"), TypeError, "overwrite must be a bool"),
        (lambda p: save_model(SequenceModel(), p.parent / "missing" / "m.pt"), FileNotFoundError,
         "the folder .*missing does not exist"),
        (lambda p: load_model(None), TypeError, "path must be a str or os.PathLike, got NoneType"),
        (lambda p: model_settings("lstm"), TypeError, "model must be a SequenceModel, got str"),
    ],
)
def test_checkpoint_functions_reject_bad_arguments(tmp_path, call, error, text):
    with pytest.raises(error, match=text):
        call(tmp_path / "model.pt")
