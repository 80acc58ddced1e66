#!/usr/bin/env bash
# Runs tokenmeter's GPU checks on a GPU host that has no Java, no Maven and no network, from what
# scripts/gpu/prepare.sh put in .device/ (carried along with the working tree). Run from anywhere; paths are
# the repository's.
#
#   scripts/gpu/on-device.sh SUBCOMMAND [ARGS...] [\; SUBCOMMAND [ARGS...]]...
#
#   info             GPU, driver, nvcc, libcuda, python/torch, the Java runtime and .device/build-info.txt
#   tests [ARGS]     cuda-kernels' tests tagged gpu (JUnit console launcher; ARGS go to it, e.g.
#                    --include-classname '.*Synthetic.*')
#   alltests [ARGS]  every cuda-kernels test, no tag filter
#   coretests [ARGS] every core test (the CPU path on this host's CPU)
#   tm ARGS          the bundle's bin/tokenmeter ARGS (JAVA_OPTS is passed on)
#   torch ARGS       python3 .device/torch_llama.py ARGS (unbuffered)
#   sh 'COMMAND'     any shell command, with the same header and log
#
# Several subcommands run in one call when separated by a ';' argument (quoted or escaped, as with find):
#   scripts/gpu/on-device.sh info \; tests \; tm devices \; torch --model tiny --batch 1
# Each runs whatever the previous ones returned; the call exits with the first non-zero status (a single
# subcommand: its own). Calling the script several times in one shell line works as well:
#   scripts/gpu/on-device.sh info; scripts/gpu/on-device.sh tests; scripts/gpu/on-device.sh tm devices
#
# Output: everything printed is also appended to $OUT/on-device.log; test runs add $OUT/junit-<subcommand>.xml
# (JUnit's legacy XML). Nothing else is written to $OUT unless a tm or torch command is told to. $OUT defaults to
# /tmp/tm-out. The bundle (and java-runtime.tar.gz, where prepare.sh made one) is unpacked once into $TM_WORK
# (default /tmp/tm-device). TEST_JAVA_OPTS adds JVM options to the test runs (e.g. -Xmx32g); TM_JUNIT_DETAILS
# sets the console launcher's --details (tree for tests and alltests, summary for coretests; failures are
# always listed at the end).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
device=${TM_DEVICE_DIR:-$repo/.device}
out=${OUT:-/tmp/tm-out}
work=${TM_WORK:-/tmp/tm-device}
mkdir -p "$out" "$work"
log=$out/on-device.log

say() {
    echo "$*" | tee -a "$log"
}

# Unpacks the bundle (again only when the tarball changed); sets tm_home and java, and vector (the flag
# for the Vector API, empty where the runtime lacks jdk.incubator.vector).
setup_done=0
setup() {
    ((setup_done)) && return 0
    local tarball=$device/tokenmeter-bundle.tar.gz stamp
    if [[ ! -f $tarball ]]; then
        echo "on-device: error: $tarball missing: run scripts/gpu/prepare.sh here first and carry .device"
        return 1
    fi
    stamp=$(stat -c '%s %Y' "$tarball")
    if [[ $(cat "$work/bundle.stamp" 2>/dev/null) != "$stamp" || ! -x $work/tokenmeter/bin/tokenmeter ]]; then
        rm -rf "$work/tokenmeter"
        tar xzf "$tarball" -C "$work" || { echo "on-device: error: could not unpack $tarball"; return 1; }
        echo "$stamp" >"$work/bundle.stamp"
    fi
    tm_home=$work/tokenmeter
    java=$tm_home/runtime/bin/java
    # A separate runtime, made by prepare.sh when the bundle's lacks a module the JUnit runs need.
    if [[ -f $device/java-runtime.tar.gz ]]; then
        if [[ ! -x $work/java-runtime/bin/java ]]; then
            tar xzf "$device/java-runtime.tar.gz" -C "$work" || { echo "on-device: error: bad java-runtime.tar.gz"; return 1; }
        fi
        java=$work/java-runtime/bin/java
    fi
    vector=--add-modules=jdk.incubator.vector
    "$java" --list-modules 2>/dev/null | grep -q '^jdk.incubator.vector@' || vector=
    setup_done=1
}

# JUnit console launcher over one module's test classes, with the module folder as working directory (as
# surefire does: KernelImagesTest reads src/main/cuda from the working tree). Class path: the test classes (a
# folder: scanning a jar needs jdk.zipfs, which the bundle's runtime lacks), the shaded jar (main classes of
# core and cuda-kernels alike), the test-scope jars and the launcher.
junit() {
    local name=$1 module=$2 details=$3
    shift 3
    setup || return 1
    local tests=$device/tests/$module cp jar reports=$work/junit-$name rc
    [[ -d $tests ]] || { echo "on-device: error: $tests missing"; return 1; }
    cp=$tests:$tm_home/lib/tokenmeter.jar
    for jar in "$device"/lib/*.jar; do
        cp=$cp:$jar
    done
    rm -rf "$reports"
    # shellcheck disable=SC2086  # TEST_JAVA_OPTS is split on spaces on purpose
    (cd "$repo/$module" && "$java" $vector -Xss4m ${TEST_JAVA_OPTS:-} -cp "$cp" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
        --details "${TM_JUNIT_DETAILS:-$details}" --details-theme ascii --fail-if-no-tests \
        --include-engine junit-jupiter --reports-dir "$reports" --scan-class-path "$tests" "$@")
    rc=$?
    if [[ -f $reports/TEST-junit-jupiter.xml ]]; then
        cp "$reports/TEST-junit-jupiter.xml" "$out/junit-$name.xml"
    fi
    return $rc
}

info() {
    local rc=0
    echo "--- nvidia-smi"
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi || rc=$?
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit,compute_cap \
            --format=csv 2>/dev/null
    else
        echo "nvidia-smi: not found"
        rc=127
    fi
    echo "--- driver"
    cat /proc/driver/nvidia/version 2>/dev/null || echo "/proc/driver/nvidia/version: absent"
    ldconfig -p 2>/dev/null | grep -E 'libcuda\.so\.1|libnvidia-ptxjitcompiler' || echo "libcuda.so.1 not in ldconfig's cache"
    echo "--- nvcc"
    local nvcc
    nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
    if [[ -n $nvcc ]]; then "$nvcc" --version; else echo "nvcc: not found"; fi
    echo "--- python / torch"
    python3 -c 'import sys, torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| cuda", torch.version.cuda,
      "| available", torch.cuda.is_available(),
      "|", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")' 2>&1
    echo "--- java"
    if setup; then
        "$java" -version 2>&1
        echo "modules: $("$java" --list-modules | sed 's/@.*//' | paste -sd, -)"
    fi
    echo "--- host"
    echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    free -g | head -n 2
    echo "--- .device/build-info.txt"
    cat "$device/build-info.txt" 2>/dev/null || echo "(missing)"
    return $rc
}

tm() {
    setup || return 1
    "$tm_home/bin/tokenmeter" "$@"
}

torch() {
    [[ -f $device/torch_llama.py ]] || { echo "on-device: error: $device/torch_llama.py missing"; return 1; }
    PYTHONUNBUFFERED=1 python3 "$device/torch_llama.py" "$@"
}

# One subcommand: header, output to the console and the log, footer with status and time.
run_one() {
    local sub=$1 rc start
    shift
    start=$(date +%s)
    say ""
    say "=== on-device: $sub${*:+ $*} ($(date -u +%H:%M:%SZ))"
    case $sub in
        info) info "$@" 2>&1 | tee -a "$log" ;;
        tests) junit tests cuda-kernels tree --include-tag gpu "$@" 2>&1 | tee -a "$log" ;;
        alltests) junit alltests cuda-kernels tree "$@" 2>&1 | tee -a "$log" ;;
        coretests) junit coretests core summary "$@" 2>&1 | tee -a "$log" ;;
        tm) tm "$@" 2>&1 | tee -a "$log" ;;
        torch) torch "$@" 2>&1 | tee -a "$log" ;;
        sh) (cd "$repo" && bash -c "$*") 2>&1 | tee -a "$log" ;;
        *) say "on-device: unknown subcommand '$sub' (info, tests, alltests, coretests, tm, torch, sh)"; return 2 ;;
    esac
    rc=${PIPESTATUS[0]}
    say "=== on-device: $sub: exit $rc, $(($(date +%s) - start)) s"
    return "$rc"
}

if (($# == 0)) || [[ $1 == -h || $1 == --help ]]; then
    (($#)) || exec >&2
    awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
    (($#)) && exit 0
    exit 2
fi

# Split the arguments at ';' and run each part; the first non-zero status is the call's.
status=0
summary=()
args=()
run_part() {
    ((${#args[@]})) || return 0
    local rc
    run_one "${args[@]}"
    rc=$?
    summary+=("${args[0]}=$rc")
    ((status == 0 && rc != 0)) && status=$rc
    args=()
}
for arg in "$@"; do
    if [[ $arg == ';' ]]; then
        run_part
    else
        args+=("$arg")
    fi
done
run_part
((${#summary[@]} > 1)) && say "=== on-device: summary: ${summary[*]} -> exit $status"
exit "$status"
