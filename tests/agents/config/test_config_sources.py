"""Settings come from a TOML file, then AISCI_* variables, then flags; later ones win."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.config.loading import AisciConfig, load_config
from agents.config.settings import ROLES
from agents.errors import ConfigError
from agents.llm.runtime import OFFLINE_MODEL

#: no developer config file or AISCI_* variable leaks into any test here
pytestmark = pytest.mark.usefixtures("clean_place")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_set_means_the_offline_model_for_every_role() -> None:
    config = load_config()
    assert config.model is None and config.resolved_model() == (OFFLINE_MODEL, True)
    roles = config.role_settings()
    assert set(roles) == set(ROLES)
    assert {s.model for s in roles.values()} == {OFFLINE_MODEL}
    assert config.sandbox == "docker" and config.max_cost is None


def test_a_provider_key_picks_that_providers_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert load_config().resolved_model() == ("anthropic/claude-sonnet-4-5", False)
    assert load_config(model="mock").default_settings().model == OFFLINE_MODEL


def test_file_then_environment_then_flags(clean_place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(clean_place / "aisci.toml", 'model = "openai/from-file"\nmax_cost = 1.5\nparallel = 3\n'
                                       'timeout_s = 60\n')
    config = load_config()
    assert (config.model, config.max_cost, config.parallel) == ("openai/from-file", 1.5, 3)

    monkeypatch.setenv("AISCI_MODEL", "openai/from-env")
    monkeypatch.setenv("AISCI_MAX_COST", "2.5")
    config = load_config()
    assert (config.model, config.max_cost, config.parallel) == ("openai/from-env", 2.5, 3)

    config = load_config(model="openai/from-flag", max_cost=None, parallel=None)
    assert (config.model, config.max_cost, config.parallel) == ("openai/from-flag", 2.5, 3)
    assert config.default_settings().timeout_s == 60


def test_per_role_overrides(clean_place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(clean_place / "aisci.toml", """
model = "openai/small"
api_base = "http://localhost:8000/v1"
temperature = 0.2

[roles.coder]
model = "openai/big-coder"
max_tokens = 8000

[roles.writer]
model = "gpt-4o"
""")
    monkeypatch.setenv("AISCI_REVIEWER_MODEL", "anthropic/claude-sonnet-4-5")
    monkeypatch.setenv("AISCI_CODER_TIMEOUT_S", "900")
    roles = load_config(novelty_model="openai/tiny").role_settings()
    assert roles["ideation"].model == "openai/small" and roles["ideation"].temperature == 0.2
    coder = roles["coder"]
    assert (coder.model, coder.max_tokens, coder.timeout_s) == ("openai/big-coder", 8000, 900)
    # Same provider as the top level: the same local server.
    assert coder.api_base == "http://localhost:8000/v1"
    assert roles["novelty"].model == "openai/tiny" and roles["novelty"].api_base is not None
    # A hosted model of another provider does not inherit the local server's address.
    assert roles["writer"].model == "gpt-4o" and roles["writer"].api_base is None
    assert roles["reviewer"].model == "anthropic/claude-sonnet-4-5"
    assert roles["reviewer"].api_base is None and roles["reviewer"].temperature == 0.2


def test_a_flag_beats_the_environment_for_one_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISCI_CODER_MODEL", "openai/env-coder")
    assert load_config(coder_model="openai/flag-coder").role_settings()["coder"].model == "openai/flag-coder"
    assert load_config(coder_model=None).role_settings()["coder"].model == "openai/env-coder"


def test_the_user_file_is_read_when_there_is_no_local_one(clean_place: Path, tmp_path: Path) -> None:
    _write(tmp_path / "xdg" / "aisci" / "config.toml", 'sandbox = "local"\nparallel = 5\n')
    assert load_config().sandbox == "local"
    _write(clean_place / "aisci.toml", "parallel = 7\n")
    assert load_config().parallel == 7 and load_config().sandbox == "docker"
    explicit = _write(tmp_path / "elsewhere.toml", "parallel = 9\n")
    assert load_config(explicit).parallel == 9


def test_bad_toml_names_the_file_and_line(clean_place: Path) -> None:
    _write(clean_place / "aisci.toml", 'model = "x"\nmax_cost 2\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = str(caught.value)
    assert "aisci.toml" in message and "line 2" in message and "\n" not in message


def test_an_unknown_setting_names_the_file_line_and_key(clean_place: Path) -> None:
    _write(clean_place / "aisci.toml", 'model = "x"\n\n[roles.coder]\nmodle = "y"\n')
    with pytest.raises(ConfigError, match=r"aisci\.toml, line 4: unknown setting roles\.coder\.modle"):
        load_config()


def test_a_bad_value_names_its_source(monkeypatch: pytest.MonkeyPatch, clean_place: Path) -> None:
    monkeypatch.setenv("AISCI_MAX_COST", "lots")
    with pytest.raises(ConfigError, match="AISCI_MAX_COST"):
        load_config()
    monkeypatch.delenv("AISCI_MAX_COST")
    with pytest.raises(ConfigError, match="--parallel"):
        load_config(parallel=0)
    _write(clean_place / "aisci.toml", 'sandbox = "vm"\n')
    with pytest.raises(ConfigError, match=r"aisci\.toml, line 1: invalid setting sandbox"):
        load_config()


def test_keys_are_never_read_from_files(clean_place: Path) -> None:
    _write(clean_place / "aisci.toml", '[roles.coder]\napi_key = "sk-secret-in-a-file-1234"\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "roles.coder.api_key" in str(caught.value) and "environment" in str(caught.value)
    assert "sk-secret-in-a-file-1234" not in str(caught.value)


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_unknown_flags_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting 'modle'"):
        load_config(modle="x")


def test_settings_never_hold_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-only-5678")
    config = load_config(model="gpt-4o")
    dumped = config.model_dump_json() + "".join(s.model_dump_json() for s in config.role_settings().values())
    assert "sk-env-only-5678" not in dumped and "api_key" not in AisciConfig.model_fields


def test_model_fields_are_declared_once() -> None:
    """A role's overrides are exactly the fields of ModelSettings, every one optional."""
    from agents.config.loading import RoleOverrides
    from agents.config.settings import ModelSettings

    assert set(RoleOverrides.model_fields) == set(ModelSettings.model_fields)
    assert all(not f.is_required() for f in RoleOverrides.model_fields.values())


def test_an_api_base_from_a_file_found_on_its_own_is_unconfirmed(clean_place: Path) -> None:
    _write(clean_place / "aisci.toml", 'model = "openai/x"\napi_base = "http://evil.example/v1"\n')
    config = load_config()
    assert not config.api_base_confirmed("http://evil.example/v1")
    assert load_config(api_base="http://evil.example/v1").api_base_confirmed("http://evil.example/v1")
    assert load_config(clean_place / "aisci.toml").api_base_confirmed("http://evil.example/v1")


def test_url_credentials_are_masked_but_a_user_name_is_not() -> None:
    from agents.config.secrets import redact, redact_url

    assert redact_url("https://me:hunter2@proxy.example/v1") == "https://***@proxy.example/v1"
    assert redact_url("https://ghp_0123456789abcdefghij@host/x") == "https://***@host/x"
    assert redact_url("postgresql://postgres@127.0.0.1:5432/db") == "postgresql://postgres@127.0.0.1:5432/db"
    assert "hunter2" not in redact("error at postgresql://u:hunter2@db/x: refused")


def test_the_primary_metric_and_the_job_timeout_come_from_file_env_or_flags(
        clean_place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(clean_place / "aisci.toml", 'metric = "final_val_acc_mean"\nlower_is_better = false\n'
                                       "job_timeout_s = 3600\n")
    config = load_config()
    assert (config.metric, config.lower_is_better, config.job_timeout_s) == (
        "final_val_acc_mean", False, 3600)
    monkeypatch.setenv("AISCI_METRIC", "step_val_acc_99_mean")
    assert load_config().metric == "step_val_acc_99_mean"
    flagged = load_config(metric="final_val_loss_mean", lower_is_better=True, job_timeout_s=60)
    assert (flagged.metric, flagged.lower_is_better, flagged.job_timeout_s) == (
        "final_val_loss_mean", True, 60)
    with pytest.raises(ConfigError, match="invalid setting --timeout:"):
        load_config(job_timeout_s=-1)
