#!/usr/bin/env bash
# Checks README's "As a library" the way a user of the library meets it: a separate Maven project that depends on
# dev.tokenmeter:tokenmeter-core (and the SLF4J binding the README names) compiles against the installed artifacts
# and runs a benchmark through the front door; the sources and javadoc jars were installed beside each jar.
#   scripts/check-library.sh [LOCAL_REPO]
# Run after `./mvnw install`. LOCAL_REPO is the Maven repository tokenmeter was installed into (default
# ~/.m2/repository); CI installs into a repository of its own, read before ~/.m2 (-Dmaven.repo.local.tail), and
# passes it. Works offline once the plugins below are in ~/.m2. Exit code 0 when every check passes.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
repo=$(readlink -f "${1:-$HOME/.m2/repository}")
# The project's version: the first <version> of the root pom, which is its own.
version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "$root/pom.xml" | head -n 1)
slf4j=$(sed -n 's|.*<slf4j.version>\(.*\)</slf4j.version>.*|\1|p' "$root/pom.xml")
[[ -n $version && -n $slf4j ]] || { echo "check-library: cannot read the versions in $root/pom.xml" >&2; exit 1; }

failures=0
fail() {
    echo "FAIL  $*" >&2
    failures=$((failures + 1))
}
pass() {
    echo "ok    $*"
}

for module in core cuda; do
    dir="$repo/dev/tokenmeter/tokenmeter-$module/$version"
    for kind in "" -sources -javadoc; do
        jar="$dir/tokenmeter-$module-$version$kind.jar"
        [[ -s $jar ]] && pass "installed: ${jar#"$repo/"}" || fail "not installed: $jar (run ./mvnw install first)"
    done
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/main/java/demo"
cat >"$work/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>demo</groupId>
  <artifactId>uses-tokenmeter</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.tokenmeter</groupId>
      <artifactId>tokenmeter-core</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>$slf4j</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
cat >"$work/src/main/java/demo/Demo.java" <<'EOF'
package demo;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.offline.OfflinePoint;

public class Demo {
    public static void main(String[] args) {
        Result r = Benchmark.offline().model("tiny").backend("auto").batchSizes(1).promptLengths(8).outputLengths(4)
                .measurement(new MeasurementPolicy(0, 2, 2, 1.0)).run();
        OfflinePoint p = r.points(OfflinePoint.class).get(0);
        System.out.printf("measured %d point(s): %.1f output tok/s%n", r.points().size(),
                p.metrics().outputTokensPerSecond().p50());
    }
}
EOF

mvn=("$root/mvnw" -B -q -f "$work/pom.xml" -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$HOME/.m2/repository")
if "${mvn[@]}" compile dependency:build-classpath -Dmdep.outputFile="$work/classpath" >"$work/build.log" 2>&1; then
    pass "a separate project compiles against tokenmeter-core $version"
    if out=$(java --add-modules jdk.incubator.vector -cp "$work/target/classes:$(cat "$work/classpath")" demo.Demo \
        2>"$work/stderr") && grep -q '^measured 1 point(s): ' <<<"$out"; then
        pass "and runs a benchmark: $out"
    else
        fail "the separate project's program: $out $(head -n 20 "$work/stderr")"
    fi
    # slf4j-simple logs INFO on stderr: the binding is found and the front door's choice of backend is seen.
    if grep -q 'backend auto: using' "$work/stderr" && ! grep -q 'No SLF4J providers' "$work/stderr"; then
        pass "slf4j-simple shows the library's log: $(grep -m 1 'backend auto' "$work/stderr")"
    else
        fail "no log through slf4j-simple: $(head -n 20 "$work/stderr")"
    fi
else
    fail "the separate project does not build: $(tail -n 30 "$work/build.log")"
fi

if ((failures)); then
    echo "check-library: $failures check(s) failed" >&2
    exit 1
fi
echo "check-library: all checks passed"
