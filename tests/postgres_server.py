"""A real PostgreSQL server for the tests, from Debian's packages, on a free port of 127.0.0.1.

It runs as the ``postgres`` system user when the tests run as root (PostgreSQL refuses root),
in a fresh data folder with trust authentication, and is stopped at the end.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.llm_server import free_port


def bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def missing() -> str | None:
    if bindir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql; scripts/setup.sh --for-tests)"
    return None


class PostgresServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="aisci-pg-"))
        self.data = self.root / "data"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def start(self) -> PostgresServer:
        bin_ = bindir()
        if bin_ is None:
            raise RuntimeError(missing() or "no PostgreSQL")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(self._as_owner(str(bin_ / "initdb"), "-D", str(self.data), "-U", "postgres",
                                      "--auth=trust", "-E", "UTF8"),
                       check=True, capture_output=True)
        log = self.root / "server.log"
        self.proc = subprocess.Popen(self._as_owner(
            str(bin_ / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = subprocess.run([str(bin_ / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True, check=False)
            if ready.returncode == 0:
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start; see {log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()
