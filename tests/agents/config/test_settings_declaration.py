"""A run's setting is declared once: ``RunSettings``, the config file's schema and ``aisci run
--help`` all come from that declaration.

The first test adds a field to a copy of ``agents/config/settings.py`` (nothing else changes)
and finds it in all three, and finds its value carried from a flag or the config file into the
run's settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agents
from agents.cli import app

REPO = Path(agents.__file__).resolve().parents[1]
NEW_FIELD = '''    probe_rounds: Annotated[int, Flag(
        "Execution", "Rounds of the probe (a setting the test adds).")] = Field(
        default=4, ge=1, le=9, description="rounds of the probe")
'''
PROBE = r'''
import json, sys
from pathlib import Path
from typer.testing import CliRunner
import agents.cli.run as run_cli
from agents.cli import app
from agents.config.loading import AisciConfig, load_config
from agents.config.settings import RunSettings

config = sys.argv[1]
field = RunSettings.model_fields["probe_rounds"]
seen = []
run_cli.print_estimate = lambda settings: seen.append(settings.probe_rounds)
runner = CliRunner()
codes = [runner.invoke(app, ["run", "t", "--dry-run", *args]).exit_code for args in
         (["--probe-rounds", "7"], ["--config", config], [], ["--probe-rounds", "12"])]
print(json.dumps({
    "run_settings": [field.default, field.description],
    "schema": AisciConfig.model_json_schema()["properties"].get("probe_rounds"),
    "unset": load_config(None, implicit_file=False).probe_rounds,
    "file_and_flag": load_config(Path(config), probe_rounds=8).probe_rounds,
    "help": runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}).output,
    "codes": codes, "seen": seen}))
'''


def _with_new_field(tmp_path: Path) -> Path:
    """A copy of the ``agents`` package whose settings declaration has one field more."""
    root = tmp_path / "copy"
    shutil.copytree(REPO / "agents", root / "agents",
                    ignore=shutil.ignore_patterns("__pycache__"))
    settings = root / "agents" / "config" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    anchor = text.index("    literature: ", text.index("class FileSettings("))
    settings.write_text(text[:anchor] + NEW_FIELD + text[anchor:], encoding="utf-8")
    return root


def test_a_field_added_to_the_declaration_is_a_setting_a_config_key_and_a_flag(
        tmp_path: Path) -> None:
    root = _with_new_field(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    config = work / "probe.toml"
    config.write_text("probe_rounds = 5\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("AISCI_")}
    env.update(PYTHONPATH=f"{root}{os.pathsep}{REPO}", HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg"), AISCI_TEMPLATES_DIR=str(REPO / "templates"))
    proc = subprocess.run([sys.executable, "-c", PROBE, str(config)], capture_output=True,
                          text=True, timeout=120, cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])

    assert found["run_settings"] == [4, "rounds of the probe"]
    schema = found["schema"]
    assert schema is not None, "the config file does not know the new setting"
    assert (schema["default"], schema["minimum"], schema["maximum"], schema["description"]) == (
        4, 1, 9, "rounds of the probe")
    assert found["unset"] == 4 and found["file_and_flag"] == 8

    help_text = " ".join(found["help"].split())
    assert "--probe-rounds" in help_text, "aisci run --help lacks the new setting"
    assert "Rounds of the probe (a setting the test adds)." in help_text
    assert "1<=x<=9" in help_text
    execution = found["help"].split("╭─ Execution")[1].split("╰")[0]
    assert "--probe-rounds" in execution, "the new option is not in its panel"

    # a flag and the config file reach the run's settings; out of range is bad input (exit 2)
    assert found["codes"] == [0, 0, 0, 2]
    assert found["seen"] == [7, 5, 4]


def test_a_flag_for_a_table_setting_keeps_the_rest_of_the_files_table(
        clean_place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agents.cli.run as run_cli
    from agents.config.settings import RunSettings

    (clean_place / "aisci.toml").write_text("parallel = 3\n[tree]\ndrafts = 2\nmax_nodes = 6\n",
                                            encoding="utf-8")
    seen: list[RunSettings] = []
    monkeypatch.setattr(run_cli, "print_estimate", seen.append)
    result = CliRunner().invoke(app, ["run", "t", "--dry-run", "--max-nodes", "5",
                                      "--approve", "ideas", "--approve", "ideas"])
    assert result.exit_code == 0, result.output
    [settings] = seen
    assert (settings.tree.drafts, settings.tree.max_nodes) == (2, 5)
    assert settings.parallel == 3 and settings.seeds == 3
    assert [c.value for c in settings.approve] == ["ideas"]


@pytest.mark.parametrize(("given", "named"), [({"job_timeout_s": -1}, "--timeout"),
                                              ({"tree": {"max_nodes": 99}}, "--max-nodes"),
                                              ({"max_cost": -1}, "--max-cost")])
def test_a_bad_setting_names_the_option_its_declaration_gives(
        clean_place: Path, given: dict[str, object], named: str) -> None:
    from agents.config.loading import load_config
    from agents.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_config(None, implicit_file=False, **given)
    assert str(caught.value).startswith(f"invalid setting {named}:"), caught.value


def test_a_roles_override_keeps_the_range_and_description_of_its_setting(clean_place: Path) -> None:
    from agents.config.loading import RoleOverrides, load_config
    from agents.errors import ConfigError

    (clean_place / "aisci.toml").write_text('model = "mock"\n[roles.coder]\nmax_tokens = -1\n',
                                            encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "line 3: invalid setting roles.coder.max_tokens: Input should be greater than 0" in str(
        caught.value)
    schema = RoleOverrides.model_json_schema()["properties"]["max_tokens"]
    assert schema["description"] == "longest reply, in tokens"
    assert {"exclusiveMinimum": 0, "type": "integer"} in schema["anyOf"]
