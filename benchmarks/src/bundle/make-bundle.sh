#!/usr/bin/env bash
# Builds the self-contained bundle for hosts without a JDK (GPU hosts): a jlink runtime, the executable jar
# and the launcher, as a folder and as a .tar.gz whose top folder is tokenmeter/.
#   make-bundle.sh JDK_HOME SHADED_JAR LAUNCHER OUT_DIR
# writes OUT_DIR/tokenmeter-bundle/{bin/tokenmeter,lib/tokenmeter.jar,runtime/,README.txt} and
# OUT_DIR/tokenmeter-bundle.tar.gz. The bundle's runtime is JDK_HOME's, cut down to the modules the jar needs,
# so it runs only on JDK_HOME's OS and architecture. Run by the benchmarks module's "bundle" profile
# (mvn package -Pbundle); set SOURCE_DATE_EPOCH to fix the archive's timestamps.
set -euo pipefail

die() {
    echo "make-bundle: error: $*" >&2
    exit 1
}

(($# == 4)) || die "usage: make-bundle.sh JDK_HOME SHADED_JAR LAUNCHER OUT_DIR"
jdk=$1 jar=$2 launcher=$3 out=$4

for tool in jlink jdeps; do
    [[ -x "$jdk/bin/$tool" ]] || die "$jdk/bin/$tool not found: the bundle's runtime is made with jlink, which" \
        "only a full JDK has (this one looks like a JRE). Build with a JDK 17 or newer as JAVA_HOME."
done
[[ -f "$jar" ]] || die "the executable jar $jar is missing; the shade step should have made it."
[[ -f "$launcher" ]] || die "the launcher $launcher is missing."
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed (for --sort, --owner and --transform)."

# jdeps reads the jar's multi-release classes for the release the runtime will be (the jar targets 17,
# but some dependencies carry classes for 21 that a JDK 21 runtime would load).
feature=$("$jdk/bin/jlink" --version)
feature=${feature%%[.+-]*}
((feature >= 17)) || die "$jdk is Java $feature; tokenmeter needs 17 or newer."

# The modules the jar refers to, plus jdk.incubator.vector, which the launcher adds (--add-modules) for the
# commands that compute on the CPU and without which the JVM would not start them. Nothing is loaded reflectively from other modules: TLS
# (jdk.crypto.ec) is never used, and no com.sun.management (jdk.management) MXBean is read.
deps=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release "$feature" --print-module-deps "$jar") ||
    die "jdeps could not list the modules $jar needs: $deps"
deps=$(tail -n 1 <<<"$deps")
[[ $deps =~ ^[a-z][a-z0-9.,]*$ ]] || die "jdeps printed an unexpected module list: '$deps'"
modules=$(tr ',' '\n' <<<"$deps,jdk.incubator.vector" | sort -u | paste -sd, -)

# --compress=2 is the zip level of JDK 17's jlink; JDK 21 renamed it zip-6 and warns about the old name.
compress=2
((feature >= 21)) && compress=zip-6

bundle="$out/tokenmeter-bundle"
archive="$out/tokenmeter-bundle.tar.gz"
rm -rf "$bundle" "$archive"
mkdir -p "$bundle/bin" "$bundle/lib"

echo "make-bundle: jlink $feature, modules $modules"
log=$("$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress="$compress" --output "$bundle/runtime" 2>&1) ||
    die "jlink failed: $log$([[ -d $jdk/jmods ]] || echo " ($jdk has no jmods/ folder, which jlink links from" \
        "before Java 24; some distributions package it apart, e.g. Fedora's java-17-openjdk-jmods)")"
# jlink warns that jdk.incubator.vector is an incubator module; that is known and wanted.
[[ -z $log ]] || grep -v '^WARNING: Using incubator modules' <<<"$log" || true
cp "$jar" "$bundle/lib/tokenmeter.jar"
install -m 755 "$launcher" "$bundle/bin/tokenmeter"

# A first run, as on the host: no JAVA_HOME, and a PATH with the launcher's few tools but no java, so that
# only the bundled runtime can run it. Proves that the launcher picks that runtime and that the runtime has
# every module the command line starts with: --version starts without the incubator module, devices with it.
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
for tool in bash env readlink dirname; do
    ln -s "$(command -v "$tool")" "$tools/$tool"
done
# stderr is shown only if the run fails.
version=$(env -i PATH="$tools" HOME="${TMPDIR:-/tmp}" "$bundle/bin/tokenmeter" --version 2>"$tools/stderr") ||
    die "the bundle does not start: $version $(cat "$tools/stderr")"
devices=$(env -i PATH="$tools" HOME="${TMPDIR:-/tmp}" "$bundle/bin/tokenmeter" devices 2>"$tools/stderr") ||
    die "the bundle does not start with the Vector API: $devices $(cat "$tools/stderr")"

property() {
    "$bundle/runtime/bin/java" -XshowSettings:properties -version 2>&1 | sed -n "s/^ *$1 = //p"
}
cat >"$bundle/README.txt" <<EOF
$(head -n 1 <<<"$version"): benchmarks batched LLM inference (tok/s, latency, roofline, cost).
Self-contained: runtime/ is a Java runtime, so the host needs no JDK and no network.
  bin/tokenmeter devices                 which backends are usable here, and why not
  bin/tokenmeter run --model llama-110m  a first benchmark; every command has --help
JAVA_OPTS adds JVM options (JAVA_OPTS=-Xmx64g bin/tokenmeter run ...).
Contents: bin/tokenmeter (launcher), lib/tokenmeter.jar (the executable jar), runtime/ (jlink).
Runtime: $(property java.vendor) Java $(property java.runtime.version), from $jdk; runs on $(property os.name) $(property os.arch) only.
Its modules: $modules.
EOF

# Sorted names, one owner and one timestamp, no name or time in the gzip header: the same inputs give the
# same archive (as far as jlink's own output is the same from run to run).
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$(dirname "$launcher")" log -1 --format=%ct 2>/dev/null || date +%s)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --format=gnu \
    --transform 's,^tokenmeter-bundle,tokenmeter,S' -C "$out" -cf - tokenmeter-bundle | gzip -9n >"$archive.tmp"
mv "$archive.tmp" "$archive"

echo "make-bundle: $bundle ($(du -sh "$bundle" | cut -f1)), $archive ($(du -h "$archive" | cut -f1))"
