"""Registry servers for the tests: a real ZooKeeper and a real etcd per test session (``../shared/testing.md``).

``tests/conftest.py`` loads this module as the plugin ``registry_fixtures``; do not import it by name for
its fixtures (a second copy would start a second server). Helpers such as :func:`expire_session` may be
imported.

The server is the Debian package ``zookeeper`` (``scripts/install-zookeeper.sh``), started without the
Debian scripts: a ``zoo.cfg`` of our own in a fresh temp dir, a free loopback port, fast session timeouts
(``tickTime=500``, ``minSessionTimeout=1000``), no admin server, and the four-letter words the readiness
check needs. Missing Java or ZooKeeper fails under ``CI=true`` and skips elsewhere.

Both servers can stop, start and restart on the same ports and data dir (:class:`ServerProcess`); tests that
do so take ``private_zookeeper`` / ``private_etcd``, servers of their own, and leave the session's
``zookeeper`` and ``etcd`` alone.

etcd is the Debian package ``etcd-server`` (``scripts/install-etcd.sh``), one member on two free loopback
ports with a fresh data dir under ``/dev/shm`` (fast raft timings, testing.md); :class:`EtcdServer` can
stop, start and restart it on the same ports and data dir.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
import testenv

if TYPE_CHECKING:
    from kazoo.client import KazooClient

TESTS_DIR = Path(__file__).resolve().parent
INSTALL_ZOOKEEPER = "scripts/install-zookeeper.sh"
ZOOKEEPER_JAR = Path("/usr/share/java/zookeeper.jar")
SLF4J_JAR = Path("/usr/share/java/slf4j-simple.jar")
#: Upper bound for the server to answer ``srvr`` (a shared 2-core machine; measured 0.5-0.9 s).
STARTUP_TIMEOUT = 60.0


def _require(config: pytest.Config) -> Callable[[str, bool, str], None]:
    return testenv.require


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def four_letter_word(host: str, port: int, word: str, timeout: float = 2.0) -> str:
    """Send a ZooKeeper four-letter command (``srvr``, ``ruok``, …) and return the whole answer."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(word.encode("ascii"))
        chunks: list[bytes] = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"ZooKeeper exited with {proc.returncode} before answering srvr on 127.0.0.1:{port}; "
                f"its log ({log}):\n{log.read_text(errors='replace')[-4000:]}"
            )
        try:
            answer = four_letter_word("127.0.0.1", port, "srvr", timeout=1.0)
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if answer.startswith("Zookeeper version:"):
                return
            last = f"srvr answered {answer[:200]!r}"
        time.sleep(0.05)
    raise RuntimeError(
        f"ZooKeeper on 127.0.0.1:{port} did not answer srvr with 'Zookeeper version:' within "
        f"{STARTUP_TIMEOUT:.0f} s (last: {last}); its log ({log}):\n{log.read_text(errors='replace')[-4000:]}"
    )


class ServerProcess:
    """A registry server process on fixed loopback ports and one data dir: :meth:`start` (in subclasses),
    :meth:`stop`, :meth:`restart` keep both, so clients reconnect to the same address."""

    host = "127.0.0.1"
    port: int
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``host:port`` of the client endpoint."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); the data dir stays."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same ports and data dir (ZooKeeper sessions, etcd keys and leases
        survive when they have not timed out meanwhile)."""
        self.stop()
        self.start()


S = TypeVar("S", bound=ServerProcess)


def _running(make: Callable[[Path], S], prefix: str, parent: Path | None = None) -> Iterator[S]:
    """Yield ``make(<a fresh temp dir>)`` started; stop it and remove the dir afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as tmp:
        server = make(Path(tmp))
        try:
            server.start()
            yield server
        finally:
            server.stop()


class ZooKeeperServer(ServerProcess):
    """A test ZooKeeper on one fixed loopback port and one data dir; :meth:`restart` keeps both.

    ``address`` is ``127.0.0.1:<port>``; ``url`` the registry address as Dubbo writes it. Sessions outlive a
    restart when the server is back before they time out (the data dir keeps them), as in production.
    """

    def __init__(self, java: str, base: Path) -> None:
        self.java = java
        self.base = base
        self.port = free_port()
        self.data_dir = base / "data"
        self.data_dir.mkdir(exist_ok=True)
        self.log = base / "zookeeper.log"
        self.config = base / "zoo.cfg"
        self.config.write_text(
            "tickTime=500\n"
            "minSessionTimeout=1000\n"
            f"dataDir={self.data_dir}\n"
            f"clientPort={self.port}\n"
            "clientPortAddress=127.0.0.1\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=srvr,ruok,mntr,stat\n"
        )

    @property
    def url(self) -> str:
        """The registry address as Dubbo writes it: ``zookeeper://127.0.0.1:<port>``."""
        return f"zookeeper://{self.address}"

    def start(self) -> None:
        """Start the server and wait until it answers ``srvr``."""
        classpath = f"{ZOOKEEPER_JAR}:{SLF4J_JAR}" if SLF4J_JAR.is_file() else str(ZOOKEEPER_JAR)
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    self.java,
                    "-Xms32m",
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    classpath,
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    str(self.config),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.base,
            )
        _wait_ready(self._proc, self.port, self.log)


def _java(request: pytest.FixtureRequest) -> str:
    require = _require(request.config)
    java = shutil.which("java")
    require("java (a JDK)", java is not None, "apt-get install default-jdk-headless")
    require(f"ZooKeeper ({ZOOKEEPER_JAR})", ZOOKEEPER_JAR.is_file(), INSTALL_ZOOKEEPER)
    assert java is not None
    return java


@contextlib.contextmanager
def running_zookeeper(java: str) -> Iterator[ZooKeeperServer]:
    """A started :class:`ZooKeeperServer` in a fresh temp dir, stopped and removed on exit."""
    yield from _running(lambda base: ZooKeeperServer(java, base), "dubbopy-zk-")


@pytest.fixture(scope="session")
def zookeeper(request: pytest.FixtureRequest) -> Iterator[ZooKeeperServer]:
    """A ZooKeeper 3.8 server on a free loopback port with a fresh data dir, stopped at session end.
    The whole session shares it: tests must not stop it (:func:`private_zookeeper` is for that)."""
    with running_zookeeper(_java(request)) as server:
        yield server


@pytest.fixture
def private_zookeeper(request: pytest.FixtureRequest) -> Iterator[ZooKeeperServer]:
    """A ZooKeeper of this test's own (about a second to start), for tests that stop or restart it."""
    with running_zookeeper(_java(request)) as server:
        yield server


@contextlib.contextmanager
def kazoo_client(address: str, timeout: float = 30.0) -> Iterator[KazooClient]:
    """A plain kazoo client of the ZooKeeper at ``address`` (``host:port``), connected within ``timeout``
    seconds, stopped and closed on exit: to write nodes as Dubbo Admin does, or read what dubbopy wrote."""
    from kazoo.client import KazooClient

    client = KazooClient(hosts=address)
    client.start(timeout=timeout)
    try:
        yield client
    finally:
        client.stop()
        client.close()


def expire_session(address: str, client_id: tuple[int, bytes]) -> None:
    """Make the server expire the ZooKeeper session ``client_id`` (``(session_id, password)``) now.

    Opens a second client on the same session and closes it (testing.md): the server ends the session,
    its ephemeral nodes go, and the first client sees SUSPENDED then LOST, then connects with a new
    session. Blocking (kazoo); call it from a thread in async tests (``asyncio.to_thread``).
    """
    from kazoo.client import KazooClient

    intruder = KazooClient(hosts=address, client_id=client_id, timeout=10.0)
    intruder.start(timeout=30)
    try:
        intruder.stop()
    finally:
        intruder.close()


# --------------------------------------------------------------------------------------------------- etcd

INSTALL_ETCD = "scripts/install-etcd.sh"
#: Upper bound for etcd to answer GET /health with 200 (measured 0.2-0.45 s).
ETCD_STARTUP_TIMEOUT = 30.0


def _etcd_binary() -> str | None:
    import os

    for candidate in (os.environ.get("ETCD_BIN"), shutil.which("etcd"), "/usr/bin/etcd"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class EtcdServer(ServerProcess):
    """A test etcd (one member) on fixed loopback ports and one data dir; :meth:`restart` keeps both.

    ``address`` is ``127.0.0.1:<client port>``; ``url`` the registry address as dubbo-go writes it.
    """

    def __init__(self, binary: str, base: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.peer_port = free_port()
        self.data_dir = base / "data"
        self.log = base / "etcd.log"

    @property
    def url(self) -> str:
        """``etcdv3://127.0.0.1:<port>``."""
        return f"etcdv3://{self.address}"

    def start(self) -> None:
        """Start etcd (flags from testing.md) and wait until GET /health answers 200."""
        client = f"http://{self.host}:{self.port}"
        peer = f"http://{self.host}:{self.peer_port}"
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    self.binary,
                    "--name=t",
                    f"--data-dir={self.data_dir}",
                    f"--listen-client-urls={client}",
                    f"--advertise-client-urls={client}",
                    f"--listen-peer-urls={peer}",
                    f"--initial-advertise-peer-urls={peer}",
                    f"--initial-cluster=t={peer}",
                    "--initial-cluster-state=new",
                    "--heartbeat-interval=10",
                    "--election-timeout=100",
                    "--log-level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        import urllib.error
        import urllib.request

        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + ETCD_STARTUP_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"etcd exited with {proc.returncode} before GET /health answered on {self.address}; "
                    f"its log ({self.log}):\n{self.log.read_text(errors='replace')[-4000:]}"
                )
            try:
                with urllib.request.urlopen(f"http://{self.address}/health", timeout=1.0) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except (OSError, urllib.error.URLError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)
        raise RuntimeError(
            f"etcd on {self.address} did not answer GET /health with 200 within {ETCD_STARTUP_TIMEOUT:.0f} s "
            f"(last: {last}); its log ({self.log}):\n{self.log.read_text(errors='replace')[-4000:]}"
        )


def _etcd(request: pytest.FixtureRequest) -> str:
    binary = _etcd_binary()
    _require(request.config)("etcd", binary is not None, INSTALL_ETCD)
    assert binary is not None
    return binary


@contextlib.contextmanager
def running_etcd(binary: str) -> Iterator[EtcdServer]:
    """A started :class:`EtcdServer` with a fresh data dir (under /dev/shm when it exists), stopped and
    removed on exit."""
    shm = Path("/dev/shm")
    yield from _running(lambda base: EtcdServer(binary, base), "dubbopy-etcd-", shm if shm.is_dir() else None)


@pytest.fixture(scope="session")
def etcd(request: pytest.FixtureRequest) -> Iterator[EtcdServer]:
    """An etcd 3.4 server on free loopback ports, stopped at session end. Tests that stop or restart it
    must leave it running (or use :func:`private_etcd`)."""
    with running_etcd(_etcd(request)) as server:
        yield server


@pytest.fixture
def private_etcd(request: pytest.FixtureRequest) -> Iterator[EtcdServer]:
    """An etcd of this test's own, for tests that stop or restart it."""
    with running_etcd(_etcd(request)) as server:
        yield server
