# ice287g — two commands: `make all` builds everything from raw files, `make test` checks it.
SHELL := /bin/bash
.DEFAULT_GOAL := all

# The Python the environment is built with: the one named (`make all PYTHON=/path/to/python3.13`); else the
# one that built .venv, while it still runs; else the newest python3.X on the PATH that runs (a pyenv shim
# of a version not selected does not), python3 if none does. pyproject.toml's requires-python says which
# versions are supported.
ifndef PYTHON
PYTHON := $(shell p=$$(cat .venv/.python 2>/dev/null) && [ -x "$$p" ] && echo $$p && exit; \
                  for v in 20 19 18 17 16 15 14 13 12 11; do p=$$(command -v python3.$$v) && $$p -c '' 2>/dev/null && echo $$p && exit; done; \
                  command -v python3)
endif
VENV   := .venv
# uv installs straight from uv.lock: the uv on the PATH, else the one in .venv. Where there is none, pip
# installs the lock's uv into .venv first (a few seconds), and uv the rest (a fraction of pip's time).
# INSTALLER=pip installs everything with pip from requirements.txt, the lock's export, instead. Either way
# the installed modules are compiled to bytecode once: where PYTHONDONTWRITEBYTECODE is set, Python would
# otherwise compile pandas, matplotlib and the rest again in every process (about 4 s each: the build,
# every kernel, every test that starts one).
# The project's own modules and tests are compiled once too, into their __pycache__ folders (ignored by git):
# where PYTHONDONTWRITEBYTECODE is set, every test worker, kernel and command compiled them again, and
# pytest rewrote every test file's asserts again (about 2 s a test worker).
export PYTHONDONTWRITEBYTECODE :=
UV     ?= $(or $(shell command -v uv),$(wildcard $(VENV)/bin/uv))
INSTALLER ?= uv
PY     := $(VENV)/bin/python
STAMP  := .build
# Folders a build writes into (keep in step with ice287g.tables.writers.OUTPUT_DIRS; a test checks they agree).
OUTPUT_DIRS := data/processed data/qa figures notebooks
INSTALLED := $(VENV)/.installed
# Which Python built .venv: rewritten (so the environment is rebuilt) when another one is named.
PYTHON_STAMP := $(VENV)/.python
$(shell [ -d $(VENV) ] && [ "$$(cat $(PYTHON_STAMP) 2>/dev/null)" != "$(PYTHON)" ] && echo "$(PYTHON)" > $(PYTHON_STAMP))

RAW_FILES  := $(shell find data/raw -type f ! -name .landing.lock 2>/dev/null | sort)
HAND_FILES := $(shell find data/hand -type f 2>/dev/null | sort)
# The table schemas (src/ice287g/tables/**/*.yaml) are among them: the codebook is rebuilt from them, and no
# notebook depends on them (ice287g.build.stages), so editing a table's description reruns no notebook.
SRC_FILES  := $(shell find src/ice287g -type f \( -name '*.py' -o -name '*.mplstyle' -o -name '*.yaml' \) 2>/dev/null | sort)
# The reader pages' templates, stylesheet and search script: only the reports depend on them.
PAGE_FILES := $(shell find src/ice287g/publish/templates -type f 2>/dev/null | sort)

.PHONY: all env verify notebooks reports release site test test-unit test-integration test-unbuilt test-built test-notebooks test-browser test-repro bench lab lock clean distclean
.DELETE_ON_ERROR:
# Serial: every stage updates figures/manifest.csv and data/qa/qa_summary.csv in place, so two notebooks
# run at once (make -j) would drop each other's rows. Speed comes from running less, not running together.
.NOTPARALLEL:

all: verify notebooks

# ---- environment -------------------------------------------------------------------------
env: $(INSTALLED)

$(INSTALLED): requirements.txt uv.lock pyproject.toml $(wildcard $(PYTHON_STAMP))
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	  || { echo "make: '$(PYTHON)' is not Python 3.11 or newer; name one: make all PYTHON=/path/to/python3.13" >&2; exit 1; }
	@# an environment built by another Python is rebuilt, not mixed
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import sys; print(sys.version_info[:2])')" != "$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then \
	  echo "make: $(VENV) was built with another Python; rebuilding it with $(PYTHON)"; rm -rf $(VENV); fi
ifeq ($(INSTALLER),uv)
	@if [ -z "$(UV)" ] || [ ! -x "$(UV)" ]; then test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	  echo "$(PY) -m pip install uv (the lock's version)"; \
	  $(PY) -m pip install --quiet "$$(grep -m1 '^uv==' requirements.txt)"; fi
	UV_PROJECT_ENVIRONMENT=$(VENV) $(or $(UV),$(VENV)/bin/uv) sync --frozen --all-groups --python $(PYTHON) --quiet \
	  --compile-bytecode
else
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m compileall -q -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null
endif
	$(PY) -m ipykernel install --sys-prefix --name ice287g --display-name "Python (ice287g)" >/dev/null
	@echo "$(PYTHON)" > $(PYTHON_STAMP)
	@touch $@

# ---- data --------------------------------------------------------------------------------
# Every raw file against its manifest, again whenever a raw file or a source folder changes (`ice287g run`
# checks too, before any kernel starts).
verify: $(STAMP)/verified
$(STAMP)/verified: $(RAW_FILES) $(sort $(dir $(RAW_FILES))) $(INSTALLED)
	@mkdir -p $(STAMP)
	$(PY) -m ice287g verify-raw
	@touch $@

# One stamp per notebook. The notebooks (NOTEBOOKS, in run order) and each one's prerequisites beyond its
# source, what it reads (raw source folders, hand tables, the stamps of the stages whose tables it reads,
# the package modules it imports), are declared in ice287g.build.registry and written to $(STAMP)/deps.mk,
# which make rewrites and rereads whenever a package module or notebook changes. Editing a detention hand
# table reruns 04_detention, not 01.
# A stale notebook is not run by its own rule: the rule removes its stamp (so what reads it is stale
# too) and queues it; `run-queued` then runs the queue in one process on one kernel, in pipeline
# order, every notebook writing into one stage (.build/stage/); only when all have passed are their
# outputs committed together, and then every one is stamped. One process pays for Python, the kernel
# and the imports once instead of once per notebook; a failed or interrupted run commits nothing and
# stamps none, so the next make runs the whole queue again.
QUEUE := $(STAMP)/queue
# Every notebook queued since `make test` began (its nbval run leaves them out: they were just re-executed)
REBUILT := $(STAMP)/rebuilt
define notebook_rule
$(STAMP)/$(1).done: notebooks/$(1).py $(INSTALLED) | verify
	@mkdir -p $(STAMP)
	@rm -f $$@ && echo $(1) >> $(QUEUE) && echo $(1) >> $(REBUILT) && echo "queued $(1)"
endef

.PHONY: run-queued
run-queued: $(INSTALLED)
	@if [ -s $(QUEUE) ]; then echo "$(PY) -m ice287g run --queued"; $(PY) -m ice287g run --queued; fi

DEPS := $(STAMP)/deps.mk
$(DEPS): $(SRC_FILES) $(wildcard notebooks/*.py) $(INSTALLED)
	$(PY) -m ice287g make-deps
# Goals that run no notebook never need it; nor does a dry run (make -n) before the environment exists,
# which would otherwise install it to write deps.mk (it then plans the environment and no notebook).
NO_DEPS_GOALS := clean distclean env lock lab update test-unit test-integration test-unbuilt
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifeq ($(if $(wildcard $(INSTALLED)),,$(findstring n,$(firstword -$(MAKEFLAGS)))),)
include $(DEPS)
endif
endif
$(foreach nb,$(NOTEBOOKS),$(eval $(call notebook_rule,$(nb))))

notebooks: $(STAMP)/docs.done

# Generated pages, written once every notebook has run: the figure gallery (figures/README.md), the
# README's at-a-glance numbers, and docs/codebook.md (from the table schemas, row counts from the outputs).
# The queue runs (order-only: it never makes the pages stale by itself) once every stale notebook is queued.
$(STAMP)/docs.done: $(NOTEBOOKS:%=$(STAMP)/%.done) $(SRC_FILES) | run-queued
	$(PY) -m ice287g docs
	@touch $@

# ---- keeping current (the only target that uses the network) -----------------------------
# `make update` lands ICE's newest lists and workbooks in data/raw; UPDATE_ARGS passes options,
# e.g. `make update UPDATE_ARGS=--wanted` or `UPDATE_ARGS="--since 2019-01-01 --until 2019-12-31"`.
.PHONY: update
UPDATE_ARGS ?=
update: $(INSTALLED)
	$(PY) -m ice287g update $(UPDATE_ARGS)

# ---- per-state reports (not committed) ----------------------------------------------------
# reports/states/XX.{ipynb,html} for every state that ever had an agreement, reports/notebooks/*.html (code
# hidden), the front page reports/index.html and the agency search reports/agencies.html. Two kernels at a
# time by default (REPORT_JOBS=1 for one), starts guarded by a lock.
REPORT_JOBS ?=
reports: $(STAMP)/reports.done

$(STAMP)/reports.done: $(STAMP)/docs.done notebooks/state_report.py $(SRC_FILES) $(PAGE_FILES)
	$(PY) -m ice287g reports $(if $(REPORT_JOBS),--jobs $(REPORT_JOBS))
	@touch $@

# ---- data release (not committed, not part of `all` or `test`) ----------------------------------
# dist/ice287g-data-<newest list date>.zip: the processed tables as CSV, Parquet and (four of them) Stata,
# the GeoPackage, a reporters' workbook and a Frictionless datapackage.json; byte-identical across runs.
release: $(STAMP)/docs.done
	$(PY) -m ice287g release

# ---- the published site (not committed) ---------------------------------------------------
# site/: the whole site, served as its own web root (GitHub Pages, .github/workflows/pages.yml; locally
# `python -m http.server -d site`): the reports' pages of the newest list and every file they link, the
# release among them (ice287g.publish.site). `make reports` alone stays for parameter runs.
site: reports release
	$(PY) -m ice287g site

# ---- checks ------------------------------------------------------------------------------
# Two lanes, so that both cores stay busy. The build's lane runs `make all`, the reports, the site and what
# checks them; the tests that need no build (test-unbuilt: the integration tests, each in a throwaway project
# of its own, and the unit tests) run beside it at a lower priority (nice), taking what the build leaves idle:
# `make all` runs the notebooks one at a time in one kernel, the browser mostly waits for pages. Their output
# is shown once both lanes are done, and either failing fails `make test`; test-repro runs last.
# Every notebook is re-executed once: by `make all` when it was stale (the queue lists it in $(REBUILT); its
# outputs are then held to the committed ones by test-repro), else by nbval in a fresh kernel of its own.
test: $(INSTALLED)
	@mkdir -p $(STAMP) && rm -f $(REBUILT)
	@nice -n 10 $(MAKE) --no-print-directory test-unbuilt > $(STAMP)/test-beside.log 2>&1 & beside=$$!; \
	  $(MAKE) --no-print-directory all test-browser test-built test-notebooks NBVAL_SKIP_REBUILT=1; built=$$?; \
	  wait $$beside; passed=$$?; \
	  echo "---- make test-unbuilt (the integration and unit tests, beside the build): exit $$passed ----"; \
	  cat $(STAMP)/test-beside.log; \
	  [ $$built -eq 0 ] && [ $$passed -eq 0 ]
	@$(MAKE) --no-print-directory test-repro

# The unit tests need no build (a fresh clone passes them) and run on every core: TEST_JOBS workers (the
# machine's cores by default; TEST_JOBS=1 for one), each file whole on one worker, so the tests of a file
# share its module fixtures and never race each other on a path (--dist loadfile). Files go out in the
# order tests/conftest.py sets, the long ones first (--no-loadscope-reorder: pytest-xdist would otherwise
# send the files with the most tests first, and a long file of few tests would run alone at the end).
# Tests marked `built` read what only a build leaves outside git (.build/, reports/, the release in dist/):
# test-built, after the release (which `make test` has already made for the site). Tests
# marked `integration` run whole commands or builds (update and add as subprocesses against loopback servers,
# stages of notebooks in kernels, an import of the whole archive, the whole history build again), each in a
# throwaway project where it writes: test-integration, one process, beside `make all`.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
XDIST := -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder
UNIT_TESTS := tests --ignore=tests/repro --ignore=tests/browser
test-unit: $(INSTALLED)
	$(PY) -m pytest $(UNIT_TESTS) -m "not built and not integration" $(XDIST)

test-integration: $(INSTALLED)
	$(PY) -m pytest $(UNIT_TESTS) -m integration -p no:cacheprovider

# Both tiers in one session on every core (the files with integration tests first: tests/conftest.py), as
# `make test` runs them beside the build: one import and collection per worker instead of one per tier.
test-unbuilt: $(INSTALLED)
	$(PY) -m pytest $(UNIT_TESTS) -m "not built" $(XDIST) -p no:cacheprovider

test-built: $(STAMP)/docs.done release
	$(PY) -m pytest $(UNIT_TESTS) -m built

# One notebook at a time: with two pytest-xdist workers, nbval's kernels died at start-up in one run of
# three (nbval starts each kernel itself, outside the lock `ice287g reports` starts its kernels under).
# NBVAL_SKIP_REBUILT=1 (make test) leaves out the notebooks this build has just run ($(REBUILT)).
NBVAL_NOTEBOOKS = $(filter-out $(if $(NBVAL_SKIP_REBUILT),$(shell cat $(REBUILT) 2>/dev/null)),$(NOTEBOOKS))
test-notebooks: $(INSTALLED)
	$(if $(NBVAL_NOTEBOOKS),$(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider $(NBVAL_NOTEBOOKS:%=notebooks/%.ipynb),@echo "test-notebooks: every notebook was re-executed by this build (.build/rebuilt); nbval has none left to run")

# The site in headless Chromium driven by Selenium: Debian's `chromium` and `chromium-driver`, or Ubuntu's
# and GitHub's runners' Chrome and chromedriver (.ci/run installs Debian's where neither is there; the tests
# skip without them).
test-browser: site
	$(PY) -m pytest -p no:cacheprovider tests/browser

# Last: committed outputs must equal what this build (and the nbval re-run) wrote.
test-repro: $(INSTALLED)
	$(PY) -m pytest tests/repro

bench: $(INSTALLED)
	$(PY) -m ice287g.build.bench

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

# Re-resolve uv.lock for every supported Python after changing dependencies (`UPGRADE=--upgrade` takes the
# newest releases), then write its pip export requirements.txt and environment.yml from it.
lock: $(INSTALLED)
	$(VENV)/bin/uv lock $(UPGRADE)
	$(VENV)/bin/uv export --frozen --no-hashes --no-emit-project --all-groups --format requirements-txt --quiet \
	  | sed '1s/^/# Generated from uv.lock by `make lock`: pip installs this where uv is absent. Do not edit.\n/' > requirements.txt
	$(PY) -m ice287g.build.lockpins

# Removes every generated output and the build stamps (not the environment): the next `make all` is cold.
clean:
	rm -rf $(STAMP) reports data/processed/* data/qa/* figures/*
	@# the globs above skip dotfiles: temp files a killed writer left (ice287g.core.files.STALE_TEMP)
	find $(OUTPUT_DIRS) -name '.*.tmp-*' -type f -delete 2>/dev/null || true
	@# every executed notebook: clean reads no deps.mk, so it does not know the notebook list
	rm -f notebooks/*.ipynb

# Also the environment and the parse cache (.cache/, which `clean` keeps: each raw file parsed once).
distclean: clean
	rm -rf $(VENV) .cache
