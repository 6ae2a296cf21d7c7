# DistillBench set-up: `make bench` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libpython3-dev python3-matplotlib python3-pip unzip pkg-config
SUITE ?= benchmarks/default.yaml
## Worker processes for `make bench` (one per core; each gets cores / JOBS threads).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: bench test deps data build smoke slurm-test perf clean-results

## Install system packages that are missing (apt; needs root or sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## Fetch and verify the real datasets into ~/.cache/distillbench (override with DISTILLBENCH_CACHE):
## ml-100k for the default suite, ml-1m and book-crossing for the full one and their anchor tests.
REAL_DATASETS := ml-100k ml-1m book-crossing
data: deps
	for d in $(REAL_DATASETS); do $(SWIFT) run -c release bench datasets fetch $$d || exit 1; done

build: deps
	$(SWIFT) build -c release

## Build, run the default suite into results/default with JOBS workers (latency probed alone
## after them), tables and plots, export its notebook, and check it against the golden table.
bench: deps build data
	time $(SWIFT) run -c release bench all --suite $(SUITE) --jobs $(JOBS)
	$(SWIFT) run -c release bench export-notebook results/default
	$(SWIFT) run -c release bench check results/default --golden results/golden/default.json

## Unit and integration tests (the real datasets are fetched so their anchor-digest tests run).
test: deps data
	$(SWIFT) test

## The CI smoke suite and its golden check.
smoke: build
	$(SWIFT) run -c release bench all --suite benchmarks/smoke.yaml --out results/smoke
	$(SWIFT) run -c release bench check results/smoke --golden results/golden/smoke.json

## `bench all --executor slurm` against a real, throw-away one-node Slurm on localhost (installs
## slurmctld, slurmd, slurm-client and munge if missing: needs root once), byte-compared with a
## serial run; every daemon it starts is stopped again.
slurm-test: build
	scripts/slurm-test.sh

## The performance targets, with implicit's BPR as the peer (installed from PyPI if missing).
perf: build data
	@python3 -c "import implicit" 2>/dev/null || python3 -m pip install -q implicit
	$(SWIFT) run -c release bench perf --peer implicit

clean-results:
	rm -rf results/default results/smoke
