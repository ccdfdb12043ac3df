"""The ``arrhythmia`` command.

Parsing only. Each sub-command's handler imports what it needs when it runs,
so ``arrhythmia --help`` imports neither torch nor matplotlib. Errors the user
can fix (:class:`arrhythmia.ArrhythmiaError`) become one line on stderr and
exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .. import __version__
from ..errors import ArrhythmiaError
from .options import finite_float, positive_float

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise ArrhythmiaError(f"{self.prog}: {message}")


def _add_data_dir(p):
    p.add_argument("--data-dir", help="MIT-BIH record folder (default: $ARRHYTHMIA_DATA_DIR, else the user cache)")


def _add_rhythm(sub, c) -> None:
    p = sub.add_parser("rhythm", help="AF episodes and burden from the beats of an annotation file (no signal needed)")
    p.add_argument("record", help="WFDB record path without extension (its header gives the rate and length)")
    p.add_argument("--beats-from", required=True, metavar="ANNOTATOR",
                   help="annotation file to read the beats from (atr, qrs, ...)")
    p.add_argument("--fs", type=finite_float, default=None, help="sampling rate in Hz when the record has no header")
    p.add_argument("--out", required=True, help="output folder: <record>.arr (beats and rhythm marks) and summary.json")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.set_defaults(func=c.rhythm)


def _add_data(sub, c) -> None:
    data = sub.add_parser("data", help="fetch, verify and summarise the MIT-BIH Arrhythmia Database")
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    p = dsub.add_parser("fetch", help="download the database from PhysioNet (wfdb), then verify it")
    p.add_argument("--data-dir", help="target folder (default for mitdb: $ARRHYTHMIA_DATA_DIR, else the user cache; "
                                      "for the others: the user cache, <cache>/<database>)")
    p.add_argument("--database", default="mitdb",
                   help="mitdb (default), or an external test set: svdb (MIT-BIH Supraventricular), incartdb (INCART)")
    p.add_argument("--index-url", default=None, help="PhysioNet file index or a mirror (default https://physionet.org/files/)")
    p.add_argument("--overwrite", action="store_true", help="download again even if complete")
    p.set_defaults(func=c.data_fetch)
    p = dsub.add_parser("verify", help="check every record against its header checksums")
    _add_data_dir(p)
    p.add_argument("--records", default=None,
                   help="all (the folder's RECORDS file, else every annotated record) or a comma-separated list "
                        "(default: the 48 MIT-BIH records)")
    p.set_defaults(func=c.data_verify)
    p = dsub.add_parser("summary", help="beats per AAMI class on each side of a split")
    _add_data_dir(p)
    p.add_argument("--split", default="inter-patient", help="inter-patient (default), intra-patient, patient-kfold")
    p.add_argument("--preset", default="300", help="window preset whose edge losses are reported: 300, 187, 6s")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--folds", type=int, default=5, help="patient-kfold: number of folds")
    p.set_defaults(func=c.data_summary)
    p = dsub.add_parser("path", help="print the record folder that would be used")
    _add_data_dir(p)
    p.set_defaults(func=c.data_path)
    data.set_defaults(func=lambda a: (data.print_help(), 0)[1])


def _add_models(sub, c) -> None:
    p = sub.add_parser("models", help="list the registered models with parameter counts and input shapes")
    p.set_defaults(func=c.models)


def _add_train(sub, c) -> None:
    p = sub.add_parser("train", help="train a model; writes a bundle folder")
    _add_data_dir(p)
    p.add_argument("--train", action="append", default=None, metavar="DATABASE:RECORDS",
                   help="training records, repeatable: mitdb:DS1, svdb:all, mitdb:101,106, ... (several databases are "
                        "pooled; DS2 never trains). Default with --split inter-patient: the shipped model's pool, "
                        "mitdb:DS1 and svdb:all (DS1 alone, with a note, when svdb is not found)")
    p.add_argument("--db-dir", action="append", default=None, metavar="NAME=DIR",
                   help="folder of a database other than MIT-BIH (default: $ARRHYTHMIA_<NAME>_DIR, else beside the "
                        "MIT-BIH folder, else the user cache)")
    p.add_argument("--model", default=None, help="registered model name (see 'arrhythmia models'; default morph_rr)")
    p.add_argument("--split", default="inter-patient", help="inter-patient (default), intra-patient, patient-kfold")
    p.add_argument("--epochs", type=int, default=None, help="epoch budget (default: the shipped recipe's, 8)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=positive_float, default=1e-3, help="Adam learning rate (also for fine-tuning)")
    p.add_argument("--imbalance", default=None,
                   help="sampler (default, the shipped recipe), sqrt-sampler, weights, smote, focal, none")
    p.add_argument("--lr-schedule", default=None,
                   help="cosine (default: decays to 0 over --epochs) or constant")
    p.add_argument("--median-channels", action=argparse.BooleanOptionalAction, default=None,
                   help="also feed each beat minus the record's median beat (patient-relative morphology; default on)")
    p.add_argument("--rr-features", default=None,
                   help="context (default, the shipped recipe), relative, context-abs, robust or base "
                        "(see the README's training section)")
    p.add_argument("--members", type=int, default=None,
                   help="train N copies (seeds SEED..SEED+N-1) and keep the mean of their probabilities (default 3, "
                        "the shipped recipe; 1 with --init-from)")
    p.add_argument("--no-augment", action="store_true", help="disable augmentation")
    p.add_argument("--patience", type=int, default=None,
                   help="early stopping patience in epochs, with --val-fraction (default: 6 then; none without)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=finite_float, default=None,
                   help="share of training patients held out for validation and early stopping (default 0: a refit "
                        "on all training records for the epoch budget, as the shipped model)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--init-from", default=None, metavar="BUNDLE", help="start from a trained bundle (fine-tuning)")
    p.add_argument("--freeze-backbone", action="store_true", help="with --init-from: train the last layer only")
    p.add_argument("--records", default=None, help="comma-separated subset of the split's records (quick runs)")
    p.add_argument("--epoch-beats", type=int, default=None,
                   help="training beats per epoch, drawn with the seed (default: the shipped recipe's 50000; 0: all)")
    p.add_argument("--reviewed", default=None, metavar="RESULTS",
                   help="also train on the recordings corrected with 'arrhythmia serve' in RESULTS (reviewer's labels)")
    p.add_argument("--reviewed-recordings", default=None, metavar="DIR",
                   help="with --reviewed: the folder of those recordings, when their summaries do not name them")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--out", required=True, help="bundle folder to write (new or empty)")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.set_defaults(func=c.train)


def _add_evaluate(sub, c) -> None:
    p = sub.add_parser("evaluate", help="evaluate a bundle on the test side of a split: report, metrics, plots, annotations")
    p.add_argument("bundle", nargs="?", default=None,
                   help="model bundle folder (default: the model shipped with the package)")
    _add_data_dir(p)
    p.add_argument("--split", default=None, help="default: the split the bundle was trained with")
    p.add_argument("--cv", type=int, default=None, metavar="K",
                   help="instead: K-fold patient-wise cross-validation on DS1 with the bundle's settings")
    p.add_argument("--epochs", type=int, default=None, help="with --cv: override the epoch budget")
    p.add_argument("--detect", action="store_true",
                   help="instead: the whole automatic pipeline (our R-peak detection + classification) on the test records")
    p.add_argument("--backend", default="auto", help="with --detect: auto, onnx or torch")
    p.add_argument("--no-adapt", action="store_true", help="with --detect or --noise-stress: no adaptation to each recording")
    p.add_argument("--records", default=None,
                   help="with --detect: DS2 (default: the bundle's test records), all (every annotated record of "
                        "--data-dir: another database such as svdb or incartdb) or a comma-separated list; with "
                        "--noise-stress: the records of --data-dir to make noise-stressed copies of")
    p.add_argument("--noise-stress", action="store_true",
                   help="instead: the EC57 noise stress test of the whole pipeline (detection, V, S) per SNR, on the "
                        "MIT-BIH Noise Stress Test records 118e*/119e*, or on copies of --records made like WFDB nst")
    p.add_argument("--nstdb", default=None, metavar="DIR",
                   help="with --noise-stress: the Noise Stress Test folder (default: nstdb beside the MIT-BIH folder)")
    p.add_argument("--noise", default="em", help="with --noise-stress --records: noise records, comma-separated: bw, em, ma")
    p.add_argument("--snr", default="24,18,12,6,0,-6", help="with --noise-stress: SNRs in dB, comma-separated")
    p.add_argument("--detector", default=None,
                   help="the R-peak detector: with --detect one name (default: 'default', the best measured, "
                        "fusion); with --noise-stress detectors compared, comma-separated (default pan_tompkins,fusion)")
    p.add_argument("--save-records", action="store_true",
                   help="with --noise-stress --records: also write the noise-stressed copies (WFDB) into OUT/records")
    p.add_argument("--reviewed", default=None, metavar="RESULTS",
                   help="instead: the whole pipeline scored against the reviewed beats (.arrc) of the recordings "
                        "corrected with 'arrhythmia serve' in RESULTS (--data-dir: their folder, when the "
                        "summaries do not name them)")
    p.add_argument("--out", required=True, help="output folder (new or empty)")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.set_defaults(func=c.evaluate)


def _add_benchmark(sub, c) -> None:
    p = sub.add_parser("benchmark", help="train + evaluate every model under intra- and inter-patient protocols")
    _add_data_dir(p)
    p.add_argument("--quick", action="store_true", help="a few records, one epoch (smoke run)")
    p.add_argument("--models", default=None, help="comma-separated model names (default: all)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--epoch-beats", type=int, default=10_000,
                   help="training beats per epoch, the same budget for every model (0: all)")
    p.add_argument("--patience", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="docs", help="folder for results.md / results.json / results.png (default docs)")
    p.add_argument("--work", default="runs/benchmark", help="folder for the trained bundles (default runs/benchmark)")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.set_defaults(func=c.benchmark)


def _add_peaks(sub, c) -> None:
    p = sub.add_parser("peaks", help="detect R peaks in a recording, or score the detector on MIT-BIH")
    p.add_argument("input", nargs="?", help="WFDB record, CSV, EDF or .npy file")
    p.add_argument("--fs", type=finite_float, default=None, help="sampling rate in Hz (CSV and .npy inputs)")
    p.add_argument("--lead", default="MLII", help="lead to detect on (default MLII, else the first lead)")
    p.add_argument("--detector", default="default",
                   help="default (the best measured: fusion, two leads), fusion, pan_tompkins (one lead)")
    p.add_argument("--out", default=None, help="CSV file of the peaks (time_s, sample)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (never the input)")
    p.add_argument("--evaluate", action="store_true",
                   help="score against the MIT-BIH reference beats (150 ms window) instead")
    p.add_argument("--records", default="all",
                   help="with --evaluate: all (every annotated record of the folder), DS1, DS2 or a comma-separated list")
    p.add_argument("--from", dest="start", type=finite_float, default=0.0, metavar="SECONDS",
                   help="with --evaluate: score from this time on, as WFDB bxb -f (default 0, the whole record; EC57: 300)")
    _add_data_dir(p)
    p.set_defaults(func=c.peaks)


def _add_compare(sub, c) -> None:
    p = sub.add_parser("compare", help="score test annotation files against reference ones as WFDB bxb/sumstats "
                                       "(and epicmp) do: per-record table, Gross and Average")
    p.add_argument("--ref-dir", required=True, help="folder of WFDB records: headers and reference annotations")
    p.add_argument("--test-dir", required=True, help="folder of the test annotation files <record>.<annotator>")
    p.add_argument("--annotator", required=True, help="test annotator (file extension), e.g. arr")
    p.add_argument("--reference", default="atr", help="reference annotator (default atr)")
    p.add_argument("--from", dest="start", type=finite_float, default=300.0, metavar="SECONDS",
                   help="start of the scored period, as bxb -f (default 300: EC57's 5 minutes; 0: whole records)")
    p.add_argument("--records", default="all", help="all (default), DS1, DS2 or a comma-separated list")
    p.add_argument("--episodes", action="store_true", help="also compare AF episodes, as epicmp -A")
    p.add_argument("--no-sveb", action="store_true", help="bxb -l table (S counted as N) instead of -L")
    p.add_argument("--out", default=None, help="also write the report to this file (default: print only)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (never a file read)")
    p.set_defaults(func=c.compare)


def _add_export(sub, c) -> None:
    p = sub.add_parser("export", help="export a bundle to ONNX and check parity with PyTorch")
    p.add_argument("bundle")
    p.add_argument("--out", default=None, help="ONNX file (default BUNDLE/model.onnx)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (never the bundle's own files)")
    _add_data_dir(p)
    p.set_defaults(func=c.export)


def _add_annotate(sub, c) -> None:
    p = sub.add_parser("annotate", help="detect and classify every beat of a recording (or of every recording in a folder)")
    p.add_argument("input", help="WFDB record, CSV, EDF or .npy file, or a folder of them")
    p.add_argument("--model", default=None, help="bundle folder (default: the model shipped with the package)")
    p.add_argument("--fs", type=finite_float, default=None, help="sampling rate in Hz (required for CSV and .npy)")
    p.add_argument("--backend", default="auto", help="auto (ONNX when the bundle has it), onnx or torch")
    p.add_argument("--review-below", type=finite_float, default=None,
                   help="flag beats under this confidence, one threshold for every class (default: the model's "
                        "review rule, chosen in its cross-validation, one threshold per class for the shipped "
                        "model; 0.6 for a model without one)")
    p.add_argument("--start", type=finite_float, default=0.0, help="strip.png: start time in seconds")
    p.add_argument("--duration", type=finite_float, default=60.0, help="strip.png: seconds shown")
    p.add_argument("--pages", action="store_true", help="plot the whole recording, 60 s a page")
    p.add_argument("--detector", default="default",
                   help="R-peak detector: default (the best measured: fusion), fusion, pan_tompkins")
    p.add_argument("--no-adapt", action="store_true",
                   help="do not adapt the model to the recording (no label is read either way): the plain, "
                        "calibrated model")
    p.add_argument("--beats-from", default=None, metavar="ANNOTATOR",
                   help="WFDB input: classify the beats of this annotation file (atr, qrs, ...) instead of detecting "
                        "them; a record without a signal gets the rhythm outputs alone (AF episodes and burden)")
    p.add_argument("--out", required=True, help="output folder (new or empty; for a folder input, re-runs skip "
                                                "recordings already annotated there)")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.add_argument("--jobs", type=int, default=1,
                   help="folder input: annotate in this many worker processes (one model thread each; default 1)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="folder input: annotate on the Dask cluster of this scheduler; its workers must see the "
                        "recordings, the model and --out at the same paths (needs arrhythmia[dask])")
    p.set_defaults(func=c.annotate)


def _add_demo(sub, c) -> None:
    p = sub.add_parser("demo", help="clean and annotate a synthetic noisy ECG (no data needed)")
    p.add_argument("--model", default=None, help="bundle folder (default: the model shipped with the package)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--duration", type=positive_float, default=60.0, help="seconds of synthetic ECG")
    p.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    p.add_argument("--force", action="store_true", help="replace an earlier output of this tool (its own files only; never an input)")
    p.set_defaults(func=c.demo)


def _build_parser() -> argparse.ArgumentParser:
    from . import commands as c
    from . import review

    parser = _Parser(prog="arrhythmia", description="Heartbeat classification into AAMI classes N, S, V, F, Q.")
    parser.add_argument("--version", action="version", version=f"arrhythmia {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_data, _add_models, _add_train, _add_evaluate, _add_benchmark, _add_peaks, _add_compare,
                _add_export, _add_annotate, _add_rhythm):
        add(sub, c)
    review.add_parsers(sub)
    _add_demo(sub, c)
    return parser



def main(argv=None) -> int:
    """Run the CLI; returns the exit code."""
    warnings.formatwarning = lambda msg, cat, *a, **k: f"arrhythmia: note: {msg}\n"
    try:
        parser = _build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except ArrhythmiaError as exc:
        print(f"arrhythmia: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("arrhythmia: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
