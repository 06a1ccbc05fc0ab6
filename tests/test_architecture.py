"""The structure the house style asks for: no import cycles, `config` imports no app, libraries
used through their public APIs only, and Django's own middleware named as such."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "anonymous_chat", "chat", "config", "moderation", "web")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Module -> project modules it imports, anywhere in it (function bodies included)."""
    modules = project_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_takes_part_in_an_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_config_imports_no_app():
    leaks = {
        module: sorted(t for t in targets if not t.startswith("config"))
        for module, targets in import_graph().items()
        if module.startswith("config")
    }
    assert {m: t for m, t in leaks.items() if t} == {}


# Internals of the libraries we build on: subclassing or importing them breaks on upgrades.
PRIVATE = re.compile(
    r"from (openai|asgiref|psycopg|psycopg_pool|rest_framework|django)(\.\w+)*\._\w+ import"
    r"|import (openai|asgiref|psycopg|rest_framework|django)(\.\w+)*\._\w+"
    r"|from django\.core\.handlers\.asgi import|from django\.db\.backends\.\w+\.base import"
    r"|from django\.db\.backends\.\w+ import base"
    r"|_iterable_class|request_started\.disconnect|SyncToAsync\.threadlocal"
    r"|class \w+\([^)]*(ASGIHandler|DatabaseWrapper|MiddlewareMixin)[^)]*\)"
)


def test_libraries_are_used_through_their_public_apis_only():
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in project_modules().values()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert offending == []


def test_the_private_api_pattern_catches_what_it_is_for():
    for line in (
        "from openai._httpx2 import timeout_exceptions",
        "from django.core.handlers.asgi import ASGIHandler",
        "class Handler(ASGIHandler):",
        "signals.request_started.disconnect(close_old_connections)",
        "queryset._iterable_class is ValuesIterable",
    ):
        assert PRIVATE.search(line), line
    assert not PRIVATE.search("from openai import AsyncOpenAI")


def test_middleware_names_djangos_own_classes():
    django_middleware = [m for m in settings.MIDDLEWARE if m.startswith("django.")]
    assert django_middleware == [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    assert set(settings.MIDDLEWARE) - set(django_middleware) == {
        "config.middleware.RequestContextMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "axes.middleware.AxesMiddleware",
        "config.middleware.PrivateApiNoStoreMiddleware",
    }
