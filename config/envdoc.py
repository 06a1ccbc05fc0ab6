"""Render the settings table for README.md and the .env.example file from ENV_SETTINGS.

`python -m config.envdoc` rewrites both; a test fails when either drifts from settings.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from config.settings import BASE_DIR, ENV_SETTINGS, EnvSetting

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def render_default(setting: EnvSetting) -> str:
    value = setting.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def render_table() -> str:
    rows = ["| Name | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for s in ENV_SETTINGS.values():
        default = render_default(s)
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{s.name}` | {s.kind} | {shown} | {s.doc.replace('|', '/')} |")
    return "\n".join(rows)


def render_env_example() -> str:
    lines = ["# Every setting the server reads, with its default. Copy to .env and edit.", ""]
    for s in ENV_SETTINGS.values():
        lines.append(f"# {s.doc} ({s.kind})")
        lines.append(f"{s.name}={render_default(s)}")
    return "\n".join(lines) + "\n"


BLOCK = re.compile(re.escape(START) + r"\n?(.*?)\n?" + re.escape(END), re.S)


def readme_table(text: str) -> str:
    match = BLOCK.search(text)
    return match.group(1) if match else ""


def write(base: Path = BASE_DIR) -> None:
    readme = base / "README.md"
    table = f"{START}\n{render_table()}\n{END}"
    readme.write_text(BLOCK.sub(lambda _: table, readme.read_text()))
    (base / ".env.example").write_text(render_env_example())


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    write()
