"""Rhythm analysis over a beat sequence (pure functions; nothing heavy imported here).

``runs``
    Heart rate, ectopic burden and runs of a classified beat sequence.
``af_features``
    RR-window irregularity features.
``af``
    The AF detector: probability per RR interval, episodes, WFDB rhythm marks.
``from_annotations``
    Beats read from an annotation file (no signal) and the rhythm outputs of
    ``arrhythmia rhythm REC --beats-from ANNOTATOR``.
"""
