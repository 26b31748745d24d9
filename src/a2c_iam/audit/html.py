"""The audit report as one self-contained HTML file: inline CSS, SVG and script, no network.

Three parts: a bar chart of findings by severity (SVG, drawn here, no library), the principal ×
App2Container-command matrix, and the findings grouped by check with their fixes. A few lines of
script filter the findings by severity (click a bar) and by text. Every value from the account
is escaped; the file names no external resource, so it opens the same offline.
"""

from __future__ import annotations

from html import escape

from .checks import AuditReport
from .findings import Finding, Severity

__all__ = ["as_html"]

COLOURS = {"critical": "#8b0000", "high": "#d9480f", "medium": "#e8a317", "low": "#1c7ed6",
           "info": "#868e96"}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#212529}
h1{font-size:20px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.meta{color:#495057;margin:0 0 12px}
table{border-collapse:collapse;font-size:13px} th,td{border:1px solid #dee2e6;padding:3px 6px}
th{background:#f1f3f5;position:sticky;top:0} td.y{background:#d3f9d8;text-align:center}
td.n{background:#fff5f5;text-align:center;color:#c92a2a}
th.cmd{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:600}
th.deploy{background:#fff3bf}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:12px}
details{margin:6px 0;border:1px solid #dee2e6;border-radius:4px;padding:4px 8px}
summary{cursor:pointer} ul{margin:4px 0 4px 18px;padding:0} li{margin:2px 0}
.fix{background:#f8f9fa;border-left:3px solid #2b8a3e;padding:4px 8px;margin:6px 0}
#filter{padding:4px 8px;width:320px} .bar{cursor:pointer} .hidden{display:none}
.wrap{overflow:auto;max-height:600px}
"""

_JS = """
(function(){
  var active=null;
  function apply(){
    var q=document.getElementById('filter').value.toLowerCase();
    document.querySelectorAll('details.finding').forEach(function(d){
      var sevOk=!active||d.getAttribute('data-severity')===active;
      var items=d.querySelectorAll('li.item'),shown=0;
      items.forEach(function(li){
        var ok=!q||li.textContent.toLowerCase().indexOf(q)>=0;
        li.classList.toggle('hidden',!ok); if(ok){shown++;}
      });
      d.classList.toggle('hidden',!sevOk||shown===0);
    });
    document.getElementById('active').textContent=active?('showing '+active+' only'):'';
  }
  document.querySelectorAll('.bar').forEach(function(b){
    b.addEventListener('click',function(){
      var s=b.getAttribute('data-severity'); active=(active===s)?null:s; apply();
    });
  });
  document.getElementById('filter').addEventListener('input',apply);
  document.body.setAttribute('data-ready','1');
})();
"""


def _chart(counts: dict[str, int]) -> str:
    width, bar_h, gap, label_w = 520, 22, 8, 80
    top = max(counts.values()) or 1
    parts = [f'<svg id="severity-chart" width="{width}" '
             f'height="{len(counts) * (bar_h + gap) + gap}" role="img" '
             'aria-label="findings by severity">']
    for i, (sev, n) in enumerate(counts.items()):
        y = gap + i * (bar_h + gap)
        w = int((width - label_w - 60) * n / top) if n else 0
        parts.append(
            f'<g class="bar" data-severity="{sev}"><text x="0" y="{y + 16}" font-size="13">'
            f'{sev}</text><rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" '
            f'fill="{COLOURS[sev]}"><title>{n} {sev}</title></rect>'
            f'<text x="{label_w + max(w, 1) + 6}" y="{y + 16}" font-size="13">{n}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _matrix(report: AuditReport, max_rows: int) -> str:
    matrix = report.matrix
    if matrix is None:
        return "<p>No App2Container matrix: give a choice profile (--choices or --target).</p>"
    cmds = matrix.commands
    head = "".join(
        f'<th class="cmd{" deploy" if c.deploy else ""}" title="{escape(str(c.persona))}">'
        f"{escape(c.command)}</th>" for c in cmds)
    rows = []
    for r in matrix.rows[:max_rows]:
        cells = []
        for c in cmds:
            if r.allowed.get(c.command):
                cells.append('<td class="y">✓</td>')
            else:
                miss = r.missing.get(c.command, ())
                tip = escape("; ".join(f"{a} on {res}" for a, res in miss[:8]))
                cells.append(f'<td class="n" title="missing: {tip}">✗</td>')
        rows.append(f"<tr><th>{escape(r.label)}</th>{''.join(cells)}</tr>")
    more = (f"<p>… and {len(matrix.rows) - max_rows} more principals (see --format json).</p>"
            if len(matrix.rows) > max_rows else "")
    return (f'<div class="wrap"><table id="matrix"><thead><tr><th>principal</th>{head}</tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table></div>{more}"
            "<p>Columns shaded yellow need the deployment persona (--deploy). Hover a ✗ for the "
            "missing permissions.</p>")


def _findings(report: AuditReport, max_items: int) -> str:
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault((f.code, f.severity.value), []).append(f)
    out = []
    for (code, _), items in groups.items():
        first = items[0]
        sev = first.severity.value
        check = first.check
        lis = []
        for f in items[:max_items]:
            extra = ""
            if f.details:
                extra = "<br><small>" + escape("; ".join(f.details[:10])) + "</small>"
            lis.append(f'<li class="item">{escape(f.message)}{extra}</li>')
        if len(items) > max_items:
            lis.append(f"<li>… and {len(items) - max_items} more (see --format json)</li>")
        out.append(
            f'<details class="finding" data-severity="{sev}" open><summary>'
            f'<span class="sev" style="background:{COLOURS[sev]}">{sev}</span> '
            f"<b>{escape(code)}</b> — {escape(check.title)} ({len(items)})</summary>"
            f"<ul>{''.join(lis)}</ul><div class=\"fix\"><b>Fix:</b> {escape(check.fix)}</div>"
            "</details>")
    return "".join(out) or "<p>No findings.</p>"


def as_html(report: AuditReport, max_rows: int = 500, max_items: int = 500) -> str:
    acct = report.account
    counts = {s.value: 0 for s in Severity}
    counts.update(report.counts())
    title = f"a2c-iam audit — account {acct.account_id}"
    meta = (f"{escape(acct.source or 'input')}: {len(acct.users)} users, {len(acct.groups)} "
            f"groups, {len(acct.roles)} roles, {len(acct.policies)} managed policies. "
            f"General-purpose group: {escape(report.general_group or '(none found)')}; "
            "deployment identity: "
            f"{escape(', '.join(report.deploy_identities) or '(none found)')}.")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p class=\"meta\">{meta}</p>"
        f"<h2>Findings by severity</h2>{_chart(counts)}<p id=\"active\"></p>"
        f"<h2>App2Container commands by principal</h2>{_matrix(report, max_rows)}"
        "<h2>Findings</h2><p><input id=\"filter\" type=\"search\" placeholder=\"filter by text "
        f"(principal, policy…)\"></p><div id=\"findings\">{_findings(report, max_items)}</div>"
        f"<script>{_JS}</script></body></html>\n"
    )
