"""Train, export, evaluate and ship the default model (``src/arrhythmia/default_model/``).

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb .venv/bin/python scripts/select_default_model.py   # choose on DS1
    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb .venv/bin/python scripts/build_default_model.py    # build + ship

1. reads the settings and the epoch count chosen by cross-validation of the
   refit recipe on DS1 (runs/select-refit/chosen.json);
2. trains morph_rr on all 22 DS1 records for that many epochs, no validation
   holdout (a refit: one small validation split makes early stopping
   erratic, see docs/default_model.md) -> runs/default_model;
3. exports it to ONNX (parity with PyTorch checked on DS2 beats);
4. evaluates it once on DS2, with the reference R peaks and through the whole
   automatic pipeline (our detector + classifier, evaluate --detect);
5. writes those DS2 figures into its config.json (``test`` key), re-exports so the
   ONNX metadata holds them too, and copies config.json, model.onnx,
   model.safetensors and history.json into the package;
6. writes docs/default_model.md.

DS2 is used for the final figures only; nothing is chosen on it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
from pathlib import Path

import torch

from arrhythmia.bundle import CONFIG, HISTORY, ONNX, WEIGHTS, read_bundle_config, write_json
from arrhythmia.datasets.location import resolve_data_dir
from arrhythmia.experiments.evaluate import evaluate_bundle
from arrhythmia.evaluation.metrics import format_pct
from arrhythmia.experiments.pipeline_eval import evaluate_pipeline
from arrhythmia.export import export_onnx
from arrhythmia.training import TrainConfig, train

DE_CHAZAL_2004 = {"S_se": 0.760, "S_ppv": 0.380, "V_se": 0.773, "V_ppv": 0.819}
BUILD_THREADS = 2
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "arrhythmia" / "default_model"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chosen", default="runs/select-refit/chosen.json")
    ap.add_argument("--work", default="runs/default_model")
    a = ap.parse_args()
    torch.set_num_threads(BUILD_THREADS)  # the weights depend on the thread count; `make run` on 2 cores matches
    data = resolve_data_dir(None)
    chosen = json.loads(Path(a.chosen).read_text())
    epochs = int(chosen["epochs"])
    cfg = TrainConfig(**{**chosen["config"], "split": "inter-patient", "val_fraction": 0.0, "epochs": epochs,
                         "patience": epochs})
    work = Path(a.work)
    train(cfg, data, work, progress=False, verbose=True, force=True)  # replaces an earlier build's files only
    export_onnx(work, data)
    ref = evaluate_bundle(work, data, work.with_name(work.name + "-eval-reference-peaks"), force=True)
    pipe = evaluate_pipeline(work, data, work.with_name(work.name + "-eval-pipeline"), backend="onnx", force=True)

    def figures(per_class):
        return {"S_se": per_class["S"]["se"], "S_ppv": per_class["S"]["ppv"],
                "V_se": per_class["V"]["se"], "V_ppv": per_class["V"]["ppv"]}

    test = {
        "records": pipe["records"], "date": datetime.date.today().isoformat(),
        "pipeline": {**figures(pipe["per_class"]), "macro_f1": pipe["macro_f1"], "detection": pipe["detection"]},
        "reference_peaks": {**figures(ref.report.per_class), "macro_f1": ref.report.macro_f1,
                            "accuracy": ref.report.accuracy},
        "de_chazal_2004": DE_CHAZAL_2004,
        "chosen_by": {"candidate": chosen["name"], "cv_pooled_DS1": chosen["pooled"], "epochs": epochs},
    }
    c = read_bundle_config(work)
    c["test"] = test
    write_json(work / CONFIG, c)
    export_onnx(work, data)  # embed the final config in the ONNX metadata
    PACKAGE.mkdir(parents=True, exist_ok=True)
    for f in (CONFIG, ONNX, WEIGHTS, HISTORY):
        shutil.copy2(work / f, PACKAGE / f)

    pct = format_pct

    beats = all(test["pipeline"][k] is not None and test["pipeline"][k] > v for k, v in DE_CHAZAL_2004.items())
    rows = [("de Chazal et al. 2004", DE_CHAZAL_2004), ("ours, reference R peaks", test["reference_peaks"]),
            ("ours, whole automatic pipeline", test["pipeline"])]
    lines = ["# The shipped default model", "",
             f"Built by `python scripts/build_default_model.py` on {test['date']} ({platform.processor() or platform.machine()}, "
             f"2 CPU cores), from the settings chosen by `python scripts/select_default_model.py` "
             f"(cross-validation on DS1: [default_model_selection.md](default_model_selection.md)).", "",
             (f"`{cfg.model}`" if cfg.members == 1 else
              f"An ensemble of {cfg.members} `{cfg.model}` networks (seeds {cfg.seed} to {cfg.seed + cfg.members - 1}, "
              "their class probabilities averaged)")
             + f" (candidate `{chosen['name']}`: imbalance `{cfg.imbalance}`, median channels "
             f"{'on' if cfg.median_channels else 'off'}, RR features `{cfg.rr_features}`)" + (f", seed {cfg.seed}" if cfg.members == 1 else "")
             + ", trained on all 22 DS1 records "
             f"({', '.join(c['training']['train_records'])}) for {epochs} epochs ({cfg.lr_schedule} learning-rate "
             f"schedule from {cfg.lr:g}), the count chosen by the same "
             "cross-validation on DS1; no validation holdout.", "",
             "Tested on the 22 DS2 records (no patient in common with training):", "",
             "| | S Se % | S +P % | V Se % | V +P % |", "|---|---:|---:|---:|---:|"]
    for name, f in rows:
        lines.append(f"| {name} | {pct(f['S_se'])} | {pct(f['S_ppv'])} | {pct(f['V_se'])} | {pct(f['V_ppv'])} |")
    d = test["pipeline"]["detection"]
    lines += ["", f"Whole pipeline: our R-peak detector found {pct(d['se'])} % of the {d['reference_beats']} reference "
              f"beats (+P {pct(d['ppv'])} %); missed beats count as false negatives of their class and extra detections "
              "as false positives of the class they were given.", "",
              f"Beats de Chazal et al. (2004) on all four figures through the whole pipeline: **{'yes' if beats else 'no'}**.", "",
              "## Earlier builds, and how many times DS2 was looked at", "",
              "1. The first build of 2026-11-22 trained on 18 DS1 records with early stopping on the 4 others "
              "(106, 201, 207, 223, the validation records of seed 0). Its log showed the selection picking epoch 1 "
              "of 7 on erratic validation figures, and its one DS2 evaluation gave S Se 27.1 %, S +P 32.1 %, "
              "V Se 93.7 %, V +P 78.4 % through the whole pipeline. It was not shipped. The cross-validation folds "
              "had shown the same instability (best epochs from 1 to 10), so the recipe was changed to a refit on "
              "all DS1 records for the median best epoch of those folds.",
              "2. That refit (`sampler`, 7 epochs; shipped in commit d5c0360) gave, through the whole pipeline, "
              "S Se 73.5 %, S +P 56.6 %, V Se 91.7 %, V +P 89.0 %: short of the S Se floor. That was the second "
              "look at DS2.",
              "3. Having seen that miss, the selection was widened, on DS1 only: candidates are now cross-validated "
              "with the refit recipe itself (a fixed epoch budget, no validation holdout) instead of with early "
              "stopping; a constant learning rate made the held-out figures jump from epoch to epoch, so the budget "
              "is now spanned by a cosine schedule; and candidates were added (each beat minus the record's median "
              "beat as extra input channels, a square-root class sampler, budgets of 1 to 10 epochs, a narrower "
              "network). Chosen on seed 0's DS1 score, `sampler+median-e2` (2 epochs, median channels; shipped in "
              "commit 6afa47f) gave, through the whole pipeline, S Se 36.6 %, S +P 37.9 %, V Se 93.0 %, "
              "V +P 94.0 %: more V, far fewer S beats than build 2. That was the third look at DS2. Build 2's "
              "recipe scores far lower in that DS1 cross-validation (S Se 17.4 %, S +P 11.1 %, V Se 71.4 %, "
              "V +P 50.6 % after 7 constant-rate epochs), and it was not brought back: choosing between builds by "
              "their DS2 figures would be choosing on the test set.",
              "4. Then, on DS1 only: ensembles of 5 seeds and RR features robust to nearby ectopic beats did not "
              "change the seed-0 choice, and showed that one network's DS1 score moves with its seed as much as "
              "between candidates. The rule became the best mean score over seeds 0, 1 and 2, and RR features "
              "without any interval in seconds (`--rr-features relative`) were added as candidates, both fixed "
              "before those candidates' results (default_model_selection.md, round 4). The model above is that "
              "rule's choice, and the figures above are its one DS2 evaluation: the *fourth* look at DS2, prompted "
              "like the third by the earlier builds' misses on S, to be read with that in mind.", "",
              f"Build 4 finds fewer of DS2's S beats than builds 2 and 3 (S Se {pct(test['pipeline']['S_se'])} %, "
              f"S +P {pct(test['pipeline']['S_ppv'])} % through the whole pipeline), though it scores higher than "
              "build 3's candidate in DS1 cross-validation under the new rule (mean over three seeds "
              f"{pct(chosen['mean_score_over_seeds'])} against 59.9): on S, DS1 cross-validation and DS2 disagree "
              "again, under a rule that no longer rests on one seed. It is shipped as the protocol's choice: keeping build 2 or 3 instead because of their DS2 "
              "figures would be choosing on the test set. A selection set whose S beats resemble new patients' "
              "(another database, such as the MIT-BIH Supraventricular Arrhythmia Database) is what is missing.",
              ""]
    Path("docs/default_model.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
