#!/usr/bin/env bash
# Prepares .device/ in the repository root: everything a GPU host with no Java, no Maven and no network needs
# to run tokenmeter and its GPU tests (scripts/gpu/on-device.sh runs them there). Run here, on the dev machine.
#
#   scripts/gpu/prepare.sh [--target DIR] [--no-build] [--runtime] [MAVEN_ARGS...]
#
#   --target DIR  the build output folder name (-Dtm.target), default "target". Use another (target-dev) so as
#                 not to share output folders with a concurrent build in the same checkout.
#   --no-build    package what DIR already holds (bundle, test classes) instead of building first.
#   --runtime     also make .device/java-runtime.tar.gz with ../shared/gpu/make-runtime.sh, even when the
#                 bundle's own jlink runtime has every module the JUnit runs need (it is made anyway when not).
#   MAVEN_ARGS    passed to every ./mvnw call (-o, -Dtm.kernels.skipCheck=true, ...).
#
# .device/ then holds (it is git-ignored, and must be carried: run(carry=[".device"]), 64 MiB at most):
#   tokenmeter-bundle.tar.gz   bin/tokenmeter, lib/tokenmeter.jar (shaded), runtime/ (jlink), top folder tokenmeter/
#   tests/cuda-kernels/, tests/core/   test classes + test resources of those modules (folders)
#   lib/*.jar                  junit-platform-console-standalone and the test-scope jars tokenmeter.jar lacks
#   torch_llama.py             the PyTorch yardstick (from ../shared/peers)
#   build-info.txt             commit, dirty state, date, output folder, runtime modules
set -uo pipefail

die() {
    echo "prepare: error: $*" >&2
    exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || die "cannot cd to $repo"

target=target build=1 runtime=0
mvn_args=()
while (($#)); do
    case $1 in
        --target) (($# >= 2)) || die "--target needs a folder name"; target=$2; shift 2 ;;
        --target=*) target=${1#*=}; shift ;;
        --no-build) build=0; shift ;;
        --runtime) runtime=1; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
        *) mvn_args+=("$1"); shift ;;
    esac
done
[[ $target =~ ^[A-Za-z0-9._-]+$ ]] || die "--target takes a plain folder name, not '$target'"

console_version=1.10.2
dep_plugin=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
shared=$(cd "$repo/.." && pwd)/shared
device=$repo/.device
mvnw=("$repo/mvnw" -B -q "-Dtm.target=$target")

# /.device/ stays out of git (the tracked .gitignore says so too; info/exclude makes sure, whatever it says).
exclude=$(git rev-parse --git-path info/exclude 2>/dev/null) || exclude=$repo/.git/info/exclude
[[ $exclude == /* ]] || exclude=$repo/$exclude
mkdir -p "$(dirname "$exclude")"
grep -qxF '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >>"$exclude"

if ((build)); then
    echo "prepare: ./mvnw package -Pbundle -DskipTests into $target/ (also compiles the test classes)"
    "${mvnw[@]}" package -DskipTests -Pbundle "${mvn_args[@]}" || die "the build failed"
fi

bundle_dir=$repo/benchmarks/$target/tokenmeter-bundle
bundle=$repo/benchmarks/$target/tokenmeter-bundle.tar.gz
shaded=$repo/benchmarks/$target/tokenmeter.jar
[[ -f $bundle && -f $shaded ]] || die "$bundle or $shaded is missing: build with -Pbundle (drop --no-build)"
for module in cuda-kernels core; do
    if [[ ! -d $repo/$module/$target/test-classes ]]; then
        echo "prepare: $module/$target/test-classes missing; ./mvnw test-compile"
        "${mvnw[@]}" test-compile "${mvn_args[@]}" || die "test-compile failed"
        break
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Test-scope dependencies of both test modules, without our own artifacts (tokenmeter.jar has them). Both
# modules are in the reactor, so core resolves from it (no install needed).
echo "prepare: test-scope dependencies (copy-dependencies)"
"${mvnw[@]}" -pl core,cuda-kernels "$dep_plugin:copy-dependencies" -DincludeScope=test \
    -DexcludeGroupIds=dev.tokenmeter -DoutputDirectory="$work/deps" "${mvn_args[@]}" ||
    die "copy-dependencies failed"
echo "prepare: junit-platform-console-standalone $console_version"
"${mvnw[@]}" -N "$dep_plugin:copy" \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$console_version" \
    -DoutputDirectory="$work/console" "${mvn_args[@]}" || die "could not fetch the JUnit console launcher"

rm -rf "$device"
mkdir -p "$device/tests" "$device/lib"
cp "$bundle" "$device/"
cp "$work/console/"*.jar "$device/lib/"

# Keep a dependency only if some class of it is not in the shaded jar (slf4j-simple, jackson, ... are in it;
# a jar with no class at all, like the junit-jupiter aggregate, is of no use either).
unzip -Z1 "$shaded" | sort >"$work/shaded.txt"
for jar in "$work/deps/"*.jar; do
    unzip -Z1 "$jar" | grep '\.class$' | grep -v -e '^META-INF/' -e 'module-info\.class$' | sort >"$work/entries.txt"
    if [[ -s $work/entries.txt ]] && [[ -n $(comm -23 "$work/entries.txt" "$work/shaded.txt" | head -n 1) ]]; then
        cp "$jar" "$device/lib/"
    else
        echo "prepare:   skipped $(basename "$jar") (in tokenmeter.jar already, or no classes)"
    fi
done

# Folders, not jars: JUnit scans a jar through the zip file system (jdk.zipfs), which the bundle's jlink
# runtime does not have ("Provider "jar" not found", then 0 tests).
for module in cuda-kernels core; do
    cp -r "$repo/$module/$target/test-classes" "$device/tests/$module" || die "could not copy $module/$target/test-classes"
done

if [[ -f $shared/peers/torch_llama.py ]]; then
    cp "$shared/peers/torch_llama.py" "$device/"
else
    echo "prepare: warning: $shared/peers/torch_llama.py not found; 'on-device.sh torch' will not work" >&2
fi

# Does the bundle's runtime have every module the JUnit runs need? jdeps over the launcher and the test jars.
bundle_modules=$(sed -n 's/^MODULES="\(.*\)"$/\1/p' "$bundle_dir/runtime/release" 2>/dev/null | tr ' ' ',')
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
needed=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps \
    "$device/lib/"*.jar "$device/tests/"* "$shaded" 2>/dev/null | tail -n 1)
missing=()
if [[ -n $bundle_modules && -n $needed ]]; then
    # The modules the bundle has, with those they require (java.sql brings java.logging and java.xml).
    resolved=$("$bundle_dir/runtime/bin/java" --list-modules 2>/dev/null | sed 's/@.*//')
    for m in ${needed//,/ }; do
        grep -qxF "$m" <<<"$resolved" || missing+=("$m")
    done
    echo "prepare: bundle runtime modules: $bundle_modules; JUnit runs need: $needed"
else
    echo "prepare: warning: could not compare the bundle runtime's modules with what JUnit needs" >&2
    missing=(unknown)
fi
if ((${#missing[@]})); then
    echo "prepare: the bundle runtime lacks ${missing[*]}: making a separate java-runtime.tar.gz" >&2
    runtime=1
fi
if ((runtime)); then
    [[ -x $shared/gpu/make-runtime.sh || -f $shared/gpu/make-runtime.sh ]] || die "$shared/gpu/make-runtime.sh missing"
    bash "$shared/gpu/make-runtime.sh" "$device" "$shaded" "$device/lib/"*.jar || die "make-runtime.sh failed"
    echo "prepare: note: make-runtime.sh leaves out jdk.incubator.vector; on-device.sh then runs without the Vector API"
fi

{
    echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "dirty: $(if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then echo yes; else echo no; fi)"
    echo "prepared: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "built into: $target/ $( ((build)) || echo '(--no-build: outputs as found)')"
    echo "bundle: $(head -n 1 "$bundle_dir/README.txt" 2>/dev/null | cut -d: -f1)"
    echo "bundle runtime modules: $bundle_modules"
    echo "junit runs need: $needed"
} >"$device/build-info.txt"

echo "prepare: .device contents:"
(cd "$device" && find . -maxdepth 2 -type f -printf '%s\t%p\n' | sort -k2 | awk -F'\t' '{printf "  %8.1f KiB  %s\n", $1/1024, $2}')
for dir in "$device"/tests/*/; do
    printf '  %8.1f KiB  ./tests/%s/ (%d files)\n' "$(du -sk "$dir" | awk '{print $1}')" "$(basename "$dir")" \
        "$(find "$dir" -type f | wc -l)"
done
bytes=$(du -sb "$device" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')
echo "prepare: .device total: $mib MiB ($bytes bytes)"
if ((bytes > 60 * 1048576)); then
    echo "prepare: warning: over 60 MiB; the carry limit is 64 MiB for .device and everything else carried" >&2
fi
echo "prepare: done. On the GPU host: scripts/gpu/on-device.sh info \\; tests \\; tm devices  (carry .device)"
