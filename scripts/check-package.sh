#!/usr/bin/env bash
# The library as an outside project gets it: packs src/Mimetic into a local folder feed (artifacts/nupkg), checks that the
# package depends on TorchSharp without a native backend, then restores, builds and runs samples/StockEncoder against that
# package and libtorch-cpu-linux-x64. Needs the Release build of the solution (make build); works offline as long as the
# NuGet feed (or the local package cache) has TorchSharp, libtorch-cpu-linux-x64 and the library's other dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
DOTNET=${DOTNET:-dotnet}
feed=artifacts/nupkg
# A fresh version each time, so that NuGet's package cache never hands the sample an older pack of the same version.
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
rm -rf "$feed"
mkdir -p "$feed"
$DOTNET pack src/Mimetic/Mimetic.csproj -c Release --no-build --nologo -v quiet -o "$feed" -p:PackageVersion="$version"
package="$feed/Mimetic.$version.nupkg"
[ -f "$package" ] || { echo "error: $package was not written" >&2; exit 1; }

if command -v unzip >/dev/null; then
  nuspec=$(unzip -p "$package" Mimetic.nuspec)
else
  nuspec=$(cat "src/Mimetic/obj/Release/Mimetic.$version.nuspec") # the manifest pack just wrote into the package
fi
dependencies=$(echo "$nuspec" | grep -o '<dependency id="[^"]*" version="[^"]*"' | sed -E 's/<dependency id="([^"]*)" version="([^"]*)"/\1 \2/' | sort -u)
echo "Mimetic $version depends on:"
echo "$dependencies" | sed 's/^/  /'
if echo "$dependencies" | grep -qiE '^(libtorch|torchsharp-cpu|torchsharp-cuda)'; then
  echo "error: the library package depends on a native libtorch backend; it must depend on TorchSharp only" >&2
  exit 1
fi
echo "$dependencies" | grep -q '^TorchSharp ' || { echo "error: the library package does not depend on TorchSharp" >&2; exit 1; }

echo "building and running samples/StockEncoder against the packed library"
$DOTNET build samples/StockEncoder -c Release --nologo -v quiet -p:MimeticVersion="$version"
output=$($DOTNET run --project samples/StockEncoder -c Release --no-build -p:MimeticVersion="$version" -- auto)
echo "$output"
grep -q '^mimetic init set 2 attention layers' <<<"$output" || { echo "error: the sample did not initialize its 2 attention layers" >&2; exit 1; }
grep -q 'finite: True' <<<"$output" || { echo "error: the sample's forward pass was not finite" >&2; exit 1; }
echo "package check: ok"
