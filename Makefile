# The two commands of the README. Both create .venv when missing and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= small
PORT ?= 5000

.PHONY: run test system-deps lint bench-demo fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip shows its progress on a terminal; in CI logs (no terminal) it stays quiet.
PIP_QUIET := $(shell [ -t 1 ] || echo --quiet)

$(STAMP): $(BIN)/python pyproject.toml
	@echo "installing: upgrading pip…"
	@$(BIN)/pip install $(PIP_QUIET) --upgrade pip
	@echo "installing: Python dependencies (first time: a few minutes)…"
	@$(BIN)/pip install $(PIP_QUIET) -e '.[test]'
	@echo "installing: the map's JavaScript and CSS (vendored once)…"
	@$(BIN)/python -m publisher.serving.viewer.build --if-missing
	@touch $(STAMP)
	@echo "installed."

## make run: synthetic Flanders into data/vlok.sqlite (once), today's publication, then serve
## http://127.0.0.1:5000 (viewer at /, OGC API at /ogc, WFS at /wfs) until Ctrl-C.
run: $(STAMP)
	$(BIN)/vlok-publisher demo --scale $(SCALE) --if-empty
	$(BIN)/vlok-publisher publish
	$(BIN)/vlok-publisher publish-parameters
	$(BIN)/vlok-publisher serve --port $(PORT)

## make test: the Debian packages it needs (installed as root, else one line saying what to run),
## then the whole suite (SQLite and PostGIS on 127.0.0.1:5432), then ruff.
test: system-deps $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile
	$(BIN)/ruff check publisher tests benchmarks

system-deps:
	bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check publisher tests benchmarks

## make bench-demo: build the flanders-scale demo into SQLite; prints wall time and peak memory.
bench-demo: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py

## make fuzz: the long fuzz runs (WFS, OGC API, WMS) and the long property run of the rules.
fuzz: $(STAMP)
	$(BIN)/python benchmarks/fuzz_wfs.py --examples 10000
	$(BIN)/python benchmarks/fuzz_ogcapi.py --publication data/publication --examples 10000
	$(BIN)/python benchmarks/fuzz_wms.py --publication data/publication --examples 5000
	VLOK_PROPERTY_EXAMPLES=5000 $(BIN)/python -m pytest tests/rules/test_order_independence.py -q

clean:
	rm -rf $(VENV) data
