"""The HTML report: one self-contained file, checked as text and rendered in headless Chromium.

The rendering tests run Debian's ``chromium`` (``apt-get install -y chromium``; another binary
with ``A2C_IAM_CHROMIUM=/path``) as a plain headless browser, no driver: ``--dump-dom`` gives the
DOM after the page's script ran, ``--screenshot`` a picture, and ``--enable-logging=stderr``
Chromium's log, where every console message of the page appears as a ``CONSOLE`` line (uncaught
exceptions, ``console.error``, and the Content-Security-Policy's refusals of any fetch). A copy of
the report gets a probe script appended that measures the laid-out chart and tables and clicks a
bar, and writes what it saw into the DOM.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from a2c_iam.audit import AuditReport
from a2c_iam.audit.findings import finding
from a2c_iam.audit.html import as_html

CHROMIUM = os.environ.get("A2C_IAM_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
INSTALL = "apt-get install -y chromium (Debian's package), or set A2C_IAM_CHROMIUM=/path/to/it"
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason=f"Chromium is not installed; run: {INSTALL}")

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--disable-extensions",
          "--no-first-run", "--no-default-browser-check", "--mute-audio")

#: Appended to a copy of the report: lays nothing out itself, only measures and clicks.
_PROBE = """<script>
(function(){
  function box(e){var r=e.getBoundingClientRect();return [Math.round(r.width),Math.round(r.height)];}
  function shown(sel){return [].filter.call(document.querySelectorAll(sel),function(e){
    return e.getClientRects().length>0;});}
  var out={chart:box(document.getElementById('severity-chart')),
           matrix:box(document.getElementById('matrix'))};
  out.bars=[].map.call(document.querySelectorAll('#severity-chart .bar'),function(g){
    var r=g.querySelector('rect');return [g.getAttribute('data-severity'),box(r)[0],box(r)[1]];});
  out.rows=[].map.call(document.querySelectorAll('#matrix tbody tr'),function(r){return box(r)[1];});
  out.cells=document.querySelectorAll('#matrix tbody td').length;
  out.before=shown('details.finding').length;
  var bar=document.querySelector('#severity-chart .bar[data-severity="critical"]');
  bar.dispatchEvent(new MouseEvent('click',{bubbles:true}));
  out.after=shown('details.finding').map(function(d){return d.getAttribute('data-severity');});
  out.fixes=shown('details.finding .fix').length;
  document.body.setAttribute('data-probe',JSON.stringify(out));
})();
</script>"""


def test_self_contained(risky: AuditReport) -> None:
    page = as_html(risky)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?:|//[a-z]", page)  # not even an SVG namespace
    assert not re.search(r"""(src|href)\s*=""", page)
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


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _render(path: Path, tmp: Path) -> tuple[str, str]:
    """The DOM after scripts ran, and Chromium's log (console messages included)."""
    done = _chromium(tmp, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
                     "--dump-dom", path.as_uri())
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr


def _console(log: str) -> list[str]:
    """Every console message of the page: the report writes none, so each one is a fault."""
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def _probe(dom: str) -> dict[str, Any]:
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found is not None, "the probe script did not run"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


@needs_chromium
def test_renders_in_headless_chromium_without_console_errors(
        risky: AuditReport, tmp_path: Path) -> None:
    report = as_html(risky)
    page = tmp_path / "report.html"
    page.write_text(report.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom, log = _render(page, tmp_path)
    assert _console(log) == [], _console(log)
    assert 'data-ready="1"' in dom  # the report's own script ran to its end
    seen = _probe(dom)

    counts = risky.counts()
    bars = {sev: (width, height) for sev, width, height in seen["bars"]}
    assert list(bars) == ["critical", "high", "medium", "low", "info"]
    assert all(height > 10 for _, height in bars.values())
    # bar lengths are laid out in proportion to the counts
    by_count = sorted(bars, key=lambda s: counts[s])
    assert [bars[s][0] for s in by_count] == sorted(bars[s][0] for s in by_count)
    top = max(counts, key=lambda s: counts[s])
    assert bars[top][0] > 100 and bars["info"][0] <= 2 and counts["info"] == 0

    assert risky.matrix is not None
    assert len(seen["rows"]) == len(risky.matrix.rows) and all(h > 10 for h in seen["rows"])
    assert seen["cells"] == len(risky.matrix.rows) * len(risky.matrix.commands)
    assert seen["matrix"][0] > 200 and seen["chart"][0] > 200

    codes = {(f.code, f.severity.value) for f in risky.findings}
    assert seen["before"] == len(codes)
    assert seen["after"] == ["critical"] * sum(1 for _, s in codes if s == "critical")
    assert seen["fixes"] == len(seen["after"])

    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-3000:]
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1200, 1600)
    assert shot.stat().st_size > 20_000  # text, bars and table, not a blank page


@needs_chromium
def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    """The checks above can fail: a script error, console.error, and a fetch the page's
    Content-Security-Policy refuses each leave a console line."""
    csp = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "script-src 'unsafe-inline'\">")
    pages = {
        "exception": "<script>undefinedFunction();</script>",
        "error": "<script>console.error('bad');</script>",
        "fetch": '<img src="https://cdn.example.invalid/chart.js">',
    }
    page = tmp_path / "broken.html"
    page.write_text(f"<!DOCTYPE html><html><head>{csp}</head><body>"
                    + "".join(pages.values()) + "</body></html>")
    _, log = _render(page, tmp_path)
    lines = _console(log)
    assert any("undefinedFunction" in line for line in lines)
    assert any('"bad"' in line for line in lines)
    assert any("cdn.example.invalid" in line for line in lines)
