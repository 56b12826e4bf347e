# MemKD: `make demo` and `make test` set up everything they need (apt packages, a Python venv
# under .venv) and then run. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := demo

VENV := .venv
PY := $(VENV)/bin/python
PYTHON3 ?= python3
APT_PACKAGES := libhdf5-dev libopenblas-dev libpython3-dev pkg-config
VENV_PACKAGES := numpy scikit-learn h5py pytest hypothesis tqdm pandas matplotlib nbclient \
  nbformat ipykernel aeon
# The CPU PyTorch wheel the machine image carries (PyPI's torch is a multi-GB CUDA build).
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-*cpu*.whl))

# Datasets: the shared UCR archive beside the repository when present, else data/ (shipped).
SHARED_UCR := $(abspath ../shared/ucr/UCRArchive_2018)
ifneq ($(wildcard $(SHARED_UCR)),)
export MEMKD_DATA_ROOT ?= $(SHARED_UCR)
endif
# One BLAS thread: faster on 2 cores at our shapes, and results independent of thread count.
export OPENBLAS_NUM_THREADS := 1
# Build the extension against the headers of the interpreter that imports it.
PYTHON_LIBPC := $(shell $(PYTHON3) -c "import sysconfig; print(sysconfig.get_config_var('LIBPC') or '')" 2>/dev/null)
export PKG_CONFIG_PATH := $(PYTHON_LIBPC)$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
EXT_SUFFIX = $(shell $(PY) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")

RELEASE_BIN := .build/release
SCRIPT := $(RELEASE_BIN)/memkd-script
BENCH_ARGS ?=

.PHONY: lint paper-report deps apt apt-mcu venv build test test-slurm test-mcu slurm-if-possible swift-test python-test python-ext demo bench bench-protocol paper clean fuzz

deps: apt venv

# Install the Debian packages that are missing; retry once after `apt-get install -f`, because
# a concurrent apt run (or the image's docker-clean hook) can make the first attempt fail.
# $(1): the packages; $(2): extra apt-get install flags.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  ( $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $(2) $$missing ) || \
	  ( sleep 5; $$SUDO apt-get install -y -f -q; $$SUDO apt-get update -q && \
	    $$SUDO apt-get install -y -q $(2) $$missing ); \
	fi
endef

apt:
	$(call apt_install,$(APT_PACKAGES),)

# The Cortex-M toolchain, newlib and QEMU for make test-mcu (about a minute; no recommends).
MCU_PACKAGES = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
apt-mcu:
	$(call apt_install,$(MCU_PACKAGES),--no-install-recommends)

venv: $(VENV)/.memkd-deps

# Re-run when this file changes (a package added to VENV_PACKAGES reaches existing venvs).
$(VENV)/.memkd-deps: Makefile
	$(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(VENV_PACKAGES)
	@if [ -n "$(TORCH_WHEEL)" ]; then \
	  echo "installing $(TORCH_WHEEL)"; $(PY) -m pip install -q "$(TORCH_WHEEL)"; \
	else echo "no CPU torch wheel on this machine: PyTorch comparisons will be skipped"; fi
	touch $@

build: apt
	swift build -c release --product memkd-script
	swift build -c release --product memkd-bench

# The main job on a shipped dataset (about a minute): teacher, traces, Base, Base-KD and MemKD
# students, their test AUC-PRC, the MemKD student's profile and C header (scripts/demo.sh).
demo: build
	scripts/demo.sh $(SCRIPT) out

# Every test: Swift (unit, gradient checks, PyTorch fixture, CLI), Python (pytest), and the
# Slurm job arrays when this machine can start a Slurm (root) and MEMKD_SKIP_SLURM is unset.
test: deps swift-test python-test slurm-if-possible

# Job arrays against a real one-node Slurm that the test starts and stops (scripts/slurm-local.sh
# installs slurm-wlm and munge when missing); a Slurm that cannot start is a failure here.
test-slurm: apt venv
	swift build -c release --product memkd-script
	MEMKD_REQUIRE_SLURM=1 $(PY) -m pytest -q Tests/slurm

# Students on microcontrollers: 1 x 8 LSTM, GRU and RNN students (float32 and int8) built for a
# Cortex-M4F and a Cortex-M3 and run under QEMU on 100 test series each, against Swift
# (Tests/mcu/test_mcu.py; installs the toolchain and QEMU when missing).
test-mcu: apt apt-mcu venv python-ext
	swift build -c release --product memkd-script
	MEMKD_REQUIRE_MCU=1 $(PY) -m pytest -q Tests/mcu

slurm-if-possible:
	@if [ -n "$(MEMKD_SKIP_SLURM)" ]; then echo "MEMKD_SKIP_SLURM is set: Slurm tests skipped"; \
	elif [ "$$(id -u)" -ne 0 ]; then echo "not root: cannot start a local Slurm, its tests skipped (make test-slurm as root)"; \
	else $(MAKE) test-slurm; fi

# Source formatting as .swift-format says (swift-format ships with the toolchain); CI runs it.
# `swift format -i -r Sources Tests Package.swift` fixes what it reports.
lint:
	swift format lint --strict -r Sources Tests Package.swift

swift-test: apt
	swift build --build-tests
	swift test --skip-build

# The extension as the Python tests and notebooks import it: a release build, as `pip install`
# makes (unoptimised, a batch of a 3 x 100 teacher's traces takes seconds, and Ctrl-C within a
# second, the notebooks' two minutes and the tests' speed are all measured on what users run).
python-ext: apt
	swift build -c release --product MemKDPy
	# Copy, then rename: overwriting a loaded .so in place crashes Python processes using it.
	cp .build/release/libMemKDPy.so bindings/python/memkd/.tmp_memkd$(EXT_SUFFIX)
	mv -f bindings/python/memkd/.tmp_memkd$(EXT_SUFFIX) bindings/python/memkd/_memkd$(EXT_SUFFIX)

# The Python tests also run the debug memkd-script (checkpoint and trace files).
python-test: venv python-ext
	swift build --product memkd-script
	$(PY) -m pytest -q Tests/python bindings/python/tests Tests/fuzz

# The fuzz and fault harness for FUZZ_SECONDS (default 10 minutes) against the release build
# (what users run), with a fresh seed; its summary goes to results/fuzz/. `make test` runs it
# for 30 seconds on the debug build (Tests/fuzz/test_fuzz.py).
FUZZ_SECONDS ?= 600
fuzz: build venv python-ext
	MEMKD_SCRIPT=$(SCRIPT) $(PY) Tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS) \
	  --summary results/fuzz/summary.json

# The paper's full protocol on the available datasets (hours; resumable: run it again after an
# interruption), then its report beside the paper's Table II.
# The paper protocol (hours; resumes), three ablations on its teachers (the MemKD interpretation
# options; the student learning rate on the many-class sets; the patience on the smallest sets),
# Adiac with the teacher at lr 0.01, DKD with a wider beta grid, snapshots of the six runs' raw
# results under results/, and the reproduction document made from those. Each run lives in
# out/<name> (a link to a folder outside the work tree keeps a long run across sittings).
#
# $(call paper_run,FILE,RUN,SHARE): runs examples/FILE.yaml in out/RUN (first copying in the
# protocol's finished steps it shares when SHARE is set) and snapshots it under results/RUN.
# The runs are lines of one recipe, so they go one after another even under `make -j`.
define paper_run
	$(if $(3),scripts/share_steps.sh out/paper-protocol examples/$(1).yaml $(RELEASE_BIN)/memkd-script)
	$(RELEASE_BIN)/memkd-script run examples/$(1).yaml --jobs 2 --plain
	scripts/snapshot_run.sh out/$(2) results/$(2)
endef
.PHONY: paper-refresh

paper: build
	$(call paper_run,paper,paper-protocol,)
	$(call paper_run,paper-ablation,paper-ablation,share)
	$(call paper_run,paper-student-recipe,paper-student-recipe,share)
	$(call paper_run,paper-small-data,paper-small-data,share)
	$(call paper_run,paper-adiac-teacher-lr,paper-adiac-teacher-lr,)
	$(call paper_run,paper-dkd-grid,paper-dkd-grid,share)
	$(MAKE) paper-report

# Only the runs whose results the code has changed since their snapshots: DT2W's and VID's
# rounding (issue 16) is in the protocol, the small-data ablation and Adiac's teacher at lr 0.01.
# About 4.5 process-hours on two cores; every other step is reproduced to the bit.
paper-refresh: build
	$(call paper_run,paper,paper-protocol,)
	$(call paper_run,paper-small-data,paper-small-data,share)
	$(call paper_run,paper-adiac-teacher-lr,paper-adiac-teacher-lr,)
	$(MAKE) paper-report

# Issue 18's evidence (examples/cells.yaml): LSTM, GRU and RNN 1 x 8 students of the protocol's
# teachers (shared from out/paper-protocol with its LSTM students of seeds 0-2), their report
# and the profile figures per cell under results/cells. Hours; resumes.
.PHONY: cells
cells: build venv apt-mcu
	$(call paper_run,cells,cells,share)
	$(RELEASE_BIN)/memkd-script report results/cells
	$(PY) scripts/cell_profiles.py out/cells results/cells/profile.md --script $(SCRIPT) --target cortex-m4

# Issue 21's short-vs-long ablation (examples/paper-terms.yaml) on the protocol's teachers,
# with steps shared from the protocol (and from the interpretation ablation when its run folder
# is here); report with the significance section under results/paper-terms. Resumes.
.PHONY: paper-terms
paper-terms: build
	if [ -f out/paper-ablation/pipeline.json ]; then \
	  scripts/share_steps.sh out/paper-ablation examples/paper-terms.yaml $(RELEASE_BIN)/memkd-script; fi
	$(call paper_run,paper-terms,paper-terms,share)
	$(RELEASE_BIN)/memkd-script report results/paper-terms --paper examples/paper-table2.csv

# Issue 20's fair comparison (examples/paper-fair.yaml): the protocol with the student rate
# selected from {0.1, 0.01}; shares the protocol's teachers and lr-0.1 students, trains the
# 1,400 lr-0.01 students (hours; resumes), snapshots and reports under results/paper-fair, and
# what the selected rates change against the protocol (results/paper-fair/against-protocol.md).
.PHONY: paper-fair
paper-fair: build
	$(call paper_run,paper-fair,paper-fair,share)
	$(RELEASE_BIN)/memkd-script report results/paper-fair --paper examples/paper-table2.csv
	python3 scripts/compare_runs.py results/paper-protocol results/paper-fair \
	  --out results/paper-fair/against-protocol.md

# Issue 20's evidence (examples/wearables.yaml): the protocol on aeon's multivariate sets
# (BasicMotions, JapaneseVowels; .ts files from the aeon wheel in the venv), its report and the
# MemKD students' profiles under results/wearables. About half an hour; resumes.
AEON_DATA = $(shell $(PY) -c "import aeon.datasets, os; print(os.path.dirname(aeon.datasets.__file__) + '/data')")
.PHONY: wearables
wearables: build venv
	MEMKD_DATA_ROOT=$(AEON_DATA) $(RELEASE_BIN)/memkd-script run examples/wearables.yaml --jobs 2 --plain
	scripts/snapshot_run.sh out/wearables results/wearables
	$(RELEASE_BIN)/memkd-script report results/wearables
	MEMKD_DATA_ROOT=$(AEON_DATA) $(PY) scripts/cell_profiles.py out/wearables results/wearables/profile.md \
	  --script $(SCRIPT) --dataset BasicMotions --dataset JapaneseVowels

# The reproduction document from the committed raw results alone (no training).
paper-report: build
	$(RELEASE_BIN)/memkd-script report results/paper-ablation
	$(RELEASE_BIN)/memkd-script report results/paper-student-recipe
	$(RELEASE_BIN)/memkd-script report results/paper-small-data
	$(RELEASE_BIN)/memkd-script report results/paper-adiac-teacher-lr --paper examples/paper-table2.csv
	$(RELEASE_BIN)/memkd-script report results/paper-dkd-grid --paper examples/paper-table2.csv
	$(RELEASE_BIN)/memkd-script report results/paper-terms --paper examples/paper-table2.csv
	$(RELEASE_BIN)/memkd-script report results/paper-protocol --paper examples/paper-table2.csv \
	  --reproduction results/paper-reproduction.md --notes results/paper-reproduction-notes.md \
	  --ablation results/paper-ablation --ablation results/paper-student-recipe \
	  --ablation results/paper-small-data --ablation results/paper-terms

bench: build venv
	$(RELEASE_BIN)/memkd-bench --pytorch $(PY) $(BENCH_ARGS)

# The paper protocol (examples/paper.yaml) on two mid-sized datasets, about 15 minutes on two
# cores: wall time, the ten-dataset protocol extrapolated from the per-step timings, and every
# step's metrics against results/paper-protocol; summary and raw files in results/bench-protocol/.
BENCH_PROTOCOL_DATASETS ?= FaceAll,Trace
bench-protocol: build venv
	$(PY) bench/protocol.py --script $(SCRIPT) --datasets $(BENCH_PROTOCOL_DATASETS)

clean:
	rm -rf .build bindings/python/memkd/_memkd*.so
