# Everyday commands. Each target creates .venv on first use, so a fresh machine needs only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: audit test bench samples clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "routekit needs Python 3.11 or newer \
	(its price catalog, genai-prices, does); $(PYTHON) is $$($(PYTHON) -V 2>&1). Run: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## The main job: every sample client, end to end.
audit: $(STAMP)
	$(BIN)/routekit batch sample_data

## The whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

## Benchmarks (not timed tests): 1 M and 10 M calls, each step in its own process, against DuckDB alone and a
## hand-written pandas pipeline; results go to benchmarks/RESULTS.md (~5 min once its ~6 GB of data are generated; the first run generates them).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --rows 1000000 10000000

## Regenerate the committed synthetic sample clients (seeded, deterministic).
samples: $(STAMP)
	$(BIN)/python sample_data/generate.py

clean-venv:
	rm -rf $(VENV)
