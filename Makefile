# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install rehabplan, generate a real plan from examples/
#   make test   install the test extras (and the system tools the tests use), run the suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PROFILE ?= examples/maria-pes-anserine.yaml
DEMO_OUT ?= build/demo

.PHONY: demo test bench lint clean syslibs test-tools bench-tools

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rehabplan needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

# WeasyPrint draws text with Pango, a system library pip cannot install.
syslibs:
	@ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' \
	  || { echo "rehabplan needs Pango for PDF output: apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; }

# Tools the tests drive as a user would: pdftotext/pdftoppm (poppler-utils), qpdf, Chromium.
# Installed with apt when missing and we may (root, apt-get present); otherwise those tests skip.
TEST_TOOLS := pdftotext:poppler-utils qpdf:qpdf chromium:chromium
# The feed benchmark compares against nginx and loads both with wrk.
BENCH_TOOLS := nginx:nginx wrk:wrk
test-tools: TOOLS = $(TEST_TOOLS)
bench-tools: TOOLS = $(BENCH_TOOLS)
test-tools bench-tools:
	@missing=""; for pair in $(TOOLS); do cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  command -v $$cmd >/dev/null || [ -x /usr/sbin/$$cmd ] || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing; tests that need them will skip"; \
	  else echo "note: missing$$missing (apt-get install$$missing); tests that need them will skip"; fi; \
	fi

demo: $(VENV)/.installed syslibs
	@if [ -d exercises ] && ls exercises/*.yaml >/dev/null 2>&1; then :; else echo "exercises/ missing"; exit 1; fi
	$(BIN)/rehabplan exercises validate
	$(BIN)/rehabplan plan $(DEMO_PROFILE) --out $(DEMO_OUT)
	@echo "Demo plan written to $(DEMO_OUT)/ (open handout.pdf; import plan.ics into a calendar)"

test: $(VENV)/.installed-test syslibs test-tools
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test syslibs test-tools bench-tools
	$(BIN)/python benchmarks/bench_handout.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_feeds.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check rehabplan tests benchmarks
	$(BIN)/ruff format --check rehabplan tests benchmarks

clean:
	rm -rf build dist .pytest_cache
