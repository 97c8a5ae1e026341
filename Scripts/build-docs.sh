#!/bin/sh
# Builds the DocC catalogs of the library products with the toolchain's `docc`
# (no swift-docc-plugin dependency): `swift package dump-symbol-graph` builds the
# package and extracts the public symbol graphs, one `docc convert` runs per
# target, and warnings fail the build, so a broken symbol link in a catalog is
# caught here.
#
#   Scripts/build-docs.sh [OUTPUT_DIR]   # default .build/docs; one TARGET.doccarchive each
#
# Serve an archive with `docc preview Sources/Arbor/Arbor.docc
# --additional-symbol-graph-dir .build/docs/symbol-graphs/Arbor` or host it
# statically (`docc process-archive transform-for-static-hosting`).
set -eu
# A failure below stops the script; `docc` prints each broken link with its file and line.

cd "$(dirname "$0")/.."
output="${1:-.build/docs}"
graphs="$output/symbol-graphs"
targets="ArborTensor SafeTensors Arbor ArborDistributed ArborCheckpoint ArborInterop"

rm -rf "$graphs"
mkdir -p "$graphs/all"
# Uses the ordinary debug build in .build (nothing extra to compile after `swift build`).
swift package dump-symbol-graph --minimum-access-level public > "$graphs/dump.log" 2>&1
extracted="$(sed -n 's/^Files written to //p' "$graphs/dump.log")"
cp "$extracted"/*.symbols.json "$graphs/all/"

for target in $targets; do
    mkdir -p "$graphs/$target"
    # The module's own graph and its extensions of other modules' types (Target@Other).
    cp "$graphs/all/$target.symbols.json" "$graphs/$target/"
    for extension in "$graphs/all/$target"@*.symbols.json; do
        [ -e "$extension" ] && cp "$extension" "$graphs/$target/"
    done
    docc convert "Sources/$target/$target.docc" \
        --additional-symbol-graph-dir "$graphs/$target" \
        --fallback-display-name "$target" --fallback-bundle-identifier "org.arbor.$target" \
        --output-path "$output/$target.doccarchive" \
        --warnings-as-errors
done
echo "Documentation archives in $output"
