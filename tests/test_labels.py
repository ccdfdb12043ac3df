import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.labels import AAMI_CLASSES, SYMBOL_TO_AAMI, is_beat, to_aami, to_binary


def test_de_chazal_mapping_is_complete_and_exact():
    # de Chazal et al. 2004 (Table I), plus B (BBB beat, unspecified) as N and r (R-on-T PVC) as V: neither occurs
    # in MIT-BIH; WFDB's EC57 tools map them so, and svdb has one B
    expected = {"N": "NLRejB", "S": "AaJS", "V": "VEr", "F": "F", "Q": "/fQ"}
    got = {c: "".join(sorted(s for s, k in SYMBOL_TO_AAMI.items() if k == c)) for c in AAMI_CLASSES}
    assert got == {c: "".join(sorted(v)) for c, v in expected.items()}


def test_table_is_read_only():
    with pytest.raises(TypeError):
        SYMBOL_TO_AAMI["Z"] = "N"


def test_non_beats_are_never_beats():
    non_beats = list('+~|"x[]!') + ["(AFIB", "T", "p", "t", "u", "^", "`", "'", "s"]
    assert not is_beat(non_beats).any()
    with pytest.raises(ArrhythmiaError, match="Not beat symbols"):
        to_aami(["N", "+"])


def test_labels_and_binary():
    y = to_aami(["N", "A", "V", "F", "/", "L", "E", "f"])
    np.testing.assert_array_equal(y, [0, 1, 2, 3, 4, 0, 2, 4])
    np.testing.assert_array_equal(to_binary(y), [0, 1, 1, 1, 1, 0, 1, 1])
