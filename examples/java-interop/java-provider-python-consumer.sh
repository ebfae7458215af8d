#!/usr/bin/env bash
# Scenario A of examples/java-interop (README.md): a Java Dubbo 3.3.6 provider, a Python consumer.
#   builds the Java harness if needed, starts the Java provider of GreetingsService on free ports (dubbo://
#   and tri://), waits for it to print READY (at most 120 s), runs consumer.py against both ports, then
#   stops the JVM with SIGTERM. Exits 0 only if both calls worked.
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

read -r DUBBO_PORT TRI_PORT < <(free_ports 2)
echo "== starting the Java provider (org.dubbopy.interop.harness.InteropProvider): dubbo=$DUBBO_PORT tri=$TRI_PORT =="
# The harness's provider exports GreetingsService (sayHi(name) = "hi, " + name) on every protocol it is
# given a port for, plus the services of the interop tests; it prints "READY dubbo=<port> tri=<port>".
"$JAVA" "${JVM_FLAGS[@]}" -Ddubbopy.dubbo.port="$DUBBO_PORT" -Ddubbopy.tri.port="$TRI_PORT" \
    -cp "$CLASSPATH_33" org.dubbopy.interop.harness.InteropProvider >"$WORK/provider.out" 2>"$WORK/provider.err" &
PROVIDER_PID=$!
if ! wait_for_line "$PROVIDER_PID" "$WORK/provider.out" '^READY' 120; then
    echo "the Java provider did not start; its log ends with:" >&2
    tail -n 30 "$WORK/provider.err" >&2
    exit 1
fi
sed 's/^/    /' "$WORK/provider.out"

echo
echo "== Python consumer: python consumer.py --dubbo 127.0.0.1:$DUBBO_PORT --tri 127.0.0.1:$TRI_PORT =="
status=0
timeout 60 "$PYTHON" "$HERE/consumer.py" --dubbo "127.0.0.1:$DUBBO_PORT" --tri "127.0.0.1:$TRI_PORT" || status=$?

echo
echo "== stopping the Java provider with SIGTERM =="
stop "$PROVIDER_PID"
PROVIDER_PID=""
if [[ "$status" != 0 ]]; then
    echo "java-provider-python-consumer: the Python consumer failed (status $status); the provider's log ends with:" >&2
    tail -n 30 "$WORK/provider.err" >&2
    exit 1
fi
echo "java-provider-python-consumer: done"
