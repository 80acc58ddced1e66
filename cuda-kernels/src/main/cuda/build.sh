#!/usr/bin/env bash
# Compiles every kernel family in this folder (<name>.cu) into a fatbin image that the CUDA backend loads with
# cuModuleLoadData, and writes beside each image:
#   <name>.ptxas.txt  ptxas's resource report (registers, shared memory, spills per kernel and target)
#   <name>.build.txt  what built it: nvcc release, flags, SHA-256 of the inputs and of the image
#
#   build.sh                  regenerate the committed images in src/main/resources/dev/tokenmeter/cuda/kernels
#   build.sh --out DIR        write the images to DIR instead
#   build.sh --check DIR      build into DIR and fail if the committed images are stale (the kernels-check
#                             Maven profile runs this wherever nvcc is installed)
#
# NVCC names the compiler (default: nvcc on the PATH, else /usr/local/cuda/bin/nvcc).
#
# An image's inputs are its .cu, every .cuh in this folder and this script: inputs.sha256 in <name>.build.txt
# covers them, so a test without nvcc can tell that a .cu changed and its image was not rebuilt. The same
# nvcc, flags and source give the same bytes (checked: two builds, different output folders, same bytes), so
# --check compares bytes wherever the nvcc release matches the committed one, and inputs elsewhere.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
committed="$module/src/main/resources/dev/tokenmeter/cuda/kernels"

# sm_80 (A100, and by binary compatibility A10/A40/RTX 30), sm_89 (L4, L40S), sm_90a (H100, H200; the "a"
# unlocks wgmma and setmaxnreg, and runs on sm_90 only), and PTX of the lowest target, which the driver
# compiles for any newer GPU (Blackwell included). compute_80 is also the floor: bf16 mma.sync, cp.async.
# -frandom-seed fixes the names nvcc would otherwise randomize (anonymous namespaces), so images are
# reproducible. --compress-mode=none keeps the PTX and ELF readable in the image (tests inspect them).
flags=(-fatbin -O3 --compress-mode=none -Xptxas -v
    -gencode arch=compute_80,code=sm_80
    -gencode arch=compute_89,code=sm_89
    -gencode arch=compute_90a,code=sm_90a
    -gencode arch=compute_80,code=compute_80)

usage() {
    echo "usage: build.sh [--out DIR | --check DIR]" >&2
    exit 2
}

out="$committed"
check=""
case "${1:-}" in
    "") ;;
    --out) [ $# -eq 2 ] || usage; out="$2" ;;
    --check) [ $# -eq 2 ] || usage; out="$2"; check=1 ;;
    *) usage ;;
esac

nvcc="${NVCC:-}"
if [ -z "$nvcc" ]; then
    if command -v nvcc >/dev/null 2>&1; then
        nvcc=nvcc
    else
        nvcc=/usr/local/cuda/bin/nvcc
    fi
fi
release="$("$nvcc" --version | sed -n 's/.*release [0-9.]*, V\([0-9.]*\).*/\1/p')"
[ -n "$release" ] || { echo "build.sh: cannot read the release of $nvcc" >&2; exit 1; }

sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# SHA-256 of the sha256sum lines ("<hash>  <file>\n") of build.sh, each .cuh (in C-locale order) and <name>.cu.
# KernelImagesTest recomputes it the same way.
inputs_sha() {
    local name="$1"
    (cd "$here" && shopt -s nullglob && sha256sum build.sh *.cuh "$name.cu") | sha256sum | cut -d' ' -f1
}

mkdir -p "$out"
shopt -s nullglob
sources=("$here"/*.cu)
[ ${#sources[@]} -gt 0 ] || { echo "build.sh: no .cu files in $here" >&2; exit 1; }

for src in "${sources[@]}"; do
    name="$(basename "$src" .cu)"
    report="$(mktemp)"
    "$nvcc" "${flags[@]}" -frandom-seed="$name" -o "$out/$name.fatbin" "$src" 2>"$report" || {
        cat "$report" >&2
        rm -f "$report"
        exit 1
    }
    {
        echo "# ptxas resource report for $name.fatbin (nvcc $release); compile times left out"
        grep -v 'Compile time' "$report"
    } >"$out/$name.ptxas.txt"
    rm -f "$report"
    {
        echo "# $name.fatbin: written by build.sh; checked by KernelImagesTest and the kernels-check profile"
        echo "nvcc=$release"
        echo "flags=${flags[*]} -frandom-seed=$name"
        echo "inputs.sha256=$(inputs_sha "$name")"
        echo "fatbin.sha256=$(sha "$out/$name.fatbin")"
        echo "fatbin.bytes=$(stat -c %s "$out/$name.fatbin")"
    } >"$out/$name.build.txt"
    echo "$name.fatbin: $(stat -c %s "$out/$name.fatbin") bytes (nvcc $release)"
done

[ -n "$check" ] || exit 0

# --check: the committed images must be exactly what this folder builds.
stale=()
for src in "${sources[@]}"; do
    name="$(basename "$src" .cu)"
    if [ ! -f "$committed/$name.build.txt" ]; then
        stale+=("$name: no committed image")
        continue
    fi
    built_with="$(sed -n 's/^nvcc=//p' "$committed/$name.build.txt")"
    if [ "$built_with" = "$release" ]; then
        for f in fatbin ptxas.txt build.txt; do
            cmp -s "$out/$name.$f" "$committed/$name.$f" || stale+=("$name.$f differs")
        done
    else
        # Another nvcc gives other bytes: compare what went in, not what came out.
        echo "build.sh: $name.fatbin was built with nvcc $built_with, this is $release:" \
            "comparing inputs only" >&2
        [ "$(sed -n 's/^inputs.sha256=//p' "$committed/$name.build.txt")" = "$(inputs_sha "$name")" ] \
            || stale+=("$name: inputs changed since the image was built")
    fi
done
for image in "$committed"/*.fatbin; do
    name="$(basename "$image" .fatbin)"
    [ -f "$here/$name.cu" ] || stale+=("$name.fatbin has no $name.cu")
done
if [ ${#stale[@]} -gt 0 ]; then
    printf 'stale kernels: %s\n' "${stale[@]}" >&2
    echo "stale kernels: run cuda-kernels/src/main/cuda/build.sh and commit" >&2
    exit 1
fi
echo "kernels up to date: ${#sources[@]} image(s) match src/main/cuda (nvcc $release)"
