"""One recording's pipeline: record statistics -> R-peak detection -> beat windows -> probabilities.

:func:`~arrhythmia.pipeline.segment.segment` cuts beat windows; it is the one path shared by training (at the
reference beats) and annotation (at the detected beats).
"""
