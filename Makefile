# The two commands of the README. Both create .venv when missing and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= small
PORT ?= 5000

.PHONY: run test lint bench-demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m publisher.serving.viewer.build --if-missing
	touch $(STAMP)

## make run: synthetic Flanders into data/vlok.sqlite (once), today's publication, then serve
## http://127.0.0.1:5000 (viewer at /, OGC API at /ogc, WFS at /wfs) until Ctrl-C.
run: $(STAMP)
	$(BIN)/vlok-publisher demo --scale $(SCALE) --if-empty
	$(BIN)/vlok-publisher publish
	$(BIN)/vlok-publisher publish-parameters
	$(BIN)/vlok-publisher serve --port $(PORT)

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
