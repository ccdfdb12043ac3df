"""Training on real records: the loss falls, validation uses whole held-out
records, resuming is bit-for-bit, fine-tuning and every imbalance mode run."""

import numpy as np
import pytest
import torch

from arrhythmia import ArrhythmiaError
from arrhythmia.bundle import load_bundle, read_bundle_config
from arrhythmia.datasets import load_beats, make_split
from arrhythmia.models import build_model
from arrhythmia.training import TrainConfig, fit, train
from arrhythmia.training.run import beat_config_for
from conftest import assert_one_line_error, run_cli

# Six DS1 records with N, S, V and F beats between them.
FEW = ("101", "106", "118", "119", "208", "209", "223")


@pytest.fixture(scope="module")
def few_beats(mitdb):
    beats = load_beats(FEW, mitdb, beat_config_for("morph_rr"))
    sp = make_split(beats, "inter-patient", seed=0, val_fraction=0.3, records=FEW)
    return beats.subset(sp.train), beats.subset(sp.val), sp


def _model(seed=0):
    torch.manual_seed(seed)
    return build_model("morph_rr", n_leads=2)


def _cfg(**kw):
    base = dict(model="morph_rr", epochs=3, batch_size=256, seed=3, device="cpu", patience=10)
    base.update(kw)
    return TrainConfig(**base)


def test_loss_falls_and_validation_is_whole_records(few_beats, tmp_path):
    train_set, val_set, sp = few_beats
    assert set(train_set.records()).isdisjoint(val_set.records())
    assert set(val_set.records()) == set(sp.val_records)
    m = build_model("morph_rr", n_leads=2)
    res = fit(m, train_set, val_set, _cfg(), tmp_path, progress=False, verbose=False)
    losses = [h["train_loss"] for h in res.history]
    assert losses[-1] < losses[0]
    assert res.report.cm.sum() == len(val_set)  # every validation beat, no more
    assert not np.isnan(res.report.macro_f1)
    assert (tmp_path / "checkpoint.pt").is_file()
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


class _Interrupt:
    def __init__(self, at):
        self.at = at

    def __call__(self, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt


class _MemberInterrupt:
    def __init__(self, member):
        self.member = member

    def __call__(self, epoch, logs):
        if logs["member"] == self.member:
            raise KeyboardInterrupt


def test_resume_is_bit_for_bit(few_beats, tmp_path):
    train_set, val_set, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 4))
    cfg = _cfg(epochs=3)
    full = _model()
    fit(full, small, val_set, cfg, tmp_path / "a", progress=False, verbose=False)

    part = _model()
    with pytest.raises(KeyboardInterrupt):
        fit(part, small, val_set, cfg, tmp_path / "b", callbacks=(_Interrupt(0),), progress=False, verbose=False)
    resumed = _model(seed=123)  # initial weights do not matter: they come from the checkpoint
    res = fit(resumed, small, val_set, cfg, tmp_path / "b", resume=True, progress=False, verbose=False)
    assert res.epochs_run == 3
    a, b = full.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_resume_refuses_other_settings(few_beats, tmp_path):
    train_set, val_set, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 8))
    fit(build_model("morph_rr", n_leads=2), small, val_set, _cfg(epochs=1), tmp_path, progress=False, verbose=False)
    with pytest.raises(ArrhythmiaError, match="other settings"):
        fit(build_model("morph_rr", n_leads=2), small, val_set, _cfg(epochs=2, lr=0.1), tmp_path, resume=True,
            progress=False, verbose=False)
    with pytest.raises(ArrhythmiaError, match="nothing to resume"):
        fit(build_model("morph_rr", n_leads=2), small, val_set, _cfg(), tmp_path / "x", resume=True,
            progress=False, verbose=False)


@pytest.mark.parametrize("mode", ["smote", "sampler", "sqrt-sampler", "focal"])
def test_imbalance_modes_run(few_beats, tmp_path, mode):
    train_set, val_set, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 6))
    res = fit(build_model("morph_rr", n_leads=2), small, val_set, _cfg(epochs=1, imbalance=mode), tmp_path,
              progress=False, verbose=False)
    assert res.report.cm.sum() == len(val_set)


def test_balanced_order_class_shares():
    from arrhythmia.training.imbalance import balanced_order

    y = np.repeat([0, 1, 2], [9000, 900, 100])
    for power, expected in ((1.0, [1 / 3, 1 / 3, 1 / 3]),
                            (0.5, np.sqrt([9000, 900, 100]) / np.sqrt([9000, 900, 100]).sum())):
        order = balanced_order(y, np.random.default_rng(0), power=power)
        assert order.size == y.size
        share = np.bincount(y[order], minlength=3) / y.size
        np.testing.assert_allclose(share, expected, atol=0.015)


def test_smote_touches_training_beats_only(few_beats):
    from arrhythmia.training.imbalance import smote

    train_set, _, _ = few_beats
    x, rr, y = smote(train_set.x, train_set.rr, train_set.y, seed=0)
    n = len(train_set)
    np.testing.assert_array_equal(x[:n], train_set.x)  # originals first, unchanged
    counts = np.bincount(y)
    assert counts[counts > 0].min() == counts.max() or np.bincount(train_set.y).min() < 2


def test_train_writes_bundle_and_fine_tunes(mitdb, tmp_path):
    cfg = _cfg(epochs=1, records=("101", "106", "119", "208", "100"))
    out, res = train(cfg, mitdb, tmp_path / "m", progress=False, verbose=False)
    c = read_bundle_config(out)
    assert c["training"]["split"] == "inter-patient"
    assert set(c["training"]["train_records"]) | set(c["training"]["val_records"]) == {
        "mitdb:101", "mitdb:106", "mitdb:119", "mitdb:208"}
    assert c["training"]["test_records"] == ["mitdb:100"]
    assert c["training"]["databases"] == {"mitdb": str(mitdb)}
    assert c["beats"]["leads"] == ["MLII", "other"] and c["package_version"]
    assert len(c["normalization"]["rr_mean"]) == 9
    assert (out / "history.json").is_file()
    # fine-tune from the bundle with a new learning rate, backbone frozen
    cfg2 = TrainConfig(epochs=1, lr=1e-4, init_from=str(out), freeze_backbone=True, device="cpu",
                       records=("101", "106", "119", "208"))
    out2, _ = train(cfg2, mitdb, tmp_path / "ft", progress=False, verbose=False)
    m1, _ = load_bundle(out)
    m2, c2 = load_bundle(out2)
    assert c2["training"]["init_from"] == str(out)
    torch.testing.assert_close(m1.cnn[0].weight, m2.cnn[0].weight)  # frozen backbone unchanged
    assert not torch.equal(m1.head.weight, m2.head.weight)


def test_train_cli_bad_options(mitdb, tmp_path):
    p = run_cli("train", "--imbalance", "oversample", "--out", tmp_path / "x", "--data-dir", mitdb)
    assert_one_line_error(p, "Invalid value for 'imbalance'", "got 'oversample'")
    assert not (tmp_path / "x").exists()
    p = run_cli("train", "--model", "gpt", "--out", tmp_path / "y", "--data-dir", mitdb)
    assert_one_line_error(p, "Invalid value for 'model'")
    assert not (tmp_path / "y").exists()
    p = run_cli("train", "--records", "100,999", "--out", tmp_path / "z", "--data-dir", mitdb)
    assert_one_line_error(p, "Invalid value for 'records'")


def test_refit_without_validation_keeps_the_last_epoch(few_beats, tmp_path):
    train_set, _, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 6))
    none = train_set.subset(np.zeros(0, dtype=np.int64))
    m = _model()
    res = fit(m, small, none, _cfg(epochs=2, val_fraction=0.0, patience=2), tmp_path, progress=False, verbose=False)
    assert res.epochs_run == 2 and res.best_epoch == 2
    assert "val_loss" not in res.history[0]
    last = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["model"]
    for k, v in m.state_dict().items():
        assert torch.equal(v, last[k]), k


def test_split_without_validation(mitdb):
    beats = load_beats(FEW, mitdb, beat_config_for("morph_rr"))
    sp = make_split(beats, "inter-patient", val_fraction=0.0, records=FEW)
    assert sp.val_records == () and len(sp.val) == 0
    assert set(beats.record[sp.train]) == set(FEW)


def test_scoring_after_each_epoch_does_not_change_training(few_beats, tmp_path):
    """cross_validate_epochs relies on this: epoch e of a run scored after every epoch is the model epochs=e trains."""
    from arrhythmia.models.predict import predict_proba
    from arrhythmia.training.run import new_model

    train_set, val_set, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 5))
    empty = val_set.subset(np.zeros(0, dtype=np.int64))
    seen = []
    cfg2 = _cfg(epochs=2, val_fraction=0.0, imbalance="sqrt-sampler", median_channels=False)
    model, _ = new_model(cfg2)
    fit(model, small, empty, cfg2, tmp_path / "a",
        callbacks=(lambda e, logs: seen.append(predict_proba(model, val_set.x, val_set.rr)),),
        progress=False, verbose=False)
    assert len(seen) == 2
    cfg1 = _cfg(epochs=1, val_fraction=0.0, imbalance="sqrt-sampler", median_channels=False)
    one, _ = new_model(cfg1)
    fit(one, small, empty, cfg1, tmp_path / "b", progress=False, verbose=False)
    np.testing.assert_array_equal(predict_proba(one, val_set.x, val_set.rr), seen[0])
    np.testing.assert_array_equal(predict_proba(model, val_set.x, val_set.rr), seen[1])
    assert not np.array_equal(seen[0], seen[1])


def test_cosine_schedule():
    from arrhythmia.training.trainer import cosine_lr

    assert cosine_lr(1e-3, 0, 100) == pytest.approx(1e-3)
    assert cosine_lr(1e-3, 50, 100) == pytest.approx(5e-4)
    assert cosine_lr(1e-3, 100, 100) == pytest.approx(0.0, abs=1e-15)
    assert cosine_lr(1e-3, 25, 100) == pytest.approx(1e-3 * (1 + np.cos(np.pi / 4)) / 2)
    # the epoch count shapes a cosine run's every step: resuming with another one is refused
    a, b = _cfg(lr_schedule="cosine", epochs=3), _cfg(lr_schedule="cosine", epochs=4)
    assert a.fingerprint() != b.fingerprint()
    assert _cfg(epochs=3).fingerprint() == _cfg(epochs=4).fingerprint()
    with pytest.raises(ArrhythmiaError, match="lr_schedule"):
        _cfg(lr_schedule="step")


def test_cosine_resume_is_bit_for_bit(few_beats, tmp_path):
    train_set, val_set, _ = few_beats
    small = train_set.subset(np.arange(0, len(train_set), 8))
    cfg = _cfg(epochs=2, lr_schedule="cosine", val_fraction=0.0)
    empty = val_set.subset(np.zeros(0, dtype=np.int64))
    whole = _model()
    fit(whole, small, empty, cfg, tmp_path / "whole", progress=False, verbose=False)
    with pytest.raises(KeyboardInterrupt):
        fit(_model(), small, empty, cfg, tmp_path / "cut", callbacks=(_Interrupt(0),), progress=False, verbose=False)
    resumed = _model()
    fit(resumed, small, empty, cfg, tmp_path / "cut", resume=True, progress=False, verbose=False)
    for k, v in whole.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k


def test_train_cli_shipped_recipe_options(mitdb, tmp_path):
    """The options `make run` uses: recorded in the bundle, and no empty validation table."""
    p = run_cli("train", "--records", "101,119,100", "--imbalance", "sqrt-sampler", "--median-channels",
                "--lr-schedule", "cosine", "--epochs", "1", "--val-fraction", "0", "--out", tmp_path / "m",
                "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "no validation records: the last of 1 epochs is kept" in p.stdout and "Se %" not in p.stdout
    c = read_bundle_config(tmp_path / "m")
    # another recipe than the shipped one: no post-processing, and the run says why
    assert "postprocess" not in c and "no post-processing" in p.stdout and "epochs (1, shipped 8)" in p.stdout
    assert c["training"]["postprocess_from"] in p.stdout
    assert c["training"]["imbalance"] == "sqrt-sampler" and c["training"]["lr_schedule"] == "cosine"
    assert c["beats"]["median_channels"] is True and c["model"]["n_leads"] == 4
    assert_one_line_error(run_cli("train", "--lr-schedule", "step", "--out", tmp_path / "x", "--data-dir", mitdb),
                          "lr_schedule")
    assert not (tmp_path / "x").exists()
    assert_one_line_error(run_cli("train", "--rr-features", "all", "--out", tmp_path / "x", "--data-dir", mitdb),
                          "Invalid value for 'rr_features'", "got 'all'")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("rr_set, columns", [("robust", slice(0, 11)), ("relative", slice(4, 11))])
def test_rr_feature_set_bundle(mitdb, tmp_path, rr_set, columns):
    """--rr-features robust / relative: the model reads those columns by name, the bundle says which, ONNX agrees;
    a 9-column model fed the same 15-column features reads the first 9."""
    from arrhythmia.export.onnx import MAX_ABS_DIFF, _to_onnx_bytes
    from arrhythmia.features import RR_FEATURES, RR_SETS
    from arrhythmia.models.predict import predict_proba
    from arrhythmia.inference.runners import OnnxRunner

    cfg = _cfg(records=("101", "119", "100"), imbalance="sampler", epochs=1, val_fraction=0.0, rr_features=rr_set)
    train(cfg, mitdb, tmp_path / "m", progress=False, verbose=False)
    model, c = load_bundle(tmp_path / "m")
    want = list(RR_FEATURES[columns])
    assert list(RR_SETS[rr_set]) == want and len(RR_FEATURES) == 15
    assert c["rr_features"] == want and c["model"]["rr_features"] == want and list(model.rr_features) == want
    assert model.n_rr == len(want) and len(c["normalization"]["rr_mean"]) == len(want)
    if rr_set == "relative":
        assert not {"pre_rr", "post_rr", "local_rr", "record_rr"} & set(want)  # no interval in seconds
    beats = load_beats(("100",), mitdb, beat_config_for("morph_rr"))
    assert beats.rr.shape[1] == len(RR_FEATURES)
    p = predict_proba(model, beats.x, beats.rr)
    np.testing.assert_array_equal(p, predict_proba(model, beats.x, beats.rr[:, columns]))  # already selected
    (tmp_path / "m.onnx").write_bytes(_to_onnx_bytes(model))
    onnx = OnnxRunner.from_file(tmp_path / "m.onnx", c)
    assert np.abs(onnx.predict_proba(beats.x, beats.rr) - p).max() <= MAX_ABS_DIFF
    base = _model()
    np.testing.assert_array_equal(predict_proba(base, beats.x, beats.rr), predict_proba(base, beats.x, beats.rr[:, :9]))
    assert base.n_rr == 9 and base.rr_features == RR_SETS["base"]


def test_select_rr_checks_names_and_columns():
    from arrhythmia.errors import ArrhythmiaError
    from arrhythmia.features import RR_FEATURES, select_rr

    rr = np.arange(30, dtype=np.float32).reshape(2, 15)
    np.testing.assert_array_equal(select_rr(rr, ("pre_post", "pre_rr")), rr[:, [8, 0]])
    assert select_rr(None, RR_FEATURES) is None
    with pytest.raises(ArrhythmiaError, match=r"Invalid value for 'rr_features'.*got \['qt'\]"):
        select_rr(rr, ("pre_rr", "qt"))
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'rr': allowed 15 or 2 columns; got 5"):
        select_rr(rr[:, :5], ("pre_rr", "post_rr"))


def test_members_train_an_ensemble_of_the_single_models(mitdb, tmp_path):
    """--members 2: member m is exactly the single model trained with seed + m; the bundle averages their probabilities."""
    from arrhythmia.export.onnx import MAX_ABS_DIFF, _to_onnx_bytes
    from arrhythmia.models.predict import predict_proba
    from arrhythmia.inference.runners import OnnxRunner

    p = run_cli("train", "--records", "101,119,100", "--imbalance", "sampler", "--median-channels",
                "--lr-schedule", "cosine", "--epochs", "1", "--val-fraction", "0", "--seed", "3", "--members", "2",
                "--rr-features", "base", "--epoch-beats", "0", "--patience", "6",
                "--out", tmp_path / "ens", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "morph_rr (ensemble of 2) written" in p.stdout
    ens, c = load_bundle(tmp_path / "ens")
    assert c["model"]["name"] == "ensemble" and c["model"]["params"]["n_members"] == 2
    assert c["training"]["members"] == 2 and c["training"]["model"] == "morph_rr"
    assert (tmp_path / "ens" / "member_1" / "checkpoint.pt").is_file()
    from arrhythmia.bundle import read_history
    from arrhythmia.plotting.figures import plot_history

    hist = read_history(tmp_path / "ens")
    assert [(h["member"], h["epoch"]) for h in hist] == [(0, 1), (1, 1)]
    assert plot_history(hist, tmp_path / "curves.png").stat().st_size > 0  # one set of lines per member
    singles = []
    for seed in (3, 4):
        cfg = _cfg(records=("101", "119", "100"), imbalance="sampler", median_channels=True, lr_schedule="cosine",
                   epochs=1, val_fraction=0.0, seed=seed)
        train(cfg, mitdb, tmp_path / f"s{seed}", progress=False, verbose=False)
        singles.append(load_bundle(tmp_path / f"s{seed}")[0])
    for i, single in enumerate(singles):
        for k, v in single.state_dict().items():
            got = ens.head.heads[i].state_dict()[k[5:]] if k.startswith("head.") else ens.members[i].state_dict()[k]
            assert torch.equal(v, got), (i, k)
    assert not torch.equal(singles[0].head.weight, singles[1].head.weight)
    beats = load_beats(("100",), mitdb, beat_config_for("morph_rr", median_channels=True))
    by_hand = (predict_proba(singles[0], beats.x, beats.rr) + predict_proba(singles[1], beats.x, beats.rr)) / 2
    np.testing.assert_allclose(predict_proba(ens, beats.x, beats.rr), by_hand, atol=1e-6)
    # one ONNX graph, same probabilities
    (tmp_path / "m.onnx").write_bytes(_to_onnx_bytes(ens))
    p_onnx = OnnxRunner.from_file(tmp_path / "m.onnx", c).predict_proba(beats.x, beats.rr)
    assert np.abs(p_onnx - by_hand).max() <= MAX_ABS_DIFF
    # interrupted during member 1, resumed: the same ensemble, bit for bit
    cfg = _cfg(records=("101", "119", "100"), imbalance="sampler", median_channels=True, lr_schedule="cosine",
               epochs=1, val_fraction=0.0, seed=3, members=2)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, mitdb, tmp_path / "cut", callbacks=(_MemberInterrupt(1),), progress=False, verbose=False)
    assert not (tmp_path / "cut" / "model.safetensors").exists()
    train(cfg, mitdb, tmp_path / "cut", resume=True, progress=False, verbose=False)
    resumed, _ = load_bundle(tmp_path / "cut")
    for k, v in ens.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k
    # an ensemble is made by --members, not named as the model
    with pytest.raises(ArrhythmiaError, match="--members"):
        _cfg(model="ensemble")
    with pytest.raises(ArrhythmiaError, match="'members'"):
        _cfg(members=0)


def test_train_with_no_options_is_the_shipped_recipe(tmp_path, capsys):
    """``arrhythmia train --out X`` trains the shipped recipe on DS1 + svdb when svdb is found, else on DS1 with a
    note naming the fetch command."""
    import shutil

    from arrhythmia.cli.commands import train_settings
    from arrhythmia.cli.main import _build_parser
    from arrhythmia.datasets.references import DataRoots
    from arrhythmia.training.config import SHIPPED_POOL, SHIPPED_RECIPE
    from conftest import _mitdb

    args = _build_parser().parse_args(["train", "--out", str(tmp_path / "m")])
    kw = train_settings(args, DataRoots(mitdb=_mitdb()))
    assert {k: kw[k] for k in SHIPPED_RECIPE} == SHIPPED_RECIPE and kw["train"] == SHIPPED_POOL
    lone = tmp_path / "lone" / "mitdb"
    lone.mkdir(parents=True)
    shutil.copy(_mitdb() / "100.hea", lone / "100.hea")
    kw = train_settings(args, DataRoots(mitdb=lone))
    assert kw["train"] == ("mitdb:DS1",)
    err = capsys.readouterr().err
    assert "svdb not found" in err and "arrhythmia data fetch --database svdb" in err
    # options given win over the recipe
    args = _build_parser().parse_args(["train", "--out", "x", "--epochs", "7", "--val-fraction", "0.2",
                                       "--no-median-channels", "--train", "mitdb:DS1"])
    kw = train_settings(args, DataRoots(mitdb=_mitdb()))
    assert (kw["epochs"], kw["val_fraction"], kw["median_channels"], kw["patience"], kw["train"]) == \
        (7, 0.2, False, 6, ("mitdb:DS1",))


def test_fine_tuning_defaults_to_one_network_of_the_base_model():
    """The shipped recipe trains three networks; fine-tuning a bundle starts from one, of the bundle's model."""
    from arrhythmia.training.config import SHIPPED_RECIPE, recipe_settings

    assert recipe_settings()["members"] == SHIPPED_RECIPE["members"] == 3
    kw = recipe_settings(init_from="some/bundle")
    assert kw["members"] == 1 and kw["model"] is None and kw["init_from"] == "some/bundle"
    assert recipe_settings(init_from="some/bundle", members=2, model="morph_rr")["members"] == 2


def test_shipped_recipe_gets_the_shipped_post_processing():
    """A run of the shipped recipe on the shipped records (any seed) gets the shipped bundle's post-processing; a
    changed setting, fewer records or reviewed beats get none, with the difference named."""
    from arrhythmia.training.config import TrainConfig, recipe_settings
    from arrhythmia.training.shipped import shipped_config, shipped_postprocess

    from arrhythmia.cli.commands import train_settings
    from arrhythmia.cli.main import _build_parser
    from arrhythmia.datasets.references import DataRoots
    from conftest import _mitdb

    shipped = shipped_config()
    records = shipped["training"]["train_records"]
    kw = recipe_settings(train=("mitdb:DS1", "svdb:all"))
    # what `arrhythmia train --out X` runs, where svdb is found, is that recipe
    cli = train_settings(_build_parser().parse_args(["train", "--out", "x"]), DataRoots(mitdb=_mitdb()))
    assert shipped_postprocess(TrainConfig(**cli).to_dict(), records)[0] == shipped["postprocess"]
    post, why = shipped_postprocess(TrainConfig(**kw).to_dict(), records)
    assert post == shipped["postprocess"] and why.startswith("post-processing: the shipped model's")
    post, _ = shipped_postprocess(TrainConfig(**{**kw, "seed": 5, "device": "cpu"}).to_dict(), records)
    assert post == shipped["postprocess"]
    post, why = shipped_postprocess(TrainConfig(**{**kw, "epochs": 7}).to_dict(), records)
    assert post is None and "epochs (7, shipped 8)" in why
    post, why = shipped_postprocess(TrainConfig(**kw).to_dict(), records[:-1])
    assert post is None and f"train_records (1 of it missing ({records[-1]}))" in why
    post, why = shipped_postprocess({**TrainConfig(**kw).to_dict(), "n_train_beats": 5}, records)
    assert post is None and "n_train_beats (5, shipped" in why  # the same names, other annotations
    run = TrainConfig(**kw).to_dict()
    post, why = shipped_postprocess(run, records, beats={**shipped["beats"], "leads": ["V1"]})
    assert post is None and "beats (" in why
    assert shipped_postprocess(run, records, beats=shipped["beats"])[0] == shipped["postprocess"]
    post, why = shipped_postprocess(TrainConfig(**kw).to_dict(), records, reviewed=True)
    assert post is None and "reviewed beats added" in why
    post, why = shipped_postprocess(TrainConfig(**{**kw, "train": ("mitdb:DS1",)}).to_dict(), records)
    assert post is None and "train (['mitdb:DS1'], shipped ['mitdb:DS1', 'svdb:all'])" in why


def test_train_writes_the_shipped_post_processing_for_its_recipe(mitdb, tmp_path, monkeypatch):
    """The bundle ``train`` writes carries the post-processing ``shipped_postprocess`` gives it (here a stand-in
    shipped model whose recipe is this small run's), and annotates with it."""
    import arrhythmia.training.shipped as shipped_mod
    from arrhythmia.inference.annotate import annotate

    cfg = _cfg(records=("101", "119", "100"), imbalance="sampler", epochs=1, val_fraction=0.0)
    out, _ = train(cfg, mitdb, tmp_path / "a", progress=False, verbose=False)
    first = read_bundle_config(out)
    assert "postprocess" not in first and "this run differs in" in first["training"]["postprocess_from"]
    real = shipped_mod.shipped_config()
    stand_in = {"training": first["training"], "beats": first["beats"], "postprocess": real["postprocess"]}
    monkeypatch.setattr(shipped_mod, "shipped_config", lambda path=None: stand_in)
    out, _ = train(cfg, mitdb, tmp_path / "b", progress=False, verbose=False)
    c = read_bundle_config(out)
    assert c["postprocess"] == real["postprocess"]
    assert c["training"]["postprocess_from"].startswith("post-processing: the shipped model's")
    import json

    annotate(mitdb / "100", tmp_path / "ann", model=out, backend="torch")
    summary = json.loads((tmp_path / "ann" / "summary.json").read_text())
    assert summary["adaptation"]["adapted"] is True
