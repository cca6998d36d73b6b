# The two commands of the README. Both set up .venv on a fresh machine first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

# the real data shipped beside the project, when it is there (see ../shared/data/README)
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/cowley2023),)
export DYNVISION_DATA ?= $(SHARED_DATA)
endif

# the suite as CI runs it (with the data folder found above, so that .ci/run can run
# it outside make); the 15 slowest tests are listed at the end of the log
PYTEST := $(if $(DYNVISION_DATA),env DYNVISION_DATA=$(DYNVISION_DATA) )$(VENV)/bin/python -m pytest -q --durations=15

.PHONY: demo test install lint

# setuptools prints a notice on every editable install ("Editable installation ... be careful
# with folders ... of the same name"): information, not a problem of this project, so it is hidden
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS='ignore:Editable installation' $(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## the main job on the embedded offline default: train briefly, score, report
demo: $(STAMP)
	$(VENV)/bin/dynvision quickstart

## static checks (CI runs them before the tests): ruff (pyflakes, import order, complexity <= 10)
## and mypy on the public API; both configured in pyproject.toml
lint: $(STAMP)
	$(VENV)/bin/ruff check dynvision brain_models benchmarks tests perf
	$(VENV)/bin/mypy

## the test suite (what CI runs)
test: $(STAMP)
	$(PYTEST)

