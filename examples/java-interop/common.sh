# Shared by the two scenario scripts of examples/java-interop (sourced, not run): paths, the Java harness
# build, the JVM command line, and bounded waiting and stopping of background processes.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
# this checkout's dubbopy, whatever else is installed
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
HARNESS="$ROOT/tests/interop/java/dubbo33/target"
CLASSPATH_33="$HARNESS/dubbopy-interop-dubbo33.jar:$HARNESS/lib/*"
# small heap, serial GC, quick start-up, no QoS port, only warnings from Dubbo's logs
JVM_FLAGS=(-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Ddubbo.application.qos-enable=false -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
WORK="$(mktemp -d)"

# Builds the Java harness (Java Dubbo 3.3.6 and the example's main classes) unless it is up to date;
# its log is shown only if the build fails.
build_java_harness() {
    echo "== building the Java harness if needed (scripts/install-java-harness.sh; a first build takes ~1 min) =="
    if ! "$ROOT/scripts/install-java-harness.sh" >"$WORK/build.log" 2>&1; then
        cat "$WORK/build.log" >&2
        echo "error: the Java harness did not build" >&2
        exit 1
    fi
}

# Prints N loopback ports that were free a moment ago, space-separated.
free_ports() {
    "$PYTHON" -c '
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))' "$1"
}

# wait_for_line PID FILE PATTERN SECONDS: waits until FILE has a line matching PATTERN (grep -E); fails
# when PID exits first or after SECONDS.
wait_for_line() {
    local pid="$1" file="$2" pattern="$3" seconds="$4" step
    for ((step = 0; step < seconds * 10; step++)); do
        if grep -qE "$pattern" "$file" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: the process exited before printing /$pattern/" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "error: no line matching /$pattern/ within $seconds s" >&2
    return 1
}

# stop PID: SIGTERM, up to 20 s for a graceful exit, then SIGKILL. Prints nothing.
stop() {
    local pid="$1" step
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((step = 0; step < 200; step++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
