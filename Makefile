# sitegen: `make build` builds the demo site, `make test` runs every test (`make test-fast` the quick ones).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: build test test-fast golden serve clean pygments-css

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## build: create .venv if missing, install sitegen, build the demo site into output/
build: $(STAMP)
	$(BIN)/sitegen build

## test: install the test extras and run the whole suite
test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: the suite without browser and slow tests (under a minute): pytest -m "not browser and not slow"
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

## golden: rewrite the expected trees of tests/golden/ from the current build; review them with git diff
golden: $(TEST_STAMP)
	$(BIN)/python -m pytest tests/test_golden.py --update-golden -q

## serve: the dev server on the demo site (http://127.0.0.1:8000), rebuilding on every change
serve: $(STAMP)
	$(BIN)/sitegen serve

## pygments-css: regenerate the theme's code highlighting stylesheet
pygments-css: $(STAMP)
	$(BIN)/python -c "from pygments.formatters import HtmlFormatter as F; dark = F(style='monokai').get_style_defs('.highlight').replace(chr(10), chr(10) + '  '); print('/* Code highlighting for the default theme, from Pygments (friendly light, monokai dark).\n   Regenerate with: make pygments-css */'); print(F(style='friendly').get_style_defs('.highlight')); print('\n@media (prefers-color-scheme: dark) {\n  ' + dark + '\n}')" > themes/default/static/css/pygments.css

clean:
	rm -rf output .sitegen-cache
