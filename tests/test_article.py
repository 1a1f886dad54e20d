import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from sine_lab.data import article_data
from sine_lab.models import ArticleDeepLSTM
from sine_lab.studies.article import (
    ARTICLE_LOOP,
    EXAMPLES,
    FEEDS,
    ArticleExample,
    article_timeline,
    example_source,
    fit_per_step,
    fit_per_time,
    format_controls,
    gap_fills,
    input_controls,
    load_controls,
    load_per_time,
    median_controls,
    save_controls,
    save_per_time,
    source_without_docstring,
    summarise_controls,
)
from sine_lab.training import train

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "why-cant-a-pytorch-rnn-learn-a-sine.md"
OVERVIEW = Path(__file__).resolve().parents[1] / "notebooks" / "00_overview.ipynb"
ARTICLE_NAMES = {
    1: ("ArticleSimpleRNN", "SimpleRNN"), 2: ("ArticleLSTM", "LSTMModel"), 3: ("ArticleDeepLSTM", "DeepLSTM"),
}


def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"the seed article is not beside this clone ({SEED})")
    return SEED.read_text()


@pytest.mark.parametrize("number", [1, 2, 3])
def test_example_source_is_the_articles_code_with_only_the_name_changed(number):
    ours, theirs = ARTICLE_NAMES[number]
    source = example_source(number).replace(ours, theirs)
    article_blocks = re.findall(r"```python\n(.*?)```", seed_text(), flags=re.S)
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


def test_the_article_loop_is_the_articles():
    assert ARTICLE_LOOP in seed_text()


def test_the_overview_quotes_the_article_verbatim():
    cells = json.loads(OVERVIEW.read_text())["cells"]
    text = "".join(cells[0]["source"])
    blocks = re.findall(r"(?:^> .*\n?)+", text, flags=re.M)
    quotes = [" ".join(line[2:] for line in block.splitlines()) for block in blocks]
    # The opening quotes the article's thesis; the ledger (tests/test_series.py) checks every other quote.
    assert quotes, "chapter 00 opens without quoting the article"
    article = " ".join(seed_text().split())
    for quote in quotes:
        assert " ".join(quote.split()) in article, quote


def test_source_without_docstring_keeps_the_code_and_drops_only_the_docstring():
    source = source_without_docstring(train)
    assert source.startswith("def train(") and '"""' not in source
    assert "opt.zero_grad()" in source and "loss.backward()" in source

    def undocumented(a):
        return a + 1

    assert source_without_docstring(undocumented) == "def undocumented(a):\n    return a + 1"
    with pytest.raises(TypeError, match="class or a function, got int"):
        source_without_docstring(3)


def test_feeds_give_time_standardised_time_and_the_previous_value():
    t, values = article_timeline(20.0)
    assert torch.equal(FEEDS["time"](t, values, 1000), t)
    standardised = FEEDS["standardised time"](t, values, 1000)
    assert standardised[:1000].mean().abs() < 1e-5 and abs(standardised[:1000].std() - 1) < 1e-5
    assert standardised[-1].item() > 5  # the future lies beyond the standardised training range
    previous = FEEDS["previous value"](t, values, 1000)
    assert previous[0].item() == 0 and torch.equal(previous[1:], values[:-1])


def test_fit_per_step_scores_each_stretch_from_its_own_prediction():
    fit = fit_per_step("gru", feed="previous value", hidden_size=4, lr=0.01, epochs=3, held_out=(4.0, 5.0))
    assert fit.prediction.shape == fit.truth.shape == (1999, 1)
    assert fit.history.epochs == 3 and fit.feed == "previous value" and fit.held_out == (4.0, 5.0)
    errors = (fit.prediction - fit.truth) ** 2
    inside = (fit.t[:1000, 0] >= 4.0) & (fit.t[:1000, 0] <= 5.0)
    assert 90 < int(inside.sum()) < 110
    assert fit.held_out_mse == pytest.approx(errors[:1000][inside].mean().item())
    assert fit.fit_mse == pytest.approx(errors[:1000][~inside].mean().item())
    assert fit.unseen_mse == pytest.approx(errors[1000:].mean().item())
    assert fit.zero_mse == pytest.approx((fit.truth[1000:] ** 2).mean().item())
    assert math.isnan(fit_per_step("gru", hidden_size=2, lr=0.01, epochs=1).held_out_mse)


def test_held_out_steps_do_not_reach_the_loss():
    from sine_lab.studies.article import _MaskedMSE

    keep = torch.tensor([True, False, True, False])
    target = torch.tensor([[[1.0], [2.0], [3.0], [4.0]]])
    prediction = torch.tensor([[[0.0], [2.0], [1.0], [4.0]]])
    loss = _MaskedMSE(keep)
    assert loss(prediction, target).item() == pytest.approx((1 + 4) / 2)
    moved = prediction.clone()
    moved[0, ~keep] += 100.0
    assert loss(moved, target).item() == loss(prediction, target).item()
    one = fit_per_step("rnn", hidden_size=3, lr=0.01, epochs=2, held_out=(4.0, 5.0)).history.loss
    assert one != fit_per_step("rnn", hidden_size=3, lr=0.01, epochs=2).history.loss


def test_input_controls_runs_every_feed_for_every_seed_and_formats_a_row_each():
    fits = input_controls("gru", hidden_size=2, lr=0.01, epochs=1, seeds=[0, 1], feeds=["time", "previous value"])
    assert [(f.feed, f.seed) for f in fits] == [("time", 0), ("time", 1), ("previous value", 0), ("previous value", 1)]
    table = format_controls(fits).splitlines()
    assert len(table) == 7 and table[0].startswith("fed") and table[3].startswith("previous value  0")
    assert f"{fits[0].held_out_mse / fits[0].fit_mse:.3g}" in table[1]
    assert table[-2].startswith("baselines after t = 10") and f"{fits[0].repeat_mse:.1e}" in table[-2]
    assert all(len(line) <= 110 for line in table), "short lines"
    truth = fits[0].truth
    assert fits[0].repeat_mse == pytest.approx(((truth[1000:] - truth[999:-1]) ** 2).mean().item())
    assert f"{fits[0].extrapolation_mse:.1e}" in table[-1]
    extrapolated = 2 * truth[999:-1] - truth[998:-2]  # the value at step n from steps n-1 and n-2
    assert fits[0].extrapolation_mse == pytest.approx(((truth[1000:] - extrapolated) ** 2).mean().item())


def test_fit_per_step_rejects_bad_input_clearly():
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'lstm', 'gru'"):
        fit_per_step("linear", hidden_size=2, lr=0.1, epochs=1)
    expected = "feed must be one of 'time', 'standardised time', 'constant', 'previous value'"
    with pytest.raises(ValueError, match=expected):
        fit_per_step("rnn", feed="clock", hidden_size=2, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="some but not all"):
        fit_per_step("rnn", hidden_size=2, lr=0.1, epochs=1, held_out=(0.0, 10.0))
    with pytest.raises(TypeError, match="held_out must be a \\(start, end\\) tuple"):
        fit_per_step("rnn", hidden_size=2, lr=0.1, epochs=1, held_out=4.0)
    with pytest.raises(ValueError, match="held_out end must be <= 10.0"):
        fit_per_step("rnn", hidden_size=2, lr=0.1, epochs=1, held_out=(4.0, 15.0))


def test_stored_controls_keep_scores_and_the_drawn_seed_s_series(tmp_path):
    fits = input_controls("gru", hidden_size=2, lr=0.01, epochs=1, seeds=[0, 1], feeds=["time", "previous value"])
    path = tmp_path / "controls.json"
    save_controls(fits, path, command="python scripts/article_controls.py --seeds 0 1")
    command, stored = load_controls(path)
    assert command.startswith("python scripts/article_controls.py")
    for fit, back in zip(fits, stored, strict=True):
        assert (back.feed, back.seed) == (fit.feed, fit.seed)
        assert back.unseen_mse == pytest.approx(fit.unseen_mse)
        drawn = fit.seed == 0
        assert (back.prediction is not None) == drawn
        # The value-fed fit's free run is kept for the drawn seed, so a chapter can draw it.
        assert (back.free_run is not None) == (drawn and fit.free_run is not None)
        if back.free_run is not None:
            assert torch.allclose(back.free_run, fit.free_run)
    # series_of_seed=None keeps every seed's series, so a chapter can draw every seed.
    save_controls(fits, path, command="python scripts/article_controls.py --seeds 0 1", series_of_seed=None)
    for fit, back in zip(fits, load_controls(path)[1], strict=True):
        assert torch.allclose(back.prediction, fit.prediction)
        assert (back.free_run is not None) == (fit.free_run is not None)


def test_summarise_controls_counts_seeds_against_every_baseline():
    fits = input_controls("gru", hidden_size=2, lr=0.01, epochs=1, seeds=[0, 1], feeds=["time", "previous value"])
    lines = summarise_controls(fits).splitlines()
    headers = [line for line in lines if not line.startswith(" ")]
    assert headers == ["fed time (2 seeds):", "fed previous value (2 seeds):"]
    assert all(len(line) <= 120 for line in lines), "short lines"
    counts = [line for line in lines if "at least 2x below predicting 0 in" in line and "copying" in line]
    for line, feed in zip(counts, ["time", "previous value"], strict=True):
        mine = [f for f in fits if f.feed == feed]
        # The series' rule: at least MARGIN times below the baseline.
        assert f"predicting 0 in {sum(2 * f.unseen_mse <= f.zero_mse for f in mine)} of 2" in line
        assert f"copying in {sum(2 * f.unseen_mse <= f.repeat_mse for f in mine)} of 2" in line
        assert f"extrapolation in {sum(2 * f.unseen_mse <= f.extrapolation_mse for f in mine)} of 2" in line


def test_median_controls_gives_one_row_of_medians_per_feed_and_the_baselines():
    fits = input_controls("gru", hidden_size=2, lr=0.01, epochs=1, seeds=[0, 1, 2], feeds=["time", "previous value"])
    lines = median_controls(fits).splitlines()
    assert len(lines) == 5 and lines[0].startswith("fed (median of seeds)")
    for line, feed in zip(lines[1:3], ["time", "previous value"], strict=True):
        mine = [f for f in fits if f.feed == feed]
        assert line.startswith(feed) and f"{sorted(f.unseen_mse for f in mine)[1]:.1e}" in line
    assert lines[1].rstrip().endswith("-")
    assert f"{sorted(f.free_run_mse for f in fits[3:])[1]:.1e}" in lines[2]
    assert lines[3].startswith("baselines after t = 10: predict 0") and f"{fits[0].extrapolation_mse:.1e}" in lines[4]


def test_fit_per_time_scores_after_t_10_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.setitem(EXAMPLES, 9, ArticleExample(9, "tiny", lambda: ArticleDeepLSTM(1, 2, 1, num_layers=1),
                                                     lr=0.01, epochs=2))
    fit = fit_per_time(9, seed=0)
    later = torch.arange(1000, 2000) * float(article_timeline()[0][1, 0])
    assert fit.zero_mse == pytest.approx(float((torch.sin(later) ** 2).mean()), rel=1e-5)
    with torch.no_grad():
        prediction = fit.model(later.reshape(-1, 1, 1))
    assert fit.unseen_mse == pytest.approx(float(((prediction[:, 0] - torch.sin(later)) ** 2).mean()), rel=1e-5)
    save_per_time([fit], tmp_path / "per_time.json", command="python scripts/article_per_time.py --seeds 0")
    command, (back,) = load_per_time(tmp_path / "per_time.json")
    assert command.startswith("python scripts/article_per_time.py") and back.unseen_mse == fit.unseen_mse


def test_seed_rank_names_ties_and_refuses_a_value_not_among_the_seeds():
    from sine_lab.studies.article import seed_rank

    assert seed_rank(3.0, [1.0, 2.0, 3.0]) == "worst of 3"
    assert seed_rank(1.0, [1.0, 2.0, 3.0]) == "best of 3"
    assert seed_rank(0.6811, [0.6811, 0.6806, 0.5]) == "tied for worst of 3"  # 0.07 % apart: no rank
    with pytest.raises(ValueError, match="include value"):
        seed_rank(4.0, [1.0, 2.0])


def test_gap_fills_are_the_straight_line_and_the_cubic_across_the_held_out_radian():
    line, cubic = gap_fills((4.0, 5.0))
    # A straight line through sin at about 3.99 and 5.01 misses the arch between them by up to about 0.12;
    # a cubic through two samples on each side is far closer.
    assert 7.5e-3 < line < 8.5e-3 and 2.5e-6 < cubic < 3.5e-6
    # The longer the gap, the worse both fills.
    wider_line, wider_cubic = gap_fills((3.0, 6.0))
    assert wider_line > line and wider_cubic > cubic
    with pytest.raises(ValueError, match="two samples on each side"):
        gap_fills((0.0, 5.0))


def test_the_one_step_error_panel_draws_both_baselines_and_every_fit() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sine_lab.studies.article import plot_one_step_errors

    t = torch.linspace(0, 20, 1999)[:, None]
    fits = [SimpleNamespace(t=t, prediction=torch.sin(t) + 1e-3 * seed, seed=seed) for seed in range(3)]
    fig, ax = plt.subplots()
    plot_one_step_errors(ax, fits, "rnn", "a title")
    labels = [line.get_label() for line in ax.lines]
    assert labels[:2] == ["copying the previous value", "linear extrapolation 2 s[n-1] - s[n-2]"]
    assert labels[2:5] == [f"RNN fed the true previous value, seed {s}" for s in range(3)]
    assert ax.get_yscale() == "log" and len(ax.lines[0].get_xdata()) == 39  # (1999 - 49) / 50 blocks
    assert float(ax.lines[2].get_ydata().max()) < 1e-6, "a fit equal to the truth has no error"
    assert abs(float(ax.lines[3].get_ydata()[0]) - 1e-3) < 1e-6, "an offset of 1e-3 is an RMS error of 1e-3"
    plt.close(fig)
