"""The local (unsafe) backend: verdicts as data, the limits it can apply, no preexec_fn, and
a sanitized job folder afterwards."""

from __future__ import annotations

import json
import secrets
import stat
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import sandbox.local
from sandbox.base import Limits, SandboxJob, SandboxResult
from sandbox.local import LocalSandbox


def _run(tmp_path: Path, code: str, **job: Any) -> SandboxResult:
    (tmp_path / "exp.py").write_text(code)
    return LocalSandbox().run(SandboxJob(workdir=tmp_path, command=["python", "exp.py"], **job))


def test_ok_with_results(tmp_path: Path) -> None:
    result = _run(tmp_path, "open('final_info.json', 'w').write('{}')\nprint('done')\n",
                  expected_files=["final_info.json"])
    assert result.verdict == "ok" and result.exit_code == 0
    assert "done" in result.stdout_tail


def test_error_carries_exit_code_and_stderr(tmp_path: Path) -> None:
    result = _run(tmp_path, "import sys\nraise SystemExit('boom')\n")
    assert result.verdict == "error" and result.exit_code == 1
    assert "boom" in result.stderr_tail


def test_timeout_stops_the_job(tmp_path: Path) -> None:
    result = _run(tmp_path, "import time\ntime.sleep(30)\n", limits=Limits(timeout_s=1))
    assert result.verdict == "timeout"
    assert result.duration_s < 5


def test_missing_results_are_named(tmp_path: Path) -> None:
    result = _run(tmp_path, "print('forgot')\n", expected_files=["final_info.json"])
    assert result.verdict == "missing_results"
    assert "final_info.json" in result.detail


def test_output_flood_is_cut(tmp_path: Path) -> None:
    result = _run(tmp_path, "while True:\n    print('x' * 10000)\n",
                  limits=Limits(output_bytes=100_000, timeout_s=20))
    assert result.verdict == "output_limit"
    assert len(result.stdout_tail) < 10_000


def test_host_keys_are_not_forwarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-canary")
    result = _run(tmp_path, "import os\nprint(sorted(os.environ), os.environ.get('OPENAI_API_KEY'))\n",
                  env={"OPENAI_API_KEY": "sk-local-canary"})
    assert result.verdict == "ok"
    assert "sk-local-canary" not in result.stdout_tail and "OPENAI" not in result.stdout_tail


def test_popen_gets_a_process_group_and_no_preexec_fn(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    real = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox.local.subprocess, "Popen", spy)
    result = _run(tmp_path, "import os\nprint(os.getpgid(0) == os.getpid())\n")
    assert result.verdict == "ok" and "True" in result.stdout_tail
    assert len(calls) == 1
    assert "preexec_fn" not in calls[0] and calls[0]["process_group"] == 0
    assert "start_new_session" not in calls[0]


def test_rlimits_still_apply(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import errno, json, resource
        limits = {n: resource.getrlimit(getattr(resource, n))[0]
                  for n in ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_NOFILE")}
        try:
            open("big.bin", "wb").write(b"0" * (3 << 20)); error = None
        except OSError as e:
            error = errno.errorcode[e.errno]
        print(json.dumps({"limits": limits, "error": error}))
    """)
    result = _run(tmp_path, code, limits=Limits(memory_mb=256, file_size_mb=2))
    got = json.loads(result.stdout_tail)
    nofile = got["limits"].pop("RLIMIT_NOFILE")
    assert got["limits"] == {"RLIMIT_AS": 4 * 256 << 20, "RLIMIT_FSIZE": 2 << 20, "RLIMIT_CORE": 0}
    assert 0 < nofile <= 4096
    assert got["error"] == "EFBIG" and (tmp_path / "big.bin").stat().st_size <= 2 << 20


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = f"aisci-local-{secrets.token_hex(4)}"
    code = (f"import subprocess, sys, time\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
            "time.sleep(60)\n")
    result = _run(tmp_path, code, limits=Limits(timeout_s=1))
    assert result.verdict == "timeout"
    assert _alive(marker) == []


def test_background_children_in_the_group_die_when_the_job_ends(tmp_path: Path) -> None:
    marker = f"aisci-local-{secrets.token_hex(4)}"
    code = (f"import subprocess, sys\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n")
    assert _run(tmp_path, code).verdict == "ok"
    assert _alive(marker) == []


def test_the_job_folder_is_sanitized_afterwards(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"outside-{secrets.token_hex(4)}.txt"
    outside.write_text("host")
    try:
        code = textwrap.dedent(f"""
            import os
            open("final_info.json", "w").write("{{}}")
            os.symlink({str(outside)!r}, "link")
            os.link({str(outside)!r}, "hard")
            os.mkfifo("fifo")
            open("suid", "w").write("x"); os.chmod("suid", 0o4777)
        """)
        result = _run(tmp_path, code, expected_files=["final_info.json"])
        names = sorted(p.name for p in tmp_path.iterdir())
        assert result.verdict == "ok", result.detail
        assert names == ["exp.py", "final_info.json", "hard", "suid"]
        assert (tmp_path / "hard").stat().st_nlink == 1 and outside.stat().st_nlink == 1
        assert stat.S_IMODE((tmp_path / "suid").stat().st_mode) == 0o755
        assert "1 symlink" in result.detail and "1 special file" in result.detail
        assert outside.read_text() == "host"
    finally:
        outside.unlink()


def test_too_many_result_files_give_results_limit(tmp_path: Path) -> None:
    code = "for i in range(50):\n    open(f'f{i:02d}', 'w').write('x')\n"
    result = _run(tmp_path, code, limits=Limits(result_files=10))
    assert result.verdict == "results_limit"
    assert "more than 10 files" in result.detail
    assert len(list(tmp_path.iterdir())) == 10


def test_filling_the_disk_gives_disk_limit(tmp_path: Path) -> None:
    code = ("import time\n"
            "for i in range(200):\n"
            "    open(f'fill{i}', 'wb').write(b'1' * (1 << 20)); time.sleep(0.02)\n")
    result = _run(tmp_path, code, limits=Limits(disk_mb=5, timeout_s=30))
    assert result.verdict == "disk_limit", result.detail
    assert "past 5 MB" in result.detail
    assert len(list(tmp_path.glob("fill*"))) < 200


def test_tex_runs_in_paranoid_mode(tmp_path: Path) -> None:
    code = "import os\nprint(os.environ['openin_any'], os.environ['shell_escape'])\n"
    assert _run(tmp_path, code).stdout_tail.split() == ["p", "f"]


def _alive(marker: str) -> list[int]:
    deadline = time.monotonic() + 3
    while True:
        found = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                 and _cmdline(p).find(marker.encode()) >= 0]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def test_a_job_that_swaps_its_folder_for_a_link_gets_an_empty_folder(tmp_path: Path) -> None:
    workdir = tmp_path / "job"
    workdir.mkdir()
    (workdir / "exp.py").write_text(
        "import os, shutil\nos.chdir('..')\nshutil.rmtree('job')\nos.symlink('/etc', 'job')\n")
    result = LocalSandbox().run(SandboxJob(workdir=workdir, command=["python", "exp.py"]))
    assert workdir.is_dir() and not workdir.is_symlink() and list(workdir.iterdir()) == []
    assert result.verdict == "error" and "replaced its own folder" in result.detail
