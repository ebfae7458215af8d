#!/usr/bin/env bash
# Build the Java interop harness (tests/interop/java): the Java Dubbo 3.3.6 and 2.7.23 providers, the
# consumer call drivers and the hessian-lite checker that the interop tests start (tests/java_harness.py).
#
# Each Maven project is packaged with its dependencies copied to target/lib. A project is skipped when its
# jar is newer than its pom and every source file it compiles (its own and the shared common-* ones).
# Maven's repository is the default ~/.m2, outside the clone, so a second CI run downloads nothing; set
# MAVEN_OPTS=-Dmaven.repo.local=DIR to use another one.
#
# Usage: scripts/install-java-harness.sh     logs on stderr; the built jars' paths last on stdout
# Needs: a JDK 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless maven).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA_DIR="$ROOT/tests/interop/java"

for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is not on PATH; install a JDK 17 and Maven (apt-get install openjdk-17-jdk-headless maven)" >&2
        exit 1
    fi
done

# Prints the jar of one project (dubbo33, dubbo27), building it first when a source is newer.
build() {
    local project="$1"
    local dir="$JAVA_DIR/$project"
    local jar="$dir/target/dubbopy-interop-$project.jar"
    if [[ -f "$jar" && -d "$dir/target/lib" ]] &&
        [[ -z "$(find "$dir/pom.xml" "$dir/src" "$JAVA_DIR/common-api" "$JAVA_DIR/common-harness" \
            -newer "$jar" -print -quit)" ]]; then
        echo "java harness $project: up to date" >&2
    else
        echo "java harness $project: building with Maven (the first build downloads ~90 MB into ~/.m2) ..." >&2
        rm -rf "$dir/target/lib" # dependencies of an older pom must not linger on the class path
        # -q prints only errors, and on stdout: keep stdout for the paths. Debian's Maven 3.8 also prints
        # bare ANSI resets there, dropped here.
        (cd "$dir" && mvn -B -ntp -q package 2>&1) | sed -e 's/\x1b\[0m//g' >&2
        touch "$jar" # the jar plugin leaves an unchanged jar's time alone
    fi
    echo "$jar"
}

build dubbo27
build dubbo33
