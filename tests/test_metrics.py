"""Metrics against confusion matrices computed by hand."""

import math

import numpy as np
import pytest

from arrhythmia.evaluation.metrics import ClassificationReport, class_stats, confusion_matrix, ec57_gross, macro

N, S, V, F, Q = range(5)
#            reference            predicted
Y_TRUE = [N, N, N, N, S, S, V, V, V, F]
Y_PRED = [N, N, S, V, S, N, V, V, F, V]
# By hand (rows reference, columns predicted, order N S V F Q):
CM = [[2, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 2, 1, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0]]


def test_confusion_matrix_by_hand():
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), CM)


def test_class_stats_by_hand():
    st = class_stats(np.array(CM))
    # N: TP 2, FN 2, FP 1 (S->N), TN 5
    assert (st["N"]["tp"], st["N"]["fn"], st["N"]["fp"], st["N"]["tn"]) == (2, 2, 1, 5)
    assert st["N"]["se"] == pytest.approx(0.5) and st["N"]["ppv"] == pytest.approx(2 / 3)
    assert st["N"]["spec"] == pytest.approx(5 / 6) and st["N"]["fpr"] == pytest.approx(1 / 6)
    assert st["N"]["f1"] == pytest.approx(4 / 7)
    # V: TP 2, FN 1, FP 2 (N->V, F->V), TN 5
    assert st["V"]["se"] == pytest.approx(2 / 3) and st["V"]["ppv"] == pytest.approx(0.5)
    assert st["V"]["f1"] == pytest.approx(4 / 7)
    # S: TP 1, FN 1, FP 1
    assert st["S"]["se"] == st["S"]["ppv"] == st["S"]["f1"] == pytest.approx(0.5)
    # F: present but never right: defined and zero
    assert st["F"]["se"] == 0 and st["F"]["ppv"] == 0 and st["F"]["f1"] == 0
    # Q: no reference and no predicted beat: undefined, not 0 and not 1
    assert math.isnan(st["Q"]["se"]) and math.isnan(st["Q"]["ppv"]) and math.isnan(st["Q"]["f1"])
    assert st["Q"]["spec"] == 1.0 and st["Q"]["fpr"] == 0.0


def test_macro_and_accuracy_by_hand():
    rep = ClassificationReport.from_cm(CM)
    assert rep.accuracy == pytest.approx(0.5)
    assert rep.macro_f1 == pytest.approx((4 / 7 + 0.5 + 4 / 7 + 0) / 4)  # Q left out
    assert rep.macro_se == pytest.approx((0.5 + 0.5 + 2 / 3 + 0) / 4)


def test_ec57_gross_by_hand():
    g = ec57_gross(np.array(CM))
    # VEB: TP 2, FN 1 (V->F), FP 1 (N->V; F->V is not a false positive), TN 10-2-1-1-1 = 5
    assert (g["VEB"]["tp"], g["VEB"]["fn"], g["VEB"]["fp"], g["VEB"]["tn"]) == (2, 1, 1, 5)
    assert g["VEB"]["se"] == pytest.approx(2 / 3) and g["VEB"]["ppv"] == pytest.approx(2 / 3)
    assert g["VEB"]["fpr"] == pytest.approx(1 / 6)
    # SVEB: TP 1, FN 1, FP 1 (N->S), TN 7
    assert (g["SVEB"]["tp"], g["SVEB"]["fn"], g["SVEB"]["fp"], g["SVEB"]["tn"]) == (1, 1, 1, 7)
    assert g["SVEB"]["fpr"] == pytest.approx(1 / 8)


def test_ec57_excludes_reference_q():
    cm = np.zeros((5, 5), int)
    cm[N, N] = 10
    cm[V, V] = 3
    cm[Q, V] = 4  # reference Q called V: excluded, not a false positive
    cm[Q, S] = 2
    g = ec57_gross(cm)
    assert g["VEB"]["fp"] == 0 and g["VEB"]["ppv"] == 1.0
    assert g["SVEB"]["tp"] == 0 and g["SVEB"]["fp"] == 0
    assert math.isnan(g["SVEB"]["se"]) and math.isnan(g["SVEB"]["ppv"])  # no S at all: undefined
    # but plain one-vs-rest stats do count them
    assert class_stats(cm)["V"]["fp"] == 4


def test_empty_classes_do_not_crash_and_stay_undefined():
    rep = ClassificationReport.from_cm(confusion_matrix([N, N, N], [N, N, N]))
    assert rep.accuracy == 1.0
    for c in "SVFQ":
        assert math.isnan(rep.per_class[c]["se"]) and math.isnan(rep.per_class[c]["f1"])
    assert rep.macro_f1 == 1.0  # mean over the classes where F1 is defined (only N)
    d = rep.to_dict()
    assert d["per_class"]["S"]["se"] is None  # JSON null, never 0 or 1
    from arrhythmia.reports.text import format_classification

    assert "n/a" in format_classification(rep)
    empty = ClassificationReport.from_cm(np.zeros((5, 5), int))
    assert math.isnan(empty.accuracy) and math.isnan(empty.macro_f1)
    assert math.isnan(macro(class_stats(np.zeros((5, 5))), "f1"))
