"""Figures of an evaluation. Each function writes one PNG and returns its path.

matplotlib is imported inside the functions (Agg backend, no display needed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..labels import AAMI_CLASSES

CLASS_COLORS = {"N": "#4d9221", "S": "#2166ac", "V": "#b2182b", "F": "#e08214", "Q": "#762a83"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(cm, path, title: str = "") -> Path:
    """Counts and row-normalised confusion matrix side by side (reference on rows)."""
    plt = _plt()
    cm = np.asarray(cm)
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.full(cm.shape, np.nan), where=rows > 0)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    for ax, data, fmt, ttl in ((axes[0], cm, "d", "counts"), (axes[1], norm, ".2f", "row-normalised (recall)")):
        ax.imshow(np.nan_to_num(norm), cmap="Blues", vmin=0, vmax=1)
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                v = data[i, j]
                txt = "n/a" if (isinstance(v, float) and np.isnan(v)) else format(v, fmt)
                ax.text(j, i, txt, ha="center", va="center", fontsize=9,
                        color="white" if np.nan_to_num(norm[i, j]) > 0.6 else "black")
        ax.set_xticks(range(len(AAMI_CLASSES)), AAMI_CLASSES)
        ax.set_yticks(range(len(AAMI_CLASSES)), AAMI_CLASSES)
        ax.set_xlabel("predicted")
        ax.set_ylabel("reference")
        ax.set_title(ttl)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_history(history: list, path) -> Path:
    """Training curves: losses, then validation macro-F1 and S/V F1 per epoch (one set of lines per ensemble member)."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    members = sorted({h.get("member") for h in history}, key=lambda m: -1 if m is None else m)
    for m in members:
        part = [h for h in history if h.get("member") == m]
        ep = [h["epoch"] for h in part]
        tag = "" if m is None else f" (member {m})"

        def col(k):
            return [np.nan if h.get(k) is None else h[k] for h in part]

        a.plot(ep, col("train_loss"), "o-", label="training loss" + tag)
        a.plot(ep, col("val_loss"), "o-", label="validation loss" + tag)
        for k, lab in (("val_macro_f1", "macro-F1 (N,S,V,F)"), ("val_S_f1", "S F1"), ("val_V_f1", "V F1")):
            b.plot(ep, col(k), "o-", label=lab + tag)
    a.set_xlabel("epoch")
    a.legend(fontsize="small")
    a.set_title("loss")
    b.set_ylim(0, 1)
    b.set_xlabel("epoch")
    b.set_title("validation (held-out training records)")
    b.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def stratified_sample(y, per_class: int, seed: int) -> np.ndarray:
    """Up to ``per_class`` indices of each class, seeded, sorted."""
    rng = np.random.default_rng(seed)
    idx = [rng.permutation(np.flatnonzero(y == c))[:per_class] for c in range(len(AAMI_CLASSES))]
    return np.sort(np.concatenate(idx))


def plot_tsne(features, y, path, seed: int = 0, title: str = "") -> Path:
    """t-SNE of penultimate-layer features, coloured by reference class."""
    from sklearn.manifold import TSNE

    plt = _plt()
    features = np.asarray(features, dtype=np.float32)
    perplexity = float(min(30, max(2, (len(features) - 1) / 3)))
    emb = TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(features)
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for c, name in enumerate(AAMI_CLASSES):
        m = y == c
        if m.any():
            ax.scatter(emb[m, 0], emb[m, 1], s=6, alpha=0.6, c=CLASS_COLORS[name], label=f"{name} ({m.sum()})")
    ax.legend(markerscale=3)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or "t-SNE of penultimate-layer features (test beats)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_misclassified(x, y, pred, conf, record, sample, path, n: int = 16) -> Path:
    """Grid of the ``n`` most confident errors with true and predicted classes."""
    plt = _plt()
    wrong = np.flatnonzero(y != pred)
    worst = wrong[np.argsort(-conf[wrong], kind="stable")][:n]
    cols = 4
    rows = max(1, int(np.ceil(len(worst) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), worst):
        ax.set_axis_on()
        ax.plot(x[i, 0], color=CLASS_COLORS[AAMI_CLASSES[y[i]]], lw=1)
        ax.set_title(f"{AAMI_CLASSES[y[i]]} -> {AAMI_CLASSES[pred[i]]} ({conf[i]:.2f})\n{record[i]} @ {sample[i]}",
                     fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if not len(worst):
        axes[0, 0].text(0.5, 0.5, "no misclassified beats", ha="center")
    fig.suptitle("most confident errors: reference -> predicted (confidence)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_benchmark(rows: list, path) -> Path:
    """Bars per model: macro-F1, S Se/+P, V Se/+P, for each protocol."""
    plt = _plt()
    metrics = [("macro_f1", "macro-F1"), ("S_se", "S Se"), ("S_ppv", "S +P"), ("V_se", "V Se"), ("V_ppv", "V +P")]
    models = list(dict.fromkeys(r["model"] for r in rows))
    protocols = list(dict.fromkeys(r["protocol"] for r in rows))
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 4.2), sharey=True)
    w = 0.8 / max(1, len(protocols))
    for ax, (k, lab) in zip(axes, metrics):
        for j, p in enumerate(protocols):
            vals = [next((r[k] for r in rows if r["model"] == m and r["protocol"] == p), np.nan) for m in models]
            vals = [np.nan if v is None else v for v in vals]
            ax.bar(np.arange(len(models)) + j * w, vals, w, label=p)
        ax.set_xticks(np.arange(len(models)) + w * (len(protocols) - 1) / 2, models, rotation=60, ha="right",
                      fontsize=8)
        ax.set_title(lab)
        ax.set_ylim(0, 1)
    axes[0].legend(fontsize=8)
    fig.suptitle("random beat split (leaks patients) vs inter-patient (DS1 -> DS2)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
