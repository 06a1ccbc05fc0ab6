"""Settings, README, .env.example and docker-compose.yml tell the same story."""

from __future__ import annotations

import re

import pytest
import yaml

from config import envdoc
from config.settings import BASE_DIR, ENV_SETTINGS, parse_database_url


def test_readme_settings_table_matches_settings_module():
    readme = (BASE_DIR / "README.md").read_text()
    assert envdoc.readme_table(readme) == envdoc.render_table(), "run: python -m config.envdoc"


def test_env_example_matches_settings_module():
    assert (BASE_DIR / ".env.example").read_text() == envdoc.render_env_example()


def test_env_example_names_every_setting_exactly_once():
    names = re.findall(r"^([A-Z_][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.M)
    assert sorted(names) == sorted(ENV_SETTINGS)


def test_docker_compose_uses_only_documented_settings():
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    built = {name: service for name, service in services.items() if "build" in service}
    assert {"app", "migrate"} <= set(built), "the app and its migrations run the project's image"
    for name, service in built.items():
        names = set(service["environment"])
        assert names <= set(ENV_SETTINGS), name
        assert {"DATABASE_URL", "SECRET_KEY", "AI_ASSISTANT_ENABLED_ROLES"} <= names, name


def test_readme_starts_with_the_two_setup_commands():
    lines = (BASE_DIR / "README.md").read_text().splitlines()
    assert lines[0] == "```sh"
    assert lines[1].startswith("scripts/run ")
    assert lines[2].startswith("scripts/test ")
    assert lines[3] == "```"


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:///db.sqlite3", "django.db.backends.sqlite3", str(BASE_DIR / "db.sqlite3")),
        ("sqlite:////tmp/x.db", "django.db.backends.sqlite3", "/tmp/x.db"),
        ("postgres://u:p%40ss@db:5433/chat", "django.db.backends.postgresql", "chat"),
        ("postgresql://u@localhost/other", "django.db.backends.postgresql", "other"),
    ],
)
def test_database_url_forms(url, engine, name):
    config = parse_database_url(url, pool_max_size=5)
    assert (config["ENGINE"], config["NAME"]) == (engine, name)
    if engine.endswith("postgresql"):
        assert config["OPTIONS"]["pool"]["max_size"] == 5
        assert config["CONN_MAX_AGE"] == 0


def test_postgres_url_credentials_and_port_are_decoded():
    config = parse_database_url("postgres://u:p%40ss@db:5433/chat", pool_max_size=0)
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "u",
        "p@ss",
        "db",
        "5433",
    )
    assert "pool" not in config["OPTIONS"]


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        parse_database_url("mysql://x@y/z", pool_max_size=1)


def test_a_role_to_assume_is_refused_with_a_pool():
    with pytest.raises(ValueError, match="DB_POOL_MAX_SIZE=0"):
        parse_database_url("postgres://u@db/chat?assume_role=app", pool_max_size=5)
    options = parse_database_url("postgres://u@db/chat?assume_role=app", pool_max_size=0)
    assert options["OPTIONS"] == {"assume_role": "app"}
