# The course's commands. `make lab` to learn, `make test` to check everything.
# Both create (or reuse) a virtual environment in .venv from the pins in pyproject.toml.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.course-installed
KERNEL ?= cnn-course
PORT   ?= 8888
# Jupyter refuses to run as root (containers, CI) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install install-browser lab test test-colab lint strip data colab learner slides executed rehearsal clean

help:
	@echo "make lab      start JupyterLab on notebooks/ (creates .venv on first use)"
	@echo "make test     run unit tests and every lesson (smoke profile) through nbval"
	@echo "make test-colab  run every Colab export on Colab's versions (tools/colab_stack.txt)"
	@echo "make install  only create/update .venv"
	@echo "make lint     ruff on course_utils, tests and notebooks"
	@echo "make strip    remove outputs from the lessons before committing"
	@echo "make data     show which data sets are present (real or stand-in)"
	@echo "make colab    write dist/colab/NN_*.ipynb: lessons that run alone in Colab"
	@echo "make learner  write dist/learner/NN_*.ipynb: lessons with empty exercise cells"
	@echo "make slides   write build/slides/NN_*.slides.html: one reveal.js deck per lesson"
	@echo "make executed PROFILE=cpu [LESSONS=\"01 03\"]"
	@echo "              run lessons; notebooks, web pages and decks with outputs in build/executed/"
	@echo "make rehearsal [PROFILE=cpu] [LESSONS=\"02 04\"]"
	@echo "              every lesson in order through the real download path, from a local mirror"
	@echo "              of rehearsal data (real formats, stand-in pictures); build/rehearsal/"
	@echo "make install-browser  add Playwright, for the real-browser tests (needs Chromium too)"

# JupyterLab settings the course ships: no "news?" pop-up and no update check (a classroom
# network cannot answer them). An app-level override inside .venv: a learner's own settings
# (~/.jupyter/lab/user-settings) are neither read nor changed, and still win.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

install: $(STAMP) $(LAB_OVERRIDES)

$(LAB_OVERRIDES): tools/jupyterlab/overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

# Re-installs only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed"' \
	  || { echo "error: $(PYTHON) is older than 3.11; set PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) \
	  || { echo "error: could not create $(VENV). On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --progress-bar on -e .
	@touch $(STAMP)

# The real-browser tests (tests/test_browser.py) also need Chromium: apt-get install chromium.
install-browser: install
	$(BIN)/python -m pip install --progress-bar on -e '.[browser]'

lab: install
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python ($(KERNEL))"
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

test: install
	$(BIN)/python -m pytest

# A separate environment with Colab's versions (.venv-colab); LESSONS="01 05" for some only.
test-colab: install
	$(BIN)/python tools/test_colab.py $(LESSONS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check course_utils tests

# Before committing lessons: clear outputs, then write the slide metadata (tools/slides.py).
strip: install
	$(BIN)/jupyter nbconvert --clear-output --inplace \
	  --ClearMetadataPreprocessor.enabled=True \
	  --ClearMetadataPreprocessor.preserve_cell_metadata_mask='[("tags"),("jupyter"),("slideshow")]' \
	  --ClearMetadataPreprocessor.preserve_nb_metadata_mask='[("kernelspec"),("language_info","name")]' \
	  notebooks/*.ipynb
	$(BIN)/python tools/slides.py tag

data: install
	$(BIN)/python -m course_utils data

# Generated from notebooks/ into dist/ (git-ignored); never edit the exports by hand.
colab: install
	$(BIN)/python tools/export.py colab

learner: install
	$(BIN)/python tools/export.py learner

# Decks use local copies of reveal.js & co. (downloaded once); ASSETS=cdn to load them online.
ASSETS ?= auto
slides: install
	$(BIN)/python tools/slides.py build --assets $(ASSETS) $(LESSONS)

# PROFILE: smoke, cpu or full (unset: full with a GPU, else cpu). LESSONS: e.g. "01 03" (all).
executed: install
	$(BIN)/python tools/execute.py --assets $(ASSETS) $(if $(PROFILE),--profile $(PROFILE),) $(LESSONS)

# A dress rehearsal of the learner's journey (tools/rehearse.py): fresh data folder and HOME,
# every download from a mirror on 127.0.0.1; writes build/rehearsal/<profile>/SUMMARY.md.
rehearsal: install
	$(BIN)/python tools/rehearse.py --profile $(or $(PROFILE),cpu) $(LESSONS)

clean:
	rm -rf build dist .pytest_cache .ruff_cache
