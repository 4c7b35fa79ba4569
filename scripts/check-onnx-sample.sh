#!/usr/bin/env bash
# A model out, used in an outside app: exports a freshly initialised vit-micro with the CLI (mimetic init, then mimetic
# export), builds samples/OnnxClassifier (ONNX Runtime and ImageSharp only: no Mimetic, no TorchSharp) and classifies
# samples/OnnxClassifier/example.png with it, and checks that its top class is the one `mimetic predict` gives. Needs the
# Release build of the solution (make build). Takes seconds besides the sample's build.
set -euo pipefail
cd "$(dirname "$0")/.."
DOTNET=${DOTNET:-dotnet}
cli() { $DOTNET run --project src/Mimetic.Cli -c Release --no-build -- "$@"; }
work=artifacts/onnx-sample
rm -rf "$work"
mkdir -p "$work"
cli init --model vit-micro --init mimetic --seed 0 --out "$work/vit.safetensors" >/dev/null
cli export "$work/vit.safetensors" --dataset cifar10 --onnx "$work/vit.onnx"
image=samples/OnnxClassifier/example.png

echo "building and running samples/OnnxClassifier on the exported model"
$DOTNET build samples/OnnxClassifier -c Release --nologo -v quiet
sample=$($DOTNET run --project samples/OnnxClassifier -c Release --no-build -- "$work/vit.onnx" "$image")
echo "$sample"
predicted=$(cli predict "$work/vit.onnx" "$image" --top 1)
echo "mimetic predict: $predicted"
sample_top=$(sed -nE 's/^1\. (.*) [0-9.]+ ?%$/\1/p' <<<"$sample")
cli_top=$(sed -nE 's/^.*: (.*) [0-9.]+ ?%$/\1/p' <<<"$predicted")
[ -n "$sample_top" ] || { echo "error: the sample printed no top class" >&2; exit 1; }
[ "$sample_top" = "$cli_top" ] || { echo "error: the sample's top class '$sample_top' is not mimetic predict's '$cli_top'" >&2; exit 1; }
echo "onnx sample check: ok"
