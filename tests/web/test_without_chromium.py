"""Without Chromium the browser tests are skipped with one line saying why, and a run with
FORBID_SKIPS=1 (as in CI) fails instead of passing with them skipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from config.settings import BASE_DIR

MISSING = "/nonexistent/chromium"
REASON = f"browser tests need Chromium at {MISSING} (set CHROMIUM to its path)"


def run_chat_page_tests(forbid_skips: str) -> tuple[subprocess.CompletedProcess, int]:
    """tests/web/test_chat_page.py in a child pytest pointed at a Chromium that is not there,
    and the number of tests it collected.

    The child gets its own SQLite test database (named by its process id): on PostgreSQL it
    would share this run's test database name and drop it.
    """
    env = {
        **os.environ,
        "CHROMIUM": MISSING,
        "FORBID_SKIPS": forbid_skips,
        "DATABASE_URL": "sqlite:///db.sqlite3",
    }
    env.pop("PYTEST_ADDOPTS", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/web/test_chat_page.py",
        "-p",
        "no:cacheprovider",
    ]
    collected = subprocess.run(
        [*command, "--collect-only", "-q"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    total = int(re.search(r"(\d+) tests? collected", collected.stdout).group(1))
    result = subprocess.run(
        [*command, "-q"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=100
    )
    return result, total


def test_browser_tests_skip_with_one_reason_line_without_chromium():
    result, total = run_chat_page_tests("0")
    output = result.stdout + result.stderr
    assert total >= 10
    assert result.returncode == 0, output
    assert result.stdout.splitlines()[-1].startswith(f"{total} skipped in "), output
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped == [f"SKIPPED [{total}] tests/web/conftest.py: {REASON}"], output
    assert "Traceback" not in output


def test_a_run_that_forbids_skips_fails_without_chromium():
    result, total = run_chat_page_tests("1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FORBID_SKIPS=1: {total} test(s) skipped; failing the run." in result.stdout
