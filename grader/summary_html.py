"""A picture of the class: ``summary.html`` (self-contained: no script, no network, inline
styles) and ``summary.png`` (the pass-rate bars for a slide, with no student names).

Per exercise: the pass rate, the outcomes and the most common diagnosis (grouped by diagnosis
key, shown in the run's language); the score distribution; the slowest submissions. Every
string that comes from a submission (student names, diagnoses, notes) is HTML-escaped.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from grader.text import t

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",
sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.3em .7em;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}th{background:#f4f4f4}.num{text-align:right}
.bar{background:#e8e8e8;width:12em;height:1em;display:inline-block;vertical-align:middle}
.fill{background:#3a8f4a;height:100%}.sbar{background:#4a6fa5;height:1em;display:inline-block}
code{font-size:95%}
"""


def _bar(fraction: float, css: str = "fill") -> str:
    return (f'<span class="bar"><span class="{css}" style="display:block;width:'
            f'{max(0.0, min(1.0, fraction)) * 100:.1f}%"></span></span>')


def summary_html(summary: dict, lang: str) -> str:
    e = html.escape
    rows = []
    for row in summary["exercises"]:
        rate = row["passed"] / row["graded"] if row["graded"] else 0.0
        outcomes = ", ".join(f"{e(t('outcome.' + o, lang))} {n}"
                             for o, n in sorted(row["outcomes"].items(), key=lambda x: -x[1]))
        diag = row["most_common_diagnosis"]
        rows.append(
            f"<tr><td><code>{e(row['name'])}</code></td><td class=num>{row['points']:g}</td>"
            f"<td>{_bar(rate)} {row['passed']}/{row['graded']} ({rate:.0%})</td>"
            f"<td>{outcomes}</td>"
            f"<td>{e(diag['text']) + ' (' + str(diag['count']) + ')' if diag else ''}</td></tr>")
    dist = summary.get("score_distribution") or {}
    most = max(dist.values(), default=1)
    scores = "".join(f"<tr><td class=num>{e(score)}</td><td><span class=sbar style='width:"
                     f"{n / most * 12:.2f}em'></span> {n}</td></tr>" for score, n in dist.items())
    slow = "".join(f"<tr><td>{e(item['student'])}</td><td class=num>{item['seconds']:.1f} s"
                   f"</td></tr>" for item in summary.get("slowest") or [])
    problems = "".join(f"<li>{e(item['student'])}: {e(t('grade.status.' + item['status'], lang))}"
                       "</li>" for item in summary["not_graded"] + summary["problems"])
    head = t("grade.table_head", lang).split("|")
    line = t("grade.summary_line", lang, graded=summary["graded"], students=summary["students"],
             mean=summary["mean_score"] or 0, max_score=summary["max_score"])
    return f"""<!DOCTYPE html>
<html lang="{e(t('summary.html_lang', lang))}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(t('grade.summary_title', lang))}</title><style>{_STYLE}</style></head><body>
<h1>{e(t('grade.summary_title', lang))}</h1>
<p>{e(line)}</p>
<table><tr><th>{e(head[0])}</th><th>{e(head[1])}</th><th>{e(t('summary.pass_rate', lang))}</th>
<th>{e(t('summary.outcomes', lang))}</th><th>{e(t('summary.diagnosis', lang))}</th></tr>
{''.join(rows)}</table>
<h2>{e(t('summary.scores', lang))}</h2><table>{scores}</table>
<h2>{e(t('summary.slowest', lang))}</h2><table>{slow}</table>
{f'<ul>{problems}</ul>' if problems else ''}
</body></html>
"""


def write_picture(path: Path, summary: dict, lang: str) -> None:
    """The pass rate per exercise as bars (no student names), redrawn only when the numbers
    changed (a re-run with nothing new imports no matplotlib)."""
    bars = [(row["name"], row["passed"], row["graded"]) for row in summary["exercises"]]
    digest = hashlib.sha256(json.dumps([bars, lang]).encode()).hexdigest()[:16]
    stamp = path.with_name(path.name + ".sha")
    if path.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return
    try:
        import matplotlib
    except ImportError:
        return  # the HTML summary has the same numbers
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name, _, _ in bars]
    rates = [100.0 * passed / graded if graded else 0.0 for _, passed, graded in bars]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(bars) + 1))
    ax.barh(range(len(bars)), rates, color="#3a8f4a")
    ax.set_yticks(range(len(bars)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% passed")
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    stamp.write_text(digest + "\n")
