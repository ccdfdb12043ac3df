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
	$(PY) -m pip install -q -e ".[train,dev,serve]"
	touch $(STAMP)

install: $(STAMP)

# With the MIT-BIH data: train the default model on DS1 (validation metrics printed),
# evaluate it on DS2, annotate record 100. Without it: the synthetic-ECG demo.
run: $(STAMP)
	@if $(CLI) data verify > /dev/null 2>&1; then \
	  set -e; \
	  $(CLI) data summary --split inter-patient; \
	  $(CLI) train --model morph_rr --split inter-patient --seed 0 --imbalance sampler --median-channels \
	    --lr-schedule cosine --epochs 3 --rr-features relative --val-fraction 0 --out runs/default --force; \
	  $(CLI) evaluate runs/default --out runs/default-evaluation --force; \
	  $(CLI) annotate "$$($(CLI) data path)/100" --model runs/default --out runs/annotate-100 --force; \
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
	$(PY) benchmarks/bench_serve.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
