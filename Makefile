# The two commands of the README. Both create .venv when missing and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= small

.PHONY: run test lint bench-demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## make run: build synthetic Flanders into data/vlok.sqlite (once) and show today's facts.
run: $(STAMP)
	$(BIN)/vlok-publisher demo --scale $(SCALE) --if-empty
	$(BIN)/vlok-publisher flags

## make test: the whole suite (SQLite and PostGIS on 127.0.0.1:5432), then ruff.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile
	$(BIN)/ruff check publisher tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check publisher tests benchmarks

## make bench-demo: build the flanders-scale demo into SQLite; prints wall time and peak memory.
bench-demo: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py

clean:
	rm -rf $(VENV) data
