"""Handlers of the sub-commands: turn parsed arguments into one library call each."""

from __future__ import annotations

import sys
from pathlib import Path


def data_fetch(args) -> int:
    from ..datasets.databases import get_database
    from ..datasets.fetch import PHYSIONET_INDEX_URL, fetch_database
    from ..datasets.location import resolve_data_dir, user_cache_root

    db = get_database(args.database)
    if args.database == "mitdb":
        target = resolve_data_dir(args.data_dir)
    else:  # never into $ARRHYTHMIA_DATA_DIR, which names the MIT-BIH folder
        target = Path(args.data_dir).expanduser() if args.data_dir else user_cache_root() / db.slug
    fetch_database(args.database, target, index_url=args.index_url or PHYSIONET_INDEX_URL, overwrite=args.overwrite)
    print(f"{db.title} ready and verified in {target}")
    return 0


def data_path(args) -> int:
    from ..datasets.location import resolve_data_dir

    print(resolve_data_dir(args.data_dir))
    return 0


def data_verify(args) -> int:
    from ..datasets.databases import resolve_records
    from ..datasets.fetch import verify_database
    from ..datasets.location import resolve_data_dir
    from ..datasets.records import MITDB_RECORDS
    from ..errors import file_error

    target = resolve_data_dir(args.data_dir)
    if not target.is_dir():
        raise file_error(target, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    records = resolve_records(args.records, target) if args.records else MITDB_RECORDS
    res = verify_database(target, records, progress=sys.stderr.isatty())
    for line in res.problems:
        print(f"arrhythmia: error: {line}", file=sys.stderr)
    print(f"{len(res.ok)} records verified, {len(res.problems)} with problems, in {target}")
    return 0 if not res.problems else 1


def data_summary(args) -> int:
    from ..datasets.location import resolve_data_dir
    from ..datasets.summary import summarize
    from ..reports.text import format_data_summary

    s = summarize(resolve_data_dir(args.data_dir), split=args.split, window=args.preset,
                  seed=args.seed, n_folds=args.folds)
    print(format_data_summary(s))
    return 0


def models(args) -> int:
    from ..models import list_models

    rows = list_models()
    print(f"{'name':<16}{'parameters':>12}  {'input':<30}{'leads':<12}description")
    for r in rows:
        print(f"{r['name']:<16}{r['parameters']:>12,}  {r['input']:<30}{r['leads']:<12}{r['summary']}")
    return 0


def train_settings(args, roots) -> dict:
    """TrainConfig keywords: the options given, the shipped recipe for the rest (training.config)."""
    from ..training.config import recipe_settings, shipped_pool

    kw = recipe_settings(model=args.model, epochs=args.epochs, imbalance=args.imbalance,
                         lr_schedule=args.lr_schedule, median_channels=args.median_channels,
                         rr_features=args.rr_features, val_fraction=args.val_fraction, epoch_beats=args.epoch_beats,
                         patience=args.patience, members=args.members, init_from=args.init_from)
    pool = tuple(args.train) if args.train else None
    if pool is None and args.split == "inter-patient" and not args.records:
        pool, note = shipped_pool(roots)
        if note:
            print(f"arrhythmia: note: {note}", file=sys.stderr)
    return dict(kw, split=args.split, batch_size=args.batch_size, lr=args.lr, augment=not args.no_augment,
                seed=args.seed, device=args.device, freeze_backbone=args.freeze_backbone,
                records=tuple(r.strip() for r in args.records.split(",")) if args.records else None,
                train=pool)


def train(args) -> int:
    from ..datasets.location import resolve_data_dir
    from ..training import TrainConfig
    from ..datasets.references import DataRoots, parse_db_dirs
    from ..training import train as run_train

    roots = DataRoots(mitdb=resolve_data_dir(args.data_dir), others=parse_db_dirs(args.db_dir))
    cfg = TrainConfig(**train_settings(args, roots))
    out, result = run_train(cfg, roots, args.out, resume=args.resume,
                            progress=sys.stderr.isatty(), force=args.force, reviewed=args.reviewed,
                            reviewed_recordings=args.reviewed_recordings)
    name = cfg.model if cfg.members == 1 else f"{cfg.model} (ensemble of {cfg.members})"
    print(f"trained on {', '.join(cfg.train or (cfg.split + ' training side',))}")
    from ..bundle import read_bundle_config

    print(read_bundle_config(out)["training"]["postprocess_from"])
    if result.report.cm.sum() == 0:
        print(f"model {name} written to {out} (no validation records: the last of {result.epochs_run} "
              "epochs is kept)")
        return 0
    print(f"model {name} written to {out} (best epoch {result.best_epoch} of {result.epochs_run})")
    from ..reports.text import format_classification

    print("validation on held-out training records (never the test records):")
    print(format_classification(result.report))
    return 0


def evaluate(args) -> int:
    from ..datasets.location import resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    if args.bundle is None:
        from ..inference.annotate import default_model_path

        args.bundle = default_model_path()
    if args.noise_stress:
        return _noise_stress(args, data_dir)
    if args.records is not None and not args.detect:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError("Invalid option '--records': only with --detect (the whole pipeline on any annotated "
                              "records); without it, the test records are those of the bundle's split.")
    if args.cv is not None:
        from ..experiments.cv import cross_validate
        from ..reports.markdown import format_cv

        if args.cv < 2:
            from ..errors import ArrhythmiaError

            raise ArrhythmiaError(f"Invalid value for '--cv': allowed an integer >= 2; got {args.cv!r}.")
        summary = cross_validate(args.bundle, data_dir, args.out, k=args.cv, epochs=args.epochs,
                                 progress=sys.stderr.isatty(), verbose=True, force=args.force)
        print(format_cv(summary))
        return 0
    if args.detect or args.reviewed:
        from ..experiments.pipeline_eval import evaluate_pipeline
        from ..reports.markdown import format_pipeline

        from ..datasets.databases import resolve_records

        records = resolve_records(args.records, data_dir) if args.records and not args.reviewed else None
        refs = None
        if args.reviewed:  # the reviewer's corrected labels are the reference
            from ..io.reviewed import reviewed_references

            refs = reviewed_references(args.reviewed, data_dir if args.data_dir else None)
        res = evaluate_pipeline(args.bundle, data_dir, args.out, records=records, backend=args.backend,
                                progress=sys.stderr.isatty(), references=refs, force=args.force,
                                detector=args.detector or "default", adapt=not args.no_adapt)
        print(format_pipeline(res))
        print(f"metrics, report, predictions and annotations written to {args.out}")
        return 0
    from ..experiments.evaluate import evaluate_bundle

    ev = evaluate_bundle(args.bundle, data_dir, args.out, split=args.split, progress=sys.stderr.isatty(),
                         force=args.force)
    print(f"split: {ev.split_label}; {ev.n_beats} test beats")
    from ..reports.text import format_classification

    print(format_classification(ev.report))
    print(f"report, metrics, predictions, plots and annotations written to {ev.out}")
    return 0


def _noise_stress(args, data_dir) -> int:
    from ..datasets.databases import resolve_records
    from ..experiments.noise_stress import format_noise_stress, run_noise_stress

    def items(text):
        return tuple(v.strip() for v in text.split(",") if v.strip())

    nstdb = args.nstdb or data_dir.parent / "nstdb"
    records = resolve_records(args.records, data_dir) if args.records else None
    res = run_noise_stress(nstdb, args.out, bundle=args.bundle, data_dir=data_dir, records=records,
                           noises=items(args.noise), snrs=items(args.snr), detectors=items(args.detector or "pan_tompkins,fusion"),
                           backend=args.backend, save_records=args.save_records, force=args.force,
                           progress=sys.stderr.isatty(), adapt=not args.no_adapt)
    print(format_noise_stress(res))
    print(f"noise_stress.md and noise_stress.json written to {args.out}")
    return 0


def benchmark(args) -> int:
    import shlex

    from ..datasets.location import resolve_data_dir
    from ..experiments.benchmark import run_benchmark

    models = [m.strip() for m in args.models.split(",")] if args.models else None
    if models:
        from ..errors import check_option
        from ..models import ARCHITECTURES

        for m in models:
            check_option("--models", m, ARCHITECTURES)
    cmd = "arrhythmia benchmark " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    run_benchmark(resolve_data_dir(args.data_dir), args.out, models=models, quick=args.quick, epochs=args.epochs,
                  seed=args.seed, patience=args.patience, epoch_beats=args.epoch_beats or None, work_dir=args.work,
                  progress=sys.stderr.isatty(), verbose=True,
                  command=cmd.strip(), force=args.force)
    print(f"results written to {args.out}/results.md, results.json, results.png")
    return 0


def peaks(args) -> int:
    from ..errors import ArrhythmiaError

    if args.evaluate:
        from ..datasets.databases import resolve_records
        from ..datasets.location import resolve_data_dir
        from ..experiments.detection_eval import evaluate_detector

        data_dir = resolve_data_dir(args.data_dir)
        recs = resolve_records(args.records, data_dir)
        score = evaluate_detector(data_dir, recs, detector=args.detector, progress=sys.stderr.isatty(),
                                  start_s=args.start)
        from ..reports.text import format_detection

        print(format_detection(score))
        return 0
    if not args.input:
        raise ArrhythmiaError("arrhythmia peaks: give an INPUT recording, or --evaluate")
    from ..inference.peaks import find_peaks

    r = find_peaks(args.input, args.fs, lead=args.lead, out=args.out, force=args.force, detector=args.detector)
    print(f"{r.name}: {r.samples.size} R peaks in {r.duration_s:.1f} s on lead {r.lead} "
          f"(median heart rate {r.median_hr_bpm:.0f} bpm)")
    if args.out:
        print(f"written to {args.out}")
    return 0


def compare(args) -> int:
    from ..evaluation.compare import compare_folders

    res = compare_folders(args.ref_dir, args.test_dir, args.annotator, reference=args.reference, start_s=args.start,
                          records=args.records, episodes=args.episodes, sveb=not args.no_sveb, out=args.out,
                          force=args.force)
    sys.stdout.write(res.text)
    if args.out:
        print(f"written to {args.out}")
    return 0


def export(args) -> int:
    from ..datasets.location import resolve_data_dir
    from ..export import export_onnx

    out, res = export_onnx(args.bundle, resolve_data_dir(args.data_dir), out=args.out, force=args.force)
    print(f"{out} written; parity with PyTorch on {res.n_beats} beats of records {' '.join(res.records)}: "
          f"max |diff| {res.max_abs_diff:.2e} (limit 1e-5), same classes: {res.same_classes}")
    return 0


def annotate(args) -> int:
    from ..inference.annotate import annotate as run
    from ..reports.text import format_summary

    src = Path(args.input)
    kw = dict(model=args.model, fs=args.fs, backend=args.backend, review_below=args.review_below,
              start_s=args.start, duration_s=args.duration, pages=args.pages, force=args.force,
              detector=args.detector, adapt=not args.no_adapt)
    if args.beats_from:
        if src.is_dir():
            from ..errors import ArrhythmiaError

            raise ArrhythmiaError(f"Invalid value for '--beats-from': allowed with one WFDB record; got the folder "
                                  f"{src}.")
        from ..io.wfdb_io import has_signal

        if not has_signal(src):  # annotation-only (ltafdb): the rhythm outputs alone
            args.record = str(src)
            return rhythm(args)
        kw["beats_from"] = args.beats_from
    if src.is_dir():
        from ..errors import ArrhythmiaError
        from ..inference.batch import INDEX
        from ..io.readers import list_inputs

        inputs = list_inputs(src)
        if not inputs:
            raise ArrhythmiaError(f"{src}: no WFDB, CSV, EDF or .npy recording in this folder")
        res = _annotate_folder(inputs, args, kw)
        done = sum(r["status"] != "failed" for r in res.rows)
        print(f"{done} of {len(inputs)} recordings annotated into {args.out} (index: {Path(args.out) / INDEX})")
        return 1 if res.failed else 0
    if args.jobs != 1 or args.scheduler:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError("Invalid option '--jobs'/'--scheduler': only for a folder input (one recording is "
                              "annotated in this process)")
    s = run(src, args.out, **kw)
    print(format_summary(s))
    print(f"annotations, beats.csv, summary.json and strip written to {args.out}")
    return 0


def _annotate_folder(inputs, args, kw):
    from ..inference.batch import annotate_many

    if args.scheduler is None:
        return annotate_many(inputs, args.out, progress=sys.stderr.isatty(), report=_report_line, jobs=args.jobs, **kw)
    from ..inference.workers import connect

    with connect(args.scheduler) as client:
        return annotate_many(inputs, args.out, progress=sys.stderr.isatty(), report=_report_line, client=client, **kw)


def _report_line(line: str) -> None:
    print(line, file=sys.stderr if line.startswith("arrhythmia: error:") else sys.stdout)


def rhythm(args) -> int:
    from ..rhythm.from_annotations import format_rhythm_summary, write_rhythm_outputs

    s = write_rhythm_outputs(args.record, args.out, annotator=args.beats_from, fs=args.fs, force=args.force)
    print(format_rhythm_summary(s))
    print(f"{s['annotation_file']} and summary.json written to {args.out}")
    return 0


def demo(args) -> int:
    from ..experiments.demo import run_demo
    from ..reports.text import format_demo

    r = run_demo(args.out, model=args.model, seed=args.seed, duration=args.duration, force=args.force)
    print(format_demo(r))
    print(f"plots (noisy_vs_cleaned.png, strip.png) and annotations written to {args.out}")
    return 0
