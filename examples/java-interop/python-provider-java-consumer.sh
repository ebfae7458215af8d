#!/usr/bin/env bash
# Scenario B of examples/java-interop (README.md): a Python provider, a Java Dubbo 3.3.6 consumer.
#   builds the Java harness if needed, starts provider.py on free ports (dubbo:// and tri://, every
#   interface), waits until it answers (at most 60 s), runs the Java consumer against both ports, then
#   stops the provider with SIGTERM. Exits 0 only if both Java calls worked.
# Needs: a JDK 17 and Maven (apt-get install openjdk-17-jdk-headless maven); dubbopy installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PROVIDER_PID=""
cleanup() {
    if [[ -n "$PROVIDER_PID" ]]; then
        stop "$PROVIDER_PID"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

build_java_harness

echo "== starting the Python provider: python provider.py --dubbo-port 0 --tri-port 0 =="
# Port 0: the provider binds free ports and prints them once it listens.
"$PYTHON" "$HERE/provider.py" --dubbo-port 0 --tri-port 0 >"$WORK/provider.out" 2>&1 &
PROVIDER_PID=$!
if ! wait_for_line "$PROVIDER_PID" "$WORK/provider.out" 'listening on .* dubbo=[0-9]+ tri=[0-9]+' 60; then
    echo "the Python provider did not start; its output:" >&2
    cat "$WORK/provider.out" >&2
    exit 1
fi
sed 's/^/    /' "$WORK/provider.out"
DUBBO_PORT="$(sed -nE 's/.* dubbo=([0-9]+) .*/\1/p' "$WORK/provider.out")"
TRI_PORT="$(sed -nE 's/.* tri=([0-9]+).*/\1/p' "$WORK/provider.out")"
# It answers: one call over each protocol from Python (consumer.py) before Java's turn.
if ! timeout 60 "$PYTHON" "$HERE/consumer.py" --dubbo "127.0.0.1:$DUBBO_PORT" --tri "127.0.0.1:$TRI_PORT" \
    >"$WORK/probe.out" 2>&1; then
    echo "the Python provider does not answer:" >&2
    cat "$WORK/probe.out" "$WORK/provider.out" >&2
    exit 1
fi

echo
echo "== Java consumer (org.dubbopy.interop.harness.GreetingsConsumer): sayHi(\"Java\") over dubbo:// and tri:// =="
# Java Dubbo replaces 127.0.0.1 in these URLs by the machine's own address: hence provider.py binds 0.0.0.0.
status=0
timeout 120 "$JAVA" "${JVM_FLAGS[@]}" -cp "$CLASSPATH_33" org.dubbopy.interop.harness.GreetingsConsumer \
    "dubbo://127.0.0.1:$DUBBO_PORT" "tri://127.0.0.1:$TRI_PORT" 2>"$WORK/consumer.err" || status=$?

echo
echo "== stopping the Python provider with SIGTERM =="
stop "$PROVIDER_PID"
PROVIDER_PID=""
sed -n 's/^/    /; /stopped/p' "$WORK/provider.out"
if [[ "$status" != 0 ]]; then
    echo "python-provider-java-consumer: the Java consumer failed (status $status); its log ends with:" >&2
    tail -n 30 "$WORK/consumer.err" >&2
    exit 1
fi
echo "python-provider-java-consumer: done"
