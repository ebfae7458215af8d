"""examples/java-interop end to end: both scenario scripts, run as a user runs them (README.md there).

* ``java-provider-python-consumer.sh``: a Java Dubbo 3.3.6 provider of
  ``org.apache.dubbo.samples.api.GreetingsService``, called by ``consumer.py`` over dubbo:// and tri://;
* ``python-provider-java-consumer.sh``: ``provider.py``, called by a Java Dubbo 3.3.6 consumer over both.

Each script builds the Java harness first when it is out of date (``scripts/install-java-harness.sh``), so
it needs java and mvn: required under ``CI=true``, a skip elsewhere (``require`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
from testenv import ROOT, require

pytestmark = pytest.mark.interop

EXAMPLE = ROOT / "examples" / "java-interop"
INSTALL = "apt-get install openjdk-17-jdk-headless maven, then scripts/install-java-harness.sh"
# a warm run takes ~5 s; a cold one first downloads ~90 MB into ~/.m2 and builds the harness (~1 min)
SCRIPT_TIMEOUT = 600


def run_script(name: str) -> str:
    """Run one scenario script; its stdout, after asserting it exited 0 (bounded by SCRIPT_TIMEOUT)."""
    for tool in ("java", "mvn"):
        require(tool, shutil.which(tool) is not None, INSTALL)
    process = subprocess.Popen(
        ["bash", str(EXAMPLE / name)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        start_new_session=True,  # its own process group: a hung run is killed with its JVM and provider
    )
    try:
        out, err = process.communicate(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"{name} did not finish within {SCRIPT_TIMEOUT} s\n--- stdout\n{out}\n--- stderr\n{err}")
    assert process.returncode == 0, f"{name} exited with {process.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"
    return out


def replies(output: str) -> dict[str, str]:
    """The ``<protocol>://127.0.0.1:<port>  sayHi -> <reply>`` lines both consumers print, by protocol."""
    return dict(re.findall(r"^(dubbo|tri)://127\.0\.0\.1:\d+ +sayHi -> (.*)$", output, re.MULTILINE))


@pytest.mark.timeout(SCRIPT_TIMEOUT + 30)
def test_a_python_consumer_calls_the_java_provider_over_both_protocols() -> None:
    output = run_script("java-provider-python-consumer.sh")
    assert replies(output) == {"dubbo": "hi, Python", "tri": "hi, Python"}, output


@pytest.mark.timeout(SCRIPT_TIMEOUT + 30)
def test_a_java_consumer_calls_the_python_provider_over_both_protocols() -> None:
    output = run_script("python-provider-java-consumer.sh")
    assert replies(output) == {"dubbo": "hi, Java", "tri": "hi, Java"}, output
    assert "GreetingsService provider stopped gracefully" in output  # SIGTERM: a graceful shutdown
