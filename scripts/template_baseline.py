"""Regenerate a shipped template's run_0 (its baseline results) in the Docker sandbox.

    python scripts/template_baseline.py templates/grokking [--seed 0]

Runs ``python experiment.py --out_dir=out`` (plus ``--seed`` when the template seeds by
argument) in the sandbox image, with the template's limits and without its held-out data (as
every search job runs), and replaces ``run_0/`` with what the job wrote. Heavy: run it under
``flock /work/locks/heavy`` on a shared machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from agents.experiment.grading import prepare_job
from agents.experiment.variants import COPY_IGNORE
from agents.templates.template import load_template
from sandbox.base import SandboxJob
from sandbox.docker import DockerSandbox


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    template = load_template(args.template)
    with tempfile.TemporaryDirectory(prefix="aisci-baseline-") as tmp:
        job_dir = Path(tmp) / "job"
        shutil.copytree(template.path, job_dir, ignore=COPY_IGNORE)
        readonly = prepare_job(template, job_dir, test=False)
        (job_dir / "out").mkdir()
        command = ["python", "experiment.py", "--out_dir=out"]
        if args.seed is not None and template.seed.argument:
            command.append(f"{template.seed.argument}={args.seed}")
        result = DockerSandbox().run(SandboxJob(
            workdir=job_dir, command=command, limits=template.limits, readonly=readonly,
            env={"PYTHONHASHSEED": "0"}, expected_files=["out/final_info.json"]))
        print(result.stdout_tail[-2000:])
        if not result.ok:
            print(result.feedback(), file=sys.stderr)
            return 1
        target = template.path / "run_0"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(job_dir / "out", target)
    print(f"wrote {target} ({result.duration_s:.0f} s in the sandbox)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
