"""The shipped model's post-processing for a bundle trained with the shipped recipe on the shipped records.

The shipped bundle's ``postprocess`` settings (its temperature, the recording's clusters, the relabelling in AF, the
fast runs and the review rule) were chosen, and its temperature fitted, on the out-of-fold predictions of networks
trained with this recipe (``scripts/select_default_model.py``, docs/default_model_selection.md); the build script
then trained the shipped networks on all of the pool and wrote those settings beside them. A bundle that
``arrhythmia train`` trains with the same recipe on the same records is that build's training step run again, so
it gets the same settings. Any other recipe (an option changed, another pool, fewer svdb records, reviewed beats
added, fine-tuning) was never cross-validated with them and gets none.
"""

from __future__ import annotations

from pathlib import Path

#: Training settings that do not change the recipe: the seed (the selection scored seeds 0, 1 and 2), where it runs,
#: and the folds of a ``patient-kfold`` split (the shipped recipe has none).
NOT_RECIPE = ("seed", "device", "fold", "n_folds")


def shipped_config(path: Path | None = None) -> dict:
    """The packaged default model's config (``path``: another bundle folder standing for it)."""
    from ..bundle import read_bundle_config
    from ..inference.annotate import default_model_path

    return read_bundle_config(path or default_model_path())


def recipe_differences(training: dict, train_records, shipped_training: dict) -> list[str]:
    """The settings in which a run (its ``TrainConfig.to_dict()`` and the records it trained on) differs from the
    shipped model's ``training`` section, as ``'name (this run's, shipped ...)'``; empty when it is the recipe.
    ``training`` may also hold ``n_train_beats`` (the same record names with other annotations differ there)."""

    def short(v):
        return f"{len(v)} records" if isinstance(v, (list, tuple)) and len(v) > 4 else repr(v)

    def some(names):
        return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")

    out = []
    for k, v in training.items():
        if k in NOT_RECIPE:
            continue
        mine, theirs = (list(v) if isinstance(v, tuple) else v), shipped_training.get(k)
        if mine != theirs:
            out.append(f"{k} ({short(mine)}, shipped {short(theirs)})")
    mine, theirs = list(train_records), list(shipped_training.get("train_records", []))
    if mine != theirs:
        extra, missing = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
        what = ([f"{len(extra)} not in the shipped pool ({some(extra)})"] if extra else []) + \
               ([f"{len(missing)} of it missing ({some(missing)})"] if missing else [])
        out.append(f"train_records ({'; '.join(what) or 'another order'})")
    return out


def shipped_postprocess(training: dict, train_records, reviewed: bool = False, shipped: dict | None = None,
                        beats: dict | None = None) -> tuple[dict | None, str]:
    """The post-processing a new bundle gets, and a line saying why.

    Parameters
    ----------
    training : dict
        The run's settings (``TrainConfig.to_dict()``).
    train_records : sequence of str
        The records it trained on (``'mitdb:101'``, ...).
    reviewed : bool
        Whether reviewed recordings joined the training side.
    shipped : dict, optional
        The shipped model's config (default: the packaged one).
    beats : dict, optional
        The run's beat settings (``BeatConfig.to_dict()``), compared with the shipped bundle's.

    Returns
    -------
    (dict or None, str)
        The shipped ``postprocess`` section when the run is the shipped recipe on the shipped records, else None.
    """
    from ..errors import ArrhythmiaError

    try:
        shipped = shipped or shipped_config()
    except ArrhythmiaError as exc:  # a package without its model: train, and say why there is none
        return None, f"no post-processing: the shipped model could not be read ({exc})"
    post = shipped.get("postprocess")
    if post is None:
        return None, "no post-processing: the shipped model has none"
    diff = recipe_differences(training, train_records, shipped.get("training", {}))
    if beats is not None and beats != shipped.get("beats"):
        diff.append("beats (the beat window, leads or filters)")
    if reviewed:
        diff.append("reviewed beats added")
    if diff:
        return None, ("no post-processing (temperature, clusters, AF relabelling, runs, review rule): they were "
                      "chosen for the shipped recipe, and this run differs in " + "; ".join(diff))
    return dict(post), ("post-processing: the shipped model's (temperature, clusters, AF relabelling, runs, review "
                        "rule), chosen by cross-validation of this recipe (docs/default_model_selection.md)")
