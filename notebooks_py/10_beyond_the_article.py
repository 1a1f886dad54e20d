# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Beyond the article: attention, Transformers and the LRU
#
# The article ends by recommending *attention mechanisms and Transformer networks* for long-range
# dependencies. Every other claim of the article has been tested in chapters 01–09; this chapter tests
# this one, on the same tasks, next to the article's recurrent cells (RNN, LSTM, GRU) and a model from
# the research that revived recurrences since: the **[Linear Recurrent Unit](00_overview.ipynb#lru)** (LRU; Orvieto et al. 2023,
# *Resurrecting Recurrent Neural Networks for Long Sequences*).
#
# We measure, with 3 [seeds](00_overview.ipynb#seed) per point where they all finished (the tables print seeds run, point by point):
#
# 1. **forecasting** the benchmark's sine (one-step and 1000-step [free run](00_overview.ipynb#free-running)), at period 20 and on a slow wave
#    (period 100), with today's forecasting recipe — after first measuring which of its two versions to use;
# 2. **[delayed recall](00_overview.ipynb#delayed-recall)** (chapter 09's task) at lags 20, 50, 100, 200 and, for the cheap LRU, 500 and 1000;
# 3. **why** each model solves a lag or not: where attention looks, the LRU's eigenvalue moduli, the recurrent
#    cells' gradient at the lag;
# 4. **cost**: parameters, training time, time per forecast step;
#
# and end with a table of counts. The full sweeps take longer than CI allows, so `scripts/beyond_sweep.py`
# and the benchmark (`python -m sine_lab.bench`) run them and this chapter reads what they wrote; a few of
# their runs are repeated live below, with the same functions, as spot checks of what the verdicts rest on.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from sine_lab.bench import FREE_RUN_TARGETS, OBSERVED, TARGETS, make_task
from sine_lab.data import delayed_recall
from sine_lab.models import MODEL_KINDS, build_model
from sine_lab.plots import colour
from sine_lab.studies.beyond import (
    BURST,
    FORECAST_HIDDEN,
    FORECAST_RECIPE,
    KINDS,
    RECIPES,
    burst_attention,
    forecast_step_seconds,
    load_bench,
    load_sweep,
    plot_recall,
    recall_model,
    run_forecast_trial,
    run_recall_trial,
    solved_counts,
)
from sine_lab.training import seed_everything

# One thread: faster for these small models on a shared machine; results do not depend on it.
torch.set_num_threads(1)
# The sweeps ran as several commands; each wrote the log named here (commands printed).
recall_sweep = load_sweep("beyond_recall_a", "beyond_recall_att200_s1", "beyond_recall_att200_s2", "beyond_recall_b",
                          "beyond_recall_lru", "beyond_recall_lru_1000")
forecast_sweep = load_sweep("beyond_forecast_teacher")
# The benchmark's own runs (its recipe, with the rollout stage) at this chapter's periods and seeds: the
# recurrent cells from the sweep over sampling rates, attention and the LRU from their benchmark rows. The
# benchmark builds its Transformer 32 wide, four times this chapter's size: kept apart, not compared.
bench_runs = [r for r in load_bench("sweep_periods") + load_bench("sweep_beyond")
              if r.kind in KINDS and r.period in (20.0, 100.0) and r.seed in (0, 1, 2)]
benchmark_runs = [r for r in bench_runs if r.kind != "transformer"]
large_transformer = [r for r in bench_runs if r.kind == "transformer"]
print("\n".join(recall_sweep.commands + forecast_sweep.commands))
print("python -m sine_lab.bench ... --json sine_lab/studies/results/sweep_periods.json, sweep_beyond.json "
      "(commands and tables in the .txt files next to them)")


# %% [markdown]
# ## 1. The contenders
#
# All six are registered kinds (`sine_lab.models.MODEL_KINDS`) and keep the same contract — input
# `(batch, seq, 1)`; `run(x, state)` returns per-step outputs and a state that a later call continues
# from — so the same training loop, `forecast` and benchmark code run them all.
#
# - `rnn`, `lstm`, `gru`: PyTorch's cells, 32 units, linear [head](00_overview.ipynb#head) (the state is the hidden vector).
# - `attention`: **one** causal self-attention layer (4 heads, width 32) over a [window](00_overview.ipynb#window) of past values, linear
#   head — the smallest model that attends. Position enters as a learned bias per head and *distance*
#   (relative position), started as ALiBi's recency slopes; its state caches the keys and values of the last
#   steps its queries can see.
# - `transformer`: a small causal Transformer encoder — 2 pre-norm blocks (2 heads, width 16, GELU feed-forward
#   of 32) with the same relative positions.
# - `lru`: 32 complex modes `s_t = λ ⊙ s_{t−1} + γ ⊙ B x_t` with `|λ| = exp(−exp(ν))` (always < 1), started on
#   the ring `0.9 ≤ |λ| ≤ 0.999`, then `Re(C s_t) + D x_t` and a 2-layer GELU readout.
#
# Sizes are matched to the 32-unit LSTM (±50 %); the window models' position biases grow with their window.
# For forecasting, every kind gets the same fixed output residual (section 2); it adds no parameters.

# %%
# NBVAL_CHECK_OUTPUT
def parameters(model):
    return sum(p.numel() for p in model.parameters())

sizes = {kind: parameters(build_model(kind, hidden_size=FORECAST_HIDDEN.get(kind, 32))) for kind in KINDS}
for kind in KINDS:
    print(f"{kind:12s} {sizes[kind]:6,d} parameters   {MODEL_KINDS[kind].summary}")
assert all(0.5 * sizes["lstm"] <= sizes[kind] <= 1.5 * sizes["lstm"]
           for kind in ("gru", "attention", "transformer", "lru"))

# %% [markdown]
# ## 2. Forecasting the benchmark's sine
#
# The benchmark task (`sine_lab.bench.make_task`): 97 training series `sin((n + shift)/period)`,
# 3 test series; a model sees 999 values of a test series, then free-runs 1000 steps. The benchmark's
# targets: one-step [MSE](00_overview.ipynb#mse) ≤ 10⁻⁶ and 1000-step free-run MSE ≤ 10⁻⁴.
#
# **The recipe, for every kind alike** (`sine_lab.forecasting.ForecastSettings`). The model's output is
# `2 x[n] − x[n−1] + scale · head(h)`: a *fixed* second-order residual, so the trained part predicts only the
# curvature of the wave, in units of `scale` (the spread of the training series' second differences). The rows
# named `rnn`, `lstm` and `gru` are therefore *that cell plus this head*, not PyTorch's bare cell (chapter 07
# introduces the residual head). The loss is the MSE in units of `scale²`: a period-100 wave's second
# difference is `2 − 2cos(1/100) ≈ 10⁻⁴` times its value, so a raw MSE would be ~10⁻⁹, below even [Adam](00_overview.ipynb#adam)'s
# `eps` of 10⁻⁸. Stages: 150 mini-batch Adam steps (32 chunks of 120
# steps, the first 40 only warm up the state; [one-cycle](00_overview.ipynb#one-cycle) learning rate up to 5·10⁻³, [clipping](00_overview.ipynb#gradient-clipping) at 1), then up to
# 8 full-batch [L-BFGS](00_overview.ipynb#l-bfgs) steps on 32 chunks, validated one step ahead on the later stretch `n ≥ 800` and stopped
# after 2 steps without improvement. These two stages are [teacher-forced](00_overview.ipynb#teacher-forcing) (the model always sees true values).
# The benchmark adds a third: 6 L-BFGS steps on 200-step **free runs**, validated by free-running every
# training series to `n = 2000`. We call the two versions `teacher` and `standard`.
#
# ### 2.1 Which recipe? Measured, not assumed
#
# Comparing like with like means one recipe for every kind. The [rollout](00_overview.ipynb#rollout) stage was costly for the window
# models (when these runs were made, each generated step re-read the whole window), so we first measure what
# it buys: below, the
# `teacher` runs of `scripts/beyond_sweep.py` against the benchmark's own `standard` runs (same tasks,
# seeds, sizes and code). The window models' `standard` runs are expensive, so they were run for seed 0
# only (the table counts the runs); the benchmark's Transformer is four times this chapter's size, so it
# has no `standard` row here (it is printed apart below).

# %%
def runs(kind, period, recipe=FORECAST_RECIPE):
    return [f for f in forecast_sweep.forecast + benchmark_runs
            if f.kind == kind and f.period == period and f.recipe == recipe]

def meets_targets(f):
    return f.one_step_mse <= TARGETS["one_step_mse"] and f.free_run_mse <= FREE_RUN_TARGETS[1000]

def median(values):
    return float(torch.tensor(values, dtype=torch.float64).median())

PERIODS = (20.0, 100.0)
print(f"{'':19s}{'teacher forcing only':^33s}{'standard (+ rollout stage)':^33s}")
print(f"{'kind':12s}{'period':>7s}" + f"{'met':>7s}{'worst free run':>15s}{'CPU s':>11s}" * 2)
for period in PERIODS:
    for kind in KINDS:
        columns = ""
        for recipe in ("teacher", "standard"):
            r = runs(kind, period, recipe)
            columns += (f"{sum(map(meets_targets, r)):3d}/{len(r):<3d}{max(f.free_run_mse for f in r):15.1e}"
                        f"{median([f.cpu_seconds for f in r]):11.1f}" if r else f"{'not run':>33s}")
        print(f"{kind:12s}{period:7g}{columns}")
print("met = runs meeting both error targets; CPU s = median training CPU seconds, one process")

# %%
# Like with like: the seeds both recipes ran, per kind and period.
paired = {}
for period in PERIODS:
    for kind in KINDS:
        seeds = {f.seed for f in runs(kind, period, "standard")}
        if seeds:
            paired[kind, period] = {recipe: [f for f in runs(kind, period, recipe) if f.seed in seeds]
                                    for recipe in RECIPES}
met_paired = {key: {recipe: sum(map(meets_targets, rows)) for recipe, rows in pair.items()}
              for key, pair in paired.items()}
cost = {key: median([f.cpu_seconds for f in pair["standard"]]) / median([f.cpu_seconds for f in pair["teacher"]])
        for key, pair in paired.items()}
rescued = sum(m["standard"] - m["teacher"] for m in met_paired.values())
print(f"{sum(len(p['teacher']) for p in paired.values())} paired runs; the rollout stage changes the number "
      f"meeting both targets by {rescued:+d}")
for (kind, period), ratio in cost.items():
    teacher, standard = met_paired[kind, period]["teacher"], met_paired[kind, period]["standard"]
    print(f"  {kind:12s} period {period:3g}: met {teacher} -> {standard} of {len(paired[kind, period]['teacher'])}; "
          f"training CPU x{ratio:.1f}")
# The rule: the cheaper recipe, unless the other meets the targets in more of the paired runs.
chosen = "standard" if rescued > 0 else "teacher"
print(f"chosen: {chosen!r}; the chapter uses FORECAST_RECIPE = {FORECAST_RECIPE!r}")
assert chosen == FORECAST_RECIPE
# The rollout stage changes no paired run's verdict, and it costs more CPU time for every kind at both periods.
assert all(m["teacher"] == m["standard"] for m in met_paired.values())
print(f"the rollout stage multiplies the training CPU time by {min(cost.values()):.1f} to {max(cost.values()):.1f}")
assert min(cost.values()) > 1.4
for r in large_transformer:
    print(f"(the benchmark's Transformer, d_model 32, {r.parameters:,d} parameters, recipe {r.recipe!r}, period "
          f"{r.period:g}, seed {r.seed}: one-step {r.one_step_mse:.1e}, free run {r.free_run_mse:.1e}, "
          f"{r.cpu_seconds:.0f} CPU s)")

# %% [markdown]
# **The measurement decides: teacher forcing only.** On the 22 paired runs (the recurrent cells in 3 seeds,
# attention and the LRU in seed 0, each at both periods) the rollout stage changes no run's verdict: every one
# meets both targets with it and without it. It does push some free-run errors further below the target (the
# LSTM's worst at period 20 from 1.5·10⁻⁷ to 1.8·10⁻⁹; attention's not at all), which the targets do not ask
# for, and it multiplied the training CPU time by 1.5 to 7.2 (attention ×5–7: each generated step then re-read
# its window; the window models now keep a key/value cache, measured in the benchmark's section of the README). So this chapter trains every kind with `teacher`. What this rests on, and what it does not show:
# the window models' side of the comparison is one seed; the Transformer at this chapter's size was never
# trained with the rollout stage (the benchmark's four times larger one, printed above, took 239 and 661 CPU s
# for its two runs and met both error targets); whether other periods need the stage (the benchmark's LSTM
# misses at period 5 even with it) is not measured here; and the two recipes' CPU times were taken at
# different loads (the cells' `standard` runs on an idle machine, everything else on a shared one), so the
# ratios are rough.

# %% [markdown]
# ### 2.2 Every kind on the chapter's recipe, at period 20 and on the slow wave
#
# `FORECAST_RECIPE` above, 3 seeds per kind and period; one-step MSE is teacher-forced on the 3 test series,
# the free run generates 1000 values after 999 observed ones.

# %%
print(f"recipe {FORECAST_RECIPE!r}")
print(f"{'kind':12s}{'period':>7s}{'seeds':>6s}"
      f"{'one-step MSE (median, worst)':>30s}{'free-run MSE (median, worst)':>30s}")
for period in PERIODS:
    for kind in KINDS:
        r = runs(kind, period)
        one, free = [f.one_step_mse for f in r], [f.free_run_mse for f in r]
        print(f"{kind:12s}{period:7g}{len(r):6d}{median(one):15.2e}{max(one):15.2e}{median(free):15.2e}{max(free):15.2e}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=True)
for ax, metric, label in [(axes[0], "one_step_mse", "one-step MSE (teacher forced)"),
                          (axes[1], "free_run_mse", "1000-step free-run MSE")]:
    for offset, period, marker in [(-0.15, 20.0, "o"), (0.15, 100.0, "s")]:
        for i, kind in enumerate(KINDS):
            values = [getattr(f, metric) for f in runs(kind, period)]
            ax.scatter([i + offset] * len(values), values, color=colour(kind), marker=marker,
                       label=f"period {period:g} samples per radian" if i == 0 else None, s=25)
    target = TARGETS["one_step_mse"] if metric == "one_step_mse" else FREE_RUN_TARGETS[1000]
    ax.axhline(target, color=colour("reference"), linestyle=":", label="benchmark target")
    ax.set(xticks=range(len(KINDS)), xticklabels=KINDS, yscale="log", ylabel=label + " (squared units of the wave)",
           title=label + ", each dot a seed")
axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.suptitle(f"Forecasting the benchmark sine, recipe {FORECAST_RECIPE!r} for every kind: "
             "35 of 36 runs meet both targets")
fig.tight_layout()
plt.show()

# %%
forecast_runs = [f for f in forecast_sweep.forecast if f.recipe == FORECAST_RECIPE]
free = {period: {kind: median([f.free_run_mse for f in runs(kind, period)]) for kind in KINDS} for period in PERIODS}
misses = [(f.kind, f.period, f.seed, f"{f.free_run_mse:.1e}") for f in forecast_runs if not meets_targets(f)]
print("runs missing a target (kind, period, seed, free-run MSE):", misses)
# One step ahead, every kind in every run meets the benchmark's target, at both periods.
assert len(forecast_runs) == 36 and all(f.one_step_mse <= TARGETS["one_step_mse"] for f in forecast_runs)
# Free running, 35 of 36 runs meet it; the miss is one Transformer seed on the slow wave.
assert [(kind, period) for kind, period, *_ in misses] == [("transformer", 100.0)]
# On the slow wave the attention layer's median free-run error is over 100x below every other kind's.
others = min(v for kind, v in free[100.0].items() if kind != "attention")
print(f"period 100: attention's median free-run MSE {free[100.0]['attention']:.1e}, "
      f"the next best kind's {others:.1e} ({others / free[100.0]['attention']:.0f}x)")
assert free[100.0]["attention"] * 100 < others
# At period 20 it is not ahead: the plain RNN's median is lower.
assert free[20.0]["rnn"] < free[20.0]["attention"]

# %% [markdown]
# **What the table and figure show.** With the chapter's recipe every kind predicts one step ahead far below
# the target in every run (the worst, attention at period 20, 2.4·10⁻¹¹ against 10⁻⁶). Free running, 35 of the
# 36 runs stay within 10⁻⁴ over 1000 steps, at period 20 and on the slow wave alike; the one miss is the
# Transformer's seed 0 at period 100 (2.2·10⁻⁴, about twice the target). So on this task the article's cells
# need no attention: with the second-order head, the RNN, LSTM and GRU meet both targets in every seed at
# both periods (with a first-order head and the raw loss, none of 9 cell runs met the targets at period 100:
# [chapter 08](08_sampling_rate_and_the_head.ipynb), section 4). Attention is not useless here, though: on the slow wave the single
# attention layer's median free-run error, 3.45·10⁻⁹, is over 100× below every other kind's (322× below the
# next best, the LRU's 1.1·10⁻⁶). At period 20 it has no such lead: the plain RNN's median, 8.5·10⁻⁹, is
# below its 5.4·10⁻⁷. Why the slow wave suits it is a guess we have not tested (Try this, 3).

# %% [markdown]
# ### A spot check: one stored forecasting run, repeated here
#
# The Transformer's missed run on the slow wave, re-run with the same function and seed. Rounding differs
# between CPUs, and a trained model and its free run can differ by more than the last digits (on one machine
# this re-run's one-step error came out more than ten times the stored one). So the check is what the
# chapter's verdict rests on: the run predicts one step below the target and free-runs on the wave (MSE below
# 10⁻²), whether or not it meets the 10⁻⁴ target this time.

# %%
SPOT_KIND, SPOT_PERIOD = "transformer", 100.0
spot_model, spot = run_forecast_trial(SPOT_KIND, SPOT_PERIOD, 0)
stored = next(f for f in forecast_runs if (f.kind, f.period, f.seed) == (SPOT_KIND, SPOT_PERIOD, 0))
print(f"{SPOT_KIND}, period {SPOT_PERIOD:g}, seed 0, recipe {spot.recipe!r}: "
      f"one-step {spot.one_step_mse:.2e} (stored {stored.one_step_mse:.2e}), "
      f"free run {spot.free_run_mse:.2e} (stored {stored.free_run_mse:.2e})")
assert spot.one_step_mse <= TARGETS["one_step_mse"] and spot.free_run_mse < 1e-2

# %% [markdown]
# ## 3. Delayed recall: which models hold a value for `k` steps?
#
# Chapter 09's task: a 5-step sine burst of amplitude `a ~ U(−1, 1)`, then `k` zeros; the model must output
# `a` at the last step; a run succeeds if its held-out normalised error ([NMSE](00_overview.ipynb#nmse)) is below 0.1. **Recipe, for
# every kind alike (chapter 09's):** 256 training sequences, Adam (learning rate 5·10⁻³, batches of 64) for
# at most 50 epochs, stopping once the training loss is below 1 % of the variance; scored on 256 fresh
# sequences. The window models get a window of the whole sequence (`5 + k` steps) — with a shorter one the
# burst would simply be out of sight. The recurrent cells have 32 units, the LRU its defaults.

# %%
recall_runs = recall_sweep.recall
counts = solved_counts(recall_runs)
LAGS = sorted({r.lag for r in recall_runs})
print("seeds solved of seeds run" + " " * 3 + "".join(f"{'k=' + str(lag):>8s}" for lag in LAGS))
for kind in KINDS:
    cells = (f"{counts[kind][lag][0]:d}/{counts[kind][lag][1]:d}" if lag in counts[kind] else "–" for lag in LAGS)
    print(f"{kind:28s}" + "".join(f"{cell:>8s}" for cell in cells))
figure = plot_recall(recall_runs, title="Delayed recall: the recurrent cells fail from k = 50; "
                                        "attention, the Transformer and the LRU succeed in most seeds")
plt.show()

# %%
CELLS, NEW = ("rnn", "lstm", "gru"), ("attention", "transformer", "lru")
def solved_at(kind, lag):
    return counts[kind][lag][0]
# The article's cells: the RNN and GRU solve k = 20 in every seed, PyTorch's default LSTM in none (chapter 09's
# finding), and from k = 50 on no seed of any cell succeeds.
assert counts["rnn"][20] == counts["gru"][20] == (3, 3) and counts["lstm"][20] == (0, 3)
assert all(solved_at(cell, lag) == 0 for cell in CELLS for lag in counts[cell] if lag >= 50)
# The recommendation and the LRU: at least two thirds of the seeds run, at every lag up to k = 200 (the LRU
# also at 500); at k = 1000 the LRU solves one seed of three.
assert all(s >= 2 * n / 3 for kind in NEW for lag, (s, n) in counts[kind].items() if lag <= 500)
assert max(counts["attention"]) == max(counts["transformer"]) == 200 and counts["lru"][1000] == (1, 3)
print("seeds run per point, where fewer than 3:",
      {(k, lag): n for k in NEW for lag, (s, n) in counts[k].items() if n < 3})
failures = [(r.kind, r.lag, r.seed, round(r.test_nmse, 3)) for r in recall_runs if r.kind in NEW and not r.success]
print("runs of attention / transformer / LRU that missed (kind, k, seed, NMSE):", failures)

# %% [markdown]
# ### A spot check, and the trained models we look inside next

# %%
spot_recall = {}
for kind, lag in [("rnn", 50), ("attention", 100), ("lru", 200)]:
    model, result = run_recall_trial(kind, lag, 0)
    stored = next(r for r in recall_runs if (r.kind, r.lag, r.seed) == (kind, lag, 0))
    spot_recall[kind] = (model, result)
    print(f"{kind:10s} k = {lag:3d}, seed 0: NMSE {result.test_nmse:.4f} (stored {stored.test_nmse:.4f}), "
          f"{'solved' if result.success else 'failed'} (stored: {'solved' if stored.success else 'failed'})")
    assert result.success == stored.success

# %% [markdown]
# ## 4. Why: the evidence inside the models
#
# **Attention reads the burst directly.** The last step's query scores every step of its window; a
# value `k` steps back is one hop away whatever `k` is, so no gradient has to survive `k` multiplications.
# Below, where the trained attention layer looks from the last step (k = 100), per head.

# %%
attention_model, attention_result = spot_recall["attention"]
x_look, y_look = delayed_recall(256, 100, seed=10_000)
(weights,) = attention_model.attention_weights(x_look)
last = weights[:, :, -1, :].mean(0)  # (heads, seq): mean over held-out sequences
fig, ax = plt.subplots(figsize=(10, 3.8))
for head in range(last.shape[0]):
    ax.plot(last[head], label=f"head {head}")
ax.axvspan(-0.5, BURST - 0.5, color=colour("highlight"), alpha=0.4, label="the burst (steps 0–4)")
ax.axhline(1 / x_look.shape[1], color=colour("reference"), linestyle="--", linewidth=1, label="uniform attention")
ax.set(xlabel="key step (0 = first input; the query is the last step, 104)",
       ylabel="attention weight (mean over sequences)",
       yscale="log", title="From the answer step, the trained attention layer looks at the burst, 100 steps back")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
plt.show()
burst_ratio = burst_attention(attention_model, x_look)
print(f"most attentive head: {burst_ratio:.1f}x the uniform share of attention on the 5 burst steps")

# %%
for kind in ("attention", "transformer"):
    ratios = [r.evidence["burst_attention"] for r in recall_runs if r.kind == kind]
    print(f"{kind}: over its {len(ratios)} runs of the sweep, the most attentive head gives the burst "
          f"{min(ratios):.1f}x to {max(ratios):.1f}x its uniform share")
attention_ratios = [r.evidence["burst_attention"] for r in recall_runs if r.kind == "attention"]
assert attention_result.success and burst_ratio > 3
assert min(attention_ratios) > 2

# %% [markdown]
# **The LRU keeps the burst because its eigenvalues sit next to the unit circle.** A mode with modulus
# `|λ|` keeps `|λ|^k` of a value after `k` steps, and the gradient back to it is scaled by the same factor
# (the recurrence is linear and diagonal). Started on the ring 0.9–0.999, the best-kept mode holds
# `0.999^k` — 0.82 at k = 200 — so nothing vanishes, and training leaves the moduli near 1. The memory still
# fades, only slower: at k = 1000 the best-kept mode starts with less than a tenth of the burst in every seed
# (from 0.004; 0.035 to 0.104 after training, printed below), and the LRU solves that lag in one seed of three.

# %%
lru_model, lru_result = spot_recall["lru"]
seed_everything(0)
lru_initial = recall_model("lru", 200)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
circle = torch.linspace(0, 2 * torch.pi, 400)
axes[0].plot(torch.cos(circle), torch.sin(circle), color=colour("reference"), linewidth=1, label="unit circle")
for model, label in [(lru_initial, "at initialisation"), (lru_model, "after training (k = 200)")]:
    eig = model.eigenvalues()
    axes[0].scatter(eig.real, eig.imag, s=14, label=label)
axes[0].set(xlabel="Re λ", ylabel="Im λ", aspect="equal", title="LRU eigenvalues stay just inside the unit circle")
axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
lags = torch.arange(0, 1001)
for model, label in [(lru_initial, "at initialisation"), (lru_model, "after training (k = 200)")]:
    axes[1].semilogy(lags, [model.memory_at_lag(int(k)) for k in lags], label=label)
axes[1].set(xlabel="lag k (steps)", ylabel="max |λ|^k (kept fraction, gradient scale)",
            title="What the best-kept mode still holds after k steps")
axes[1].legend(loc="lower left")
fig.tight_layout()
plt.show()
print(f"largest modulus: {float(lru_initial.eigenvalue_moduli().max()):.4f} at initialisation, "
      f"{float(lru_model.eigenvalue_moduli().max()):.4f} after training; "
      f"kept after 200 steps: {lru_model.memory_at_lag(200):.3f}")

# %%
lru_runs = [r for r in recall_runs if r.kind == "lru"]
kept = {r.lag: [] for r in lru_runs}
for r in lru_runs:
    kept[r.lag].append(r.evidence["memory_after"])
for lag, values in kept.items():
    print(f"LRU, k = {lag:4d}: best-kept mode holds {min(values):.3f} to {max(values):.3f} of the burst after training "
          f"(at initialisation {min(r.evidence['gradient_at_lag'] for r in lru_runs if r.lag == lag):.3f} or more)")
assert lru_result.success and lru_model.memory_at_lag(200) > 0.1
assert all(r.evidence["gradient_at_lag"] < 0.1 for r in lru_runs if r.lag == 1000)
assert float(lru_model.eigenvalue_moduli().max()) < 1.0
assert all(r.evidence["gradient_at_lag"] > 1e-3 and r.evidence["memory_after"] > 1e-3 for r in lru_runs)

# %% [markdown]
# **The recurrent cells fail where their gradient to the burst has vanished** — chapter 09's finding,
# here with 32 units: `‖∂h_T/∂h_{T−k}‖` at initialisation, for every cell run of the sweep.

# %%
cell_runs = [r for r in recall_runs if r.kind in CELLS]
vanished = [r for r in cell_runs if r.evidence["gradient_at_lag"] < 1e-6]
print(f"{len(vanished)} of {len(cell_runs)} cell runs started with ‖∂h_T/∂h_(T−k)‖ < 1e-6; "
      f"{sum(r.success for r in vanished)} of them succeeded")
for lag in LAGS:
    norms = [r.evidence["gradient_at_lag"] for r in cell_runs if r.lag == lag]
    if norms:
        print(f"k = {lag:4d}: cells' ‖∂h_T/∂h_(T−k)‖ at initialisation {min(norms):.1e} to {max(norms):.1e}")
assert vanished and not any(r.success for r in vanished)
assert all(r.evidence["gradient_at_lag"] < 1e-6 for r in cell_runs if r.lag >= 50)



# %% [markdown]
# ## 5. Cost
#
# Parameters, training time and time per forecast step (CPU seconds of one process with one torch thread,
# so they compare across kinds although other jobs shared the machine — provisional; the sweep's
# are stored, the per-step times below are also measured live on untrained models).

# %%
def stored_median(kind, field, **where):
    rows = [r for r in (recall_runs if "lag" in where else forecast_runs)
            if r.kind == kind and all(getattr(r, k) == v for k, v in where.items())]
    return median([getattr(r, field) for r in rows]) if rows else float("nan")

context = make_task(20.0, seed=0).test[:, :OBSERVED, None]
live_ms = {}
for kind in KINDS:
    seed_everything(0)
    live_ms[kind] = 1e3 * forecast_step_seconds(build_model(kind, hidden_size=FORECAST_HIDDEN.get(kind, 32)),
                                                context, 300)
print(f"{'kind':12s}{'params':>8s}{'train CPU s':>15s}{'train CPU s':>15s}{'train CPU s':>15s}{'train CPU s':>15s}"
      f"{'ms/step':>9s}{'ms/step':>9s}")
print(f"{'':12s}{'':8s}{'forecast p20':>15s}{'forecast p100':>15s}{'recall k=20':>15s}{'recall k=200':>15s}"
      f"{'stored':>9s}{'live':>9s}")
for kind in KINDS:
    print(f"{kind:12s}{sizes[kind]:8,d}{stored_median(kind, 'cpu_seconds', period=20.0):15.1f}"
          f"{stored_median(kind, 'cpu_seconds', period=100.0):15.1f}"
          f"{stored_median(kind, 'cpu_seconds', lag=20):15.1f}{stored_median(kind, 'cpu_seconds', lag=200):15.1f}"
          f"{stored_median(kind, 'step_ms', period=20.0):9.3f}{live_ms[kind]:9.3f}")

# %%
# The stored runs were timed when each forecast step of a window model re-read its whole window; now a step
# attends from one new query to the cached keys (the Transformer: 2 layers, up to 31 keys each), measured
# live in the last column. A recurrent cell or the LRU updates one state vector, and still costs less.
assert stored_median("transformer", "step_ms", period=20.0) > 3 * stored_median("lstm", "step_ms", period=20.0)
assert live_ms["transformer"] > 2 * live_ms["lstm"]
# Training on long sequences: attention's cost grows with the square of the window; the LRU's (an FFT) barely.
assert stored_median("lru", "cpu_seconds", lag=200) < stored_median("transformer", "cpu_seconds", lag=200) / 3
assert stored_median("lru", "cpu_seconds", lag=200) < stored_median("attention", "cpu_seconds", lag=200) / 3
# Forecasting: the Transformer is the slowest kind to train, at both periods.
assert all(max(KINDS, key=lambda k: stored_median(k, "cpu_seconds", period=p)) == "transformer" for p in PERIODS)

# %% [markdown]
# ## 6. Verdict: where the article's recommendation is right, and where it is not needed

# %%
def forecast_met(period):
    return lambda kind: (sum(map(meets_targets, runs(kind, period))), len(runs(kind, period)))

def recall_met(low, high):
    def met(kind):
        rows = [r for r in recall_runs if r.kind == kind and low <= r.lag <= high]
        return (sum(r.success for r in rows), len(rows))
    return met

TASKS = {f"forecast, period {period:g}": forecast_met(period) for period in PERIODS}
TASKS["recall, k = 20"] = recall_met(20, 20)
TASKS["recall, k = 50 to 200"] = recall_met(50, 200)
TASKS["recall, k = 500"] = recall_met(500, 500)
TASKS["recall, k = 1000"] = recall_met(1000, 1000)

print(f"{'task (seeds meeting it / run)':30s}" + "".join(f"{kind:>12s}" for kind in KINDS))
for task, met in TASKS.items():
    cells = (f"{met(kind)[0]:d}/{met(kind)[1]:d}" if met(kind)[1] else "–" for kind in KINDS)
    print(f"{task:30s}" + "".join(f"{cell:>12s}" for cell in cells))
print(f"forecast: one-step MSE <= {TARGETS['one_step_mse']:g} and 1000-step free-run MSE <= "
      f"{FREE_RUN_TARGETS[1000]:g}, recipe {FORECAST_RECIPE!r}; recall: held-out NMSE < 0.1")


def every(met, kind) -> bool:
    solved, run = met(kind)
    return run > 0 and solved == run


long_memory = TASKS["recall, k = 50 to 200"]
assert all(every(TASKS[f"forecast, period {p:g}"], cell) for p in PERIODS for cell in CELLS)
assert every(TASKS["recall, k = 20"], "rnn") and every(TASKS["recall, k = 20"], "gru")
assert all(long_memory(cell)[0] == 0 for cell in CELLS), "the article's cells: no seed from k = 50"
assert all(long_memory(kind)[0] >= 2 * long_memory(kind)[1] / 3 for kind in ("attention", "transformer", "lru"))
assert long_memory("lru") == (9, 9) and TASKS["recall, k = 1000"]("lru")[0] < 2

# %% [markdown]
# **Where the article's recommendation is right, and where it is not needed** (from the table above; each
# entry counts seeds meeting the task over seeds run, over all lags of the row for recall; the asserts above
# check each count the bullets use):
#
# - **Not needed to forecast this sine at periods 20 and 100** (the only periods run here for every kind).
#   With the chapter's recipe (the fixed second-order head, the [scaled loss](00_overview.ipynb#scaled-loss), teacher forcing) the RNN, LSTM
#   and GRU meet both of the benchmark's targets in every seed at both periods; so do attention and the LRU,
#   and the Transformer misses the free-run target in one seed of three on the slow wave. A sine's next value
#   depends on its last two ([chapter 06](06_gradients_through_time.ipynb)); what the slow wave needed was the
#   head's form and the loss's units ([chapter 08](08_sampling_rate_and_the_head.ipynb)), not attention.
#   Attention's lead on the slow wave is accuracy beyond the target (a median free-run error over 100× lower
#   than every other kind's). Its head also sees each input directly (`head(e_t + a_t)`, a linear path from
#   the input that the cells lack); whether that path explains the lead is not tested here.
# - **Not needed for short memory.** Recall at k = 20 is solved by the plain RNN and the GRU in every seed.
# - **Right for long memory — but not the only answer.** From k = 50 to 200 no seed of any of the article's
#   cells succeeds, while attention (7 of 9 runs) and the Transformer (8 of 8 that finished) solve it: the
#   burst is one attention hop away whatever the lag. The LRU solves the same lags in 9 of 9 runs at a fraction
#   of the training cost (4 CPU s at k = 200 against the Transformer's 24 and attention's 60), because a linear
#   recurrence with eigenvalues near the unit circle forgets slowly and its gradient does not vanish; it also
#   solves k = 500 in 2 of 3 seeds, but k = 1000 in only 1 of 3, where even its best mode keeps under a tenth
#   of the burst at initialisation (attention was not run at these lags). Recurrence itself is not the
#   problem: the LRU's linear recurrence holds the value, and chapter 09 showed that an orthogonal start lets
#   the nonlinear tanh RNN solve k = 100, so it is how the default cells start, not their nonlinearity alone,
#   that fails here.

# %% [markdown]
# ## Try this
#
# 1. Give the attention model a window shorter than the lag: `build_model("attention", context=50)` on delayed
#    recall with `k = 100`. What NMSE do you expect whatever its training, and why is that not a failure of
#    attention? Check your argument on an untrained model: how much do its answers differ across sequences?
#    [solution](solutions/10_beyond_the_article.ipynb#exercise-1)
# 2. Register a kind of your own with `sine_lab.models.register_model_kind` (the smallest keeps the contract by
#    wrapping a `SequenceModel`) and check that `build_model` builds it and that `model(x)` and `model.run(x)` have
#    the contract's shapes. [solution](solutions/10_beyond_the_article.ipynb#exercise-2)
#
# **Previous:** [09 · When memory matters](09_when_memory_matters.ipynb) · **Next:** [11 · The playground](11_playground.ipynb)
