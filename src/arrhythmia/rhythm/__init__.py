"""Rhythm analysis over a classified beat sequence: heart rate, ectopic burden, runs (pure functions)."""
