# Mimetic: two commands on a fresh machine.
#   make demo   — the main job (see README)
#   make test   — the whole test suite
# Both install what they need first (scripts/install-prereqs.sh; needs root on Debian 12).

SHELL := /bin/bash
DOTNET ?= dotnet
CLI := $(DOTNET) run --project src/Mimetic.Cli -c Release --
CONFIG ?= Release

.PHONY: prereqs build demo test format bench clean

prereqs:
	@bash scripts/install-prereqs.sh

build: prereqs
	$(DOTNET) build Mimetic.sln -c $(CONFIG) --nologo -v quiet

demo: build
	$(CLI) init --model vit-tiny --init mimetic --seed 0 --out artifacts/vit-tiny-mimetic.safetensors

test: prereqs
	$(DOTNET) test Mimetic.sln -c $(CONFIG) --nologo -v quiet --logger "console;verbosity=normal"

format:
	$(DOTNET) format Mimetic.sln --verify-no-changes

clean:
	$(DOTNET) clean Mimetic.sln --nologo -v quiet
	rm -rf artifacts
