"""Reports: text and PDF."""
