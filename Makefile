# The README's two commands, `make demo` and `make test`. Each installs what it needs on a
# fresh machine (system packages through apt-get, Python packages into .venv) and is safe to
# run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lipsync-installed
# torch is pinned and installed first: an unpinned torch pulls gigabytes of CUDA wheels.
TORCH := torch==2.13.0
WHISPER := openai-whisper>=20240930
EXTRAS := dev,torch,dlib
DEMO_DIR := demo-out

.PHONY: demo test lint typecheck docs pytest setup system-deps bench clean

demo: setup
	$(BIN)/lipsync demo --out $(DEMO_DIR)

test: setup lint typecheck docs pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy on the whole package (lipsync/; settings in pyproject.toml [tool.mypy])
typecheck: setup
	$(BIN)/mypy

# the reference site (docs/, mkdocs.yml) built with warnings as errors into site/
docs: setup
	$(BIN)/mkdocs build --strict --quiet

pytest: setup
	$(BIN)/pytest

setup: system-deps $(STAMP)

system-deps:
	@tools/install-system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# every other package at the version in constraints.txt (a tested set; see its header)
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	# the distribution was called lipsync before it became lipsync-studio: drop that install
	-$(BIN)/python -m pip uninstall --quiet --yes lipsync 2>/dev/null
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	# Whisper for the tests, without its GPU-only triton (the dev extra has its other deps)
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps "$(WHISPER)"
	@touch $@

bench: setup
	for b in bench/*.py; do grep -q "__main__" $$b || continue; \
	  echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache .mypy_cache bench/out site
