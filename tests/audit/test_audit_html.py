"""The HTML report: one self-contained file, checked as text and rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from a2c_iam.audit import AuditReport
from a2c_iam.audit.findings import finding
from a2c_iam.audit.html import as_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "apt-get install -y chromium"


def test_self_contained(risky: AuditReport) -> None:
    page = as_html(risky)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # the page itself forbids any fetch
    assert 'id="severity-chart"' in page and 'id="matrix"' in page
    for code in ("PRIVILEGE_ESCALATION", "ROLE_TRUSTS_ANYONE", "GENERAL_GROUP_CAN_DEPLOY"):
        assert code in page
    assert "Fix:" in page


def test_account_text_is_escaped(risky: AuditReport) -> None:
    hostile = AuditReport(risky.account, [finding("INPUT_PROBLEM", '<img src=x onerror="1">')])
    page = as_html(hostile)
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;1&quot;&gt;" in page


def _render(path: Path, tmp: Path) -> tuple[str, str]:
    """The DOM after scripts ran, and Chromium's log (console messages included)."""
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr",
           "--v=0", "--virtual-time-budget=2000", "--dump-dom", path.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout, done.stderr


def _console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]


@pytest.mark.skipif(CHROMIUM is None, reason=f"Chromium is not installed; run: {INSTALL}")
def test_renders_in_headless_chromium_without_console_errors(
        risky: AuditReport, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(as_html(risky), encoding="utf-8")
    dom, log = _render(page, tmp_path)
    assert 'data-ready="1"' in dom, log[-2000:]  # the report's script ran to its end
    assert "<svg" in dom and dom.count('class="bar"') == 5
    assert dom.count("<tr>") == len(risky.matrix.rows) + 1
    assert _console_errors(log) == []
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}",
                    "--window-size=1200,1600", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason=f"Chromium is not installed; run: {INSTALL}")
def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>")
    _, log = _render(page, tmp_path)
    assert _console_errors(log)
