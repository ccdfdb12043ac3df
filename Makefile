# Two commands for a newcomer: `make run` and `make test`.
# Each creates .venv on first use. torch is installed pinned *before* the
# package so that pip never resolves an unpinned torch (which pulls CUDA wheels).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/arrhythmia
STAMP  := $(VENV)/.installed
TORCH  := torch==2.13.0

.PHONY: install run test test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e ".[train,dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(CLI) data fetch
	$(CLI) data summary --split inter-patient
	$(CLI) train --model morph_rr --split inter-patient --seed 0 --out runs/default

test: $(STAMP)
	$(PY) -m pytest

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

bench: $(STAMP)
	$(PY) benchmarks/bench_beats.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
