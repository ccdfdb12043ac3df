"""``arrhythmia peaks --evaluate``: a registered R-peak detector on annotated WFDB records, scored as WFDB ``bxb``."""

from __future__ import annotations

from ..evaluation.detection import DetectionScore, score_detections


def evaluate_detector(data_dir, records=None, detector: str = "default", progress: bool = False,
                      start_s: float = 0.0) -> DetectionScore:
    """Run a detector (:mod:`arrhythmia.preprocessing.detectors`) on annotated WFDB records and score it.

    Parameters
    ----------
    data_dir : str or Path
    records : sequence of str, optional
        Default: the 48 MIT-BIH records.
    detector : str
        Registered name; it reads MLII (else limb lead II, else the first lead:
        MIT-BIH 102 and 104, other databases) and, when it uses two leads, the
        record's other lead, as the models do.
    start_s : float
        Start of the scored period in seconds (0: the whole record; EC57: 300).
        Scored as WFDB ``bxb`` (:func:`~arrhythmia.evaluation.detection.score_detections` with each record's
        annotations and length).
    """
    import warnings
    from pathlib import Path

    from tqdm.auto import tqdm

    from ..datasets.records import MITDB_RECORDS
    from ..io.wfdb_io import read_wfdb
    from ..preprocessing.detectors import detect, get_detector

    spec = get_detector(detector)
    leads = ("MLII", "other") if spec.leads > 1 else ("MLII",)
    records = tuple(records or MITDB_RECORDS)
    ref, det, fs, end = {}, {}, {}, {}
    for r in tqdm(records, desc="detect", unit="record", disable=not progress):
        rec = read_wfdb(Path(data_dir) / r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 102/104: no MLII, the substitute is expected here
            sel = rec.select_leads(leads if len(rec.leads) > 1 else ("MLII",))
        ref[r] = rec.annotations
        det[r] = detect(sel.signal, rec.fs, spec.name).peaks
        fs[r], end[r] = rec.fs, rec.n_samples
    return score_detections(ref, det, fs, start_s=start_s, end_samples=end)
