# The two commands of the README. Both set up .venv on a fresh machine first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

# the real data shipped beside the project, when it is there (see ../shared/data/README)
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/cowley2023),)
export DYNVISION_DATA ?= $(SHARED_DATA)
endif

.PHONY: demo test install

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## the main job on the embedded offline default: train briefly, score, report
demo: $(STAMP)
	$(VENV)/bin/dynvision quickstart

## the test suite (what CI runs)
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q
