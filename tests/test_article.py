import re
from pathlib import Path

import pytest
import torch

from sine_lab.studies.article import EXAMPLES, article_timeline, example_source, fit_time_to_value
from sine_lab.data import article_data

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "why-cant-a-pytorch-rnn-learn-a-sine.md"
ARTICLE_NAMES = {1: ("ArticleSimpleRNN", "SimpleRNN"), 2: ("ArticleLSTM", "LSTMModel"), 3: ("ArticleDeepLSTM", "DeepLSTM")}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_example_source_is_the_articles_code_with_only_the_name_changed(number):
    if not SEED.is_file():
        pytest.skip(f"the seed article is not beside this clone ({SEED})")
    ours, theirs = ARTICLE_NAMES[number]
    source = example_source(number).replace(ours, theirs)
    article_blocks = re.findall(r"```python\n(.*?)```", SEED.read_text(), flags=re.S)
    assert any(source in block for block in article_blocks)


def test_examples_carry_the_articles_settings():
    assert [(e.lr, e.epochs) for e in EXAMPLES.values()] == [(0.01, 1000), (0.01, 1000), (0.001, 1000)]
    assert type(EXAMPLES[3].build().lstm).__name__ == "LSTM" and EXAMPLES[3].build().lstm.num_layers == 3


def test_timeline_continues_the_article_grid():
    t, y = article_timeline(30.0)
    x, _ = article_data()
    assert t.shape == (1000 + 2 * 999, 1) and torch.equal(t[:1000], x)
    steps = t[1:, 0] - t[:-1, 0]
    assert torch.allclose(steps, torch.full_like(steps, 10 / 999), atol=1e-5)
    assert torch.equal(y, torch.sin(t))
    with pytest.raises(ValueError, match="multiple of 10.0"):
        article_timeline(15.0)
    with pytest.raises(ValueError, match="stop must be >= 10.0"):
        article_timeline(5.0)


def test_fit_time_to_value_reports_errors_consistent_with_its_prediction():
    fit = fit_time_to_value("gru", hidden_size=4, lr=0.01, epochs=3)
    assert fit.prediction.shape == fit.truth.shape == (1999, 1)
    assert fit.history.epochs == 3
    expected = ((fit.prediction[1000:] - fit.truth[1000:]) ** 2).mean().item()
    assert fit.unseen_mse == pytest.approx(expected)
    assert fit.zero_mse == pytest.approx((fit.truth[1000:] ** 2).mean().item())


def test_fit_time_to_value_rejects_unknown_cells():
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'lstm', 'gru'"):
        fit_time_to_value("linear", hidden_size=2, lr=0.1, epochs=1)
