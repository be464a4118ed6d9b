"""A password in a URL's query (``?password=``, ``&api_key=``) is masked wherever aisci writes
a setting: run.json, report.html, events.jsonl, error.log.

``aisci run --checkpointer postgresql://...?password=...`` against a closed port: the run stops
in one line, and no file of its folder holds the password.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from agents.config.secrets import redact, redact_url
from tests.support import REPO, aisci, only_run

PASSWORD = "pw-canary-6c1d0e9b"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_dsn_password_reaches_no_run_file(tmp_path: Path) -> None:
    dsn = f"postgresql://aisci@127.0.0.1:{_closed_port()}/runs?sslmode=disable&password={PASSWORD}"
    runs = tmp_path / "runs"
    done = subprocess.run(aisci("run", "momentum", "--model", "mock", "--sandbox", "local",
                                "--runs-dir", str(runs), "--checkpointer", dsn),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and "cannot reach the checkpoint database" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    run = only_run(runs)
    written = {p.name: p.read_text(errors="replace") for p in run.rglob("*") if p.is_file()}
    assert {"run.json", "report.html", "events.jsonl"} <= set(written)
    assert not [name for name, text in written.items() if PASSWORD in text]
    assert "password=***" in written["run.json"]


def test_query_and_dsn_secrets_are_masked() -> None:
    assert redact_url(f"http://h/v1?api_key={PASSWORD}&model=x") == "http://h/v1?api_key=***&model=x"
    assert redact_url(f"postgresql://u:{PASSWORD}@h/db") == "postgresql://***@h/db"
    assert PASSWORD not in redact(f"host=db user=me password='{PASSWORD}' dbname=x")
    assert PASSWORD not in redact(f"https://x/?token={PASSWORD};sig={PASSWORD}")
    assert redact("max_tokens=4096 seeds=3") == "max_tokens=4096 seeds=3"
