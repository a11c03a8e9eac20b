# mmseg_zs3: the two commands of the README.
#   make demo   set up .venv if needed, then run the main job on the built-in default
#   make test   set up .venv if needed, then run the whole test suite
# Setup is idempotent; TORCH_VERSION=... picks another torch (default 2.13.0),
# MMSEG_ZS3_CACHE=... moves the mmcv wheel cache (default ~/.cache/mmseg_zs3).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test clean

setup:
	@PYTHON=$(PYTHON) bash tools/setup_env.sh

demo: setup
	@$(PY) tools/demo.py

test: setup
	@$(PY) -m pytest tests

clean:
	rm -rf work_dirs data/toy_shapes
