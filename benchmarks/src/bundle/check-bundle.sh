#!/usr/bin/env bash
# Checks a bundle made by `mvn package -Pbundle` the way a GPU host without a JDK would use it: unpacks the
# archive into a fresh folder and runs its launcher with no JAVA_HOME and a PATH without java, so that only
# the bundled runtime can run anything. Not run by CI (building the bundle takes jlink's time); run it after
# changing the bundle, the launcher or the jar's dependencies:
#   ./mvnw -B -q package -DskipTests -Pbundle && benchmarks/src/bundle/check-bundle.sh [ARCHIVE]
# ARCHIVE defaults to benchmarks/target/tokenmeter-bundle.tar.gz. Exit code 0 when every check passes.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../.." && pwd)"
archive=$(readlink -f "${1:-$root/benchmarks/target/tokenmeter-bundle.tar.gz}")
[[ -f "$archive" ]] || {
    echo "check-bundle: $archive not found; build it with ./mvnw -B -q package -DskipTests -Pbundle" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL  $*" >&2
    failures=$((failures + 1))
}
pass() {
    echo "ok    $*"
}

tar xzf "$archive" -C "$work/"
top=$(ls "$work")
[[ $top == tokenmeter ]] && pass "the archive's top folder is tokenmeter/" || fail "top folder: '$top', not tokenmeter/"
for f in bin/tokenmeter lib/tokenmeter.jar runtime/bin/java README.txt; do
    [[ -e "$work/tokenmeter/$f" ]] || fail "the bundle has no $f"
done
[[ ! -e "$work/tokenmeter/runtime/bin/javac" && ! -e "$work/tokenmeter/runtime/bin/jlink" ]] ||
    fail "the runtime is a whole JDK, not a jlink image"

# The host: the launcher's few tools on PATH, no java there; a JAVA_HOME whose java must not be used.
mkdir "$work/path" "$work/otherjdk" "$work/otherjdk/bin"
for tool in bash env readlink dirname; do
    ln -s "$(command -v "$tool")" "$work/path/$tool"
done
printf '#!/bin/sh\necho "JAVA_HOME java used instead of the bundled runtime" >&2\nexit 97\n' >"$work/otherjdk/bin/java"
chmod +x "$work/otherjdk/bin/java"
tm() {
    env -i PATH="$work/path" HOME="$work" "$work/tokenmeter/bin/tokenmeter" "$@" 2>"$work/stderr"
}
tm_java_home() {
    env -i PATH="$work/path" HOME="$work" JAVA_HOME="$work/otherjdk" "$work/tokenmeter/bin/tokenmeter" "$@" \
        2>"$work/stderr"
}
stderr() {
    grep -v '^WARNING: Using incubator modules' "$work/stderr" | head -n 20 || true
}

if out=$(tm --version); then
    pass "--version, without java on PATH: $(tr '\n' ' ' <<<"$out")"
else
    fail "--version (exit $?): $out $(stderr)"
fi
# Only the commands that compute on the CPU start the JVM with the incubator module, and so with its warning.
if tm --version >/dev/null && ! grep -q 'incubator' "$work/stderr"; then
    pass "--version prints no incubator-module warning"
else
    fail "--version printed on stderr: $(head -n 5 "$work/stderr")"
fi
if out=$(tm_java_home --version); then
    pass "--version prefers the bundled runtime to JAVA_HOME"
else
    fail "--version with JAVA_HOME set (exit $?): $out $(stderr)"
fi

if out=$(tm devices) && grep -q '^cpu: usable' <<<"$out" && ! grep -q 'add-modules' <<<"$out"; then
    pass "devices, with the Vector API: $(grep -E '^[a-z]+:' <<<"$out" | paste -sd';' -)"
else
    fail "devices: $out $(stderr)"
fi

if out=$(tm run --help) && grep -q '^Usage: tokenmeter run' <<<"$out"; then
    pass "run --help"
else
    fail "run --help: $out $(stderr)"
fi

# Request 0's tokens from the tiny model with seed 42, as on every backend and every machine.
expected='[108,242,163,108,242,163,97,215]'
if out=$(tm generate --model tiny --seed 42 --prompt-len 8 --gen 8 --requests 2 --backend cpu) &&
    [[ $(grep -o '"generated":\[[0-9,]*\]' <<<"$out" | head -n 1) == "\"generated\":$expected" ]]; then
    pass "generate: request 0 generated $expected"
else
    fail "generate: expected request 0 to generate $expected; got: ${out:0:300} $(stderr)"
fi

if out=$(tm run --model tiny --backend cpu --batch 1,2 --prompt-len 8 --gen 4 --warmup 0 --min-trials 2 \
    --max-trials 2 --progress none) && grep -qE '^ +1 +8 +4 +2 ' <<<"$out" && grep -qE '^ +2 +8 +4 +2 ' <<<"$out"; then
    pass "run: batch 1 and 2 measured"
else
    fail "run: $out $(stderr)"
fi

echo "bundle: $(du -sh "$work/tokenmeter" | cut -f1) unpacked, $(du -h "$archive" | cut -f1) archive ($archive)"
if ((failures)); then
    echo "check-bundle: $failures check(s) failed" >&2
    exit 1
fi
echo "check-bundle: all checks passed"
