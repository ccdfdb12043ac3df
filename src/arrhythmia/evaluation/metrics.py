"""Classification metrics as pure functions of a confusion matrix.

Conventions
-----------
* Confusion matrices have the *reference* class on rows and the *predicted*
  class on columns, in :data:`arrhythmia.labels.AAMI_CLASSES` order.
* A ratio whose denominator is zero is **undefined** and returned as
  ``nan`` (written ``null`` in JSON, ``n/a`` in reports), never as 0 or 1.
* Macro averages run over N, S, V, F (class Q has 7-8 beats per DS side and
  is reported but not averaged), over the classes where the value is defined.
* EC57 gross statistics for VEB and SVEB follow de Chazal et al. (2004,
  section II-D) reading of ANSI/AAMI EC57: beats whose reference class is Q
  are left out of both; for VEB, reference F beats classified as V are not
  counted as false positives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..labels import AAMI_CLASSES

MACRO_CLASSES: tuple[str, ...] = ("N", "S", "V", "F")


def _div(a, b) -> float:
    return float(a) / float(b) if b else float("nan")


def confusion_matrix(y_true, y_pred, n_classes: int = len(AAMI_CLASSES)) -> np.ndarray:
    """Counts of (reference, predicted) pairs, shape (n_classes, n_classes).

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Class indices.
    n_classes : int
    """
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {t.shape} vs {p.shape}")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def class_stats(cm: np.ndarray, classes=AAMI_CLASSES) -> dict[str, dict[str, float]]:
    """One-vs-rest statistics per class.

    Returns
    -------
    dict
        ``{class: {tp, fn, fp, tn, support, se, ppv, spec, fpr, f1}}`` where
        ``se`` = TP/(TP+FN) (sensitivity, recall), ``ppv`` = TP/(TP+FP)
        (positive predictivity, precision), ``spec`` = TN/(TN+FP),
        ``fpr`` = FP/(FP+TN), ``f1`` = 2TP/(2TP+FP+FN).
    """
    cm = np.asarray(cm)
    total = cm.sum()
    out = {}
    for i, c in enumerate(classes):
        tp = int(cm[i, i])
        fn = int(cm[i].sum() - tp)
        fp = int(cm[:, i].sum() - tp)
        tn = int(total - tp - fn - fp)
        out[c] = {
            "tp": tp, "fn": fn, "fp": fp, "tn": tn, "support": tp + fn,
            "se": _div(tp, tp + fn), "ppv": _div(tp, tp + fp),
            "spec": _div(tn, tn + fp), "fpr": _div(fp, fp + tn),
            "f1": _div(2 * tp, 2 * tp + fp + fn),
        }
    return out


def macro(stats: dict, key: str = "f1", classes=MACRO_CLASSES) -> float:
    """Mean of ``stats[c][key]`` over ``classes`` where it is defined (nan if none is)."""
    vals = [stats[c][key] for c in classes if not np.isnan(stats[c][key])]
    return float(np.mean(vals)) if vals else float("nan")


def ec57_gross(cm: np.ndarray) -> dict[str, dict[str, float]]:
    """EC57 gross VEB and SVEB statistics from a pooled confusion matrix.

    Returns
    -------
    dict
        ``{'VEB': {...}, 'SVEB': {...}}`` each with tp, fn, fp, tn, se, ppv, fpr, spec.
    """
    cm = np.asarray(cm)
    n, s, v, f, q = (AAMI_CLASSES.index(c) for c in "NSVFQ")
    keep = [n, s, v, f]  # reference Q beats are excluded
    sub = cm[keep]       # rows: reference N S V F; columns: all predicted classes
    out = {}
    for name, cls, skip_fp_rows in (("VEB", v, {f}), ("SVEB", s, set())):
        r = keep.index(cls)
        tp = int(sub[r, cls])
        fn = int(sub[r].sum() - tp)
        fp = int(sum(sub[keep.index(k), cls] for k in keep if k != cls and k not in skip_fp_rows))
        tn = int(sub.sum() - tp - fn - fp - sum(sub[keep.index(k), cls] for k in skip_fp_rows))
        out[name] = {"tp": tp, "fn": fn, "fp": fp, "tn": tn, "se": _div(tp, tp + fn), "ppv": _div(tp, tp + fp),
                     "fpr": _div(fp, fp + tn), "spec": _div(tn, tn + fp)}
    return out


@dataclass
class ClassificationReport:
    """Everything computed from one confusion matrix.

    Attributes
    ----------
    cm : ndarray (5, 5)
    per_class : dict
        :func:`class_stats`.
    accuracy : float
    macro_f1, macro_se, macro_ppv : float
        Over N, S, V, F.
    ec57 : dict
        :func:`ec57_gross`.
    """

    cm: np.ndarray
    per_class: dict = field(default_factory=dict)
    accuracy: float = float("nan")
    macro_f1: float = float("nan")
    macro_se: float = float("nan")
    macro_ppv: float = float("nan")
    ec57: dict = field(default_factory=dict)

    @classmethod
    def from_cm(cls, cm) -> "ClassificationReport":
        cm = np.asarray(cm, dtype=np.int64)
        st = class_stats(cm)
        return cls(cm=cm, per_class=st, accuracy=_div(np.trace(cm), cm.sum()),
                   macro_f1=macro(st, "f1"), macro_se=macro(st, "se"), macro_ppv=macro(st, "ppv"),
                   ec57=ec57_gross(cm))

    def headline(self) -> dict[str, float]:
        """The figures that matter first: S and V Se/+P, then macro-F1 and accuracy."""
        p = self.per_class
        return {"S_se": p["S"]["se"], "S_ppv": p["S"]["ppv"], "V_se": p["V"]["se"], "V_ppv": p["V"]["ppv"],
                "macro_f1": self.macro_f1, "accuracy": self.accuracy}

    def to_dict(self) -> dict:
        """JSON-ready (nan -> None)."""
        def clean(o):
            if isinstance(o, dict):
                return {k: clean(v) for k, v in o.items()}
            if isinstance(o, float) and np.isnan(o):
                return None
            return o
        return clean({
            "classes": list(AAMI_CLASSES), "confusion_matrix": self.cm.tolist(), "per_class": self.per_class,
            "accuracy": self.accuracy, "macro_f1": self.macro_f1, "macro_se": self.macro_se,
            "macro_ppv": self.macro_ppv, "macro_classes": list(MACRO_CLASSES), "ec57_gross": self.ec57,
        })


def evaluate_predictions(y_true, y_pred) -> ClassificationReport:
    """:class:`ClassificationReport` of integer predictions."""
    return ClassificationReport.from_cm(confusion_matrix(y_true, y_pred))
