# Two commands for a newcomer: `make run` and `make test`.
# Each creates .venv on first use. torch is installed pinned *before* the
# package so that pip never resolves an unpinned torch (which pulls CUDA wheels).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/arrhythmia
STAMP  := $(VENV)/.installed
TORCH  := torch==2.13.0

.PHONY: install run test test-slow test-fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e ".[train,dev,serve,dask]"
	touch $(STAMP)

install: $(STAMP)

# With the MIT-BIH data: train the shipped recipe (train's defaults: DS1 + svdb when svdb is found, else DS1 with
# a note naming 'arrhythmia data fetch --database svdb'), evaluate it on DS2 through the whole automatic pipeline,
# annotate record 100. Without MIT-BIH: the synthetic-ECG demo. Outputs go to runs/make-run/ (replaced on a re-run:
# only this tool's own files there, see the README's Errors section).
run: $(STAMP)
	@if $(CLI) data verify > /dev/null 2>&1; then \
	  set -e; \
	  $(CLI) data summary --split inter-patient; \
	  $(CLI) train --seed 0 --out runs/make-run/model --force; \
	  $(CLI) evaluate runs/make-run/model --detect --out runs/make-run/evaluation --force; \
	  $(CLI) annotate "$$($(CLI) data path)/100" --model runs/make-run/model --out runs/make-run/annotate-100 --force; \
	else \
	  echo "MIT-BIH data not found in $$($(CLI) data path) (set ARRHYTHMIA_DATA_DIR, or run '$(CLI) data fetch'): running the demo"; \
	  $(CLI) demo --out runs/demo --force; \
	fi

test: $(STAMP)
	$(PY) -m pytest

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

test-fuzz: $(STAMP)
	$(PY) -m pytest -m fuzz_long tests/test_fuzz_properties.py

bench: $(STAMP)
	$(PY) benchmarks/bench_beats.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_annotate.py
	$(PY) benchmarks/bench_archive.py
	$(PY) benchmarks/bench_network.py
	$(PY) benchmarks/bench_serve.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
