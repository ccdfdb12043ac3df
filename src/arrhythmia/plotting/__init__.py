"""Every figure the package draws (matplotlib, imported inside the functions, Agg backend)."""
