"""Drivers that run the library end to end and score it (noise stress test, ...); nothing in the library imports them."""
