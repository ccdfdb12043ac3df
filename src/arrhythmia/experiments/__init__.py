"""Drivers that train and predict, then score: cross-validation, benchmark, evaluation on a split's test side,
the whole automatic pipeline, the demo. Nothing in the library below this package imports it."""
