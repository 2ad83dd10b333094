"""The report's one set of HTML helpers: escaping, cells, tables, ids, links, figures, CSS.

Every section writes its markup through these, so an id, a link and a table look the same
wherever they appear.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.6em}h4{margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.excluded td{color:#555}tr.not_pooled td{color:#8a1c1c}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
.quote{font-style:italic}.small{font-size:.85em;color:#444}.na{color:#8a1c1c}
.certainty{white-space:nowrap;font-weight:600}
nav a{margin-right:1em}nav{position:sticky;top:0;background:#fff;padding:.4em 0;
border-bottom:1px solid #ddd}
:target{background:#fff7d6}
@media print{nav{position:static}figure{break-inside:avoid}}
"""


def esc(value) -> str:
    """Text as HTML: '' for None, floats to 4 significant digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


def shown(value) -> str:
    """A table value as HTML text: esc(), booleans as yes/no, ';'-lists spaced out."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return esc(value.replace(";", "; "))
    return esc(value)


class Num(str):
    """A table cell rendered right-aligned (already escaped HTML)."""


def table(headers, rows, classes=None, *, scoped: bool = True) -> str:
    """A table of already-escaped cells; :class:`Num` cells align right.

    ``classes``: one class per row (e.g. the row's status); ``scoped``: mark the headers as
    column headers (the sensitivity tables never did).
    """
    scope = " scope='col'" if scoped else ""
    head = "".join(f"<th{scope}>{esc(h)}</th>" for h in headers)
    body = []
    for i, cells in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes else ""
        tds = "".join(
            f'<td class="num">{c}</td>' if isinstance(c, Num) else f"<td>{c}</td>" for c in cells
        )
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def slug(*parts) -> str:
    """An id fragment from any values: runs of other characters become one '-'."""
    return "-".join(re.sub(r"[^A-Za-z0-9_]+", "-", str(p)).strip("-") for p in parts)


def analysis_id(row: dict) -> str:
    """The id of the block listing the rows behind one pooled.tsv row."""
    return "analysis-" + slug(row["outcome"], row["subgroup_variable"], row["subgroup_level"])


def link(target: str, content: str) -> str:
    """A link to the element with id ``target``; ``content`` is already HTML."""
    return f"<a href='#{target}'>{content}</a>"


def effect_link(effect_id: str, text: str) -> str:
    """``text`` linking to a data row's provenance."""
    return link(f"effect-{slug(effect_id)}", esc(text))


def study_link(study_id: str, text: str) -> str:
    """``text`` linking to a study's citation."""
    return link(f"study-{slug(study_id)}", esc(text))


def section_head(section_id: str, title: str) -> str:
    return f"<section id='{section_id}'><h2>{esc(title)}</h2>"


def figure_html(path, alt: str, caption: str, fig_id: str) -> str:
    """An SVG file as a self-contained <img> (a data URI keeps each figure's ids apart)."""
    svg = Path(path).read_bytes()
    size = re.search(rb'<svg[^>]*?width="([0-9.]+)pt"', svg)
    # Shown at 1.25 x its printed size (8 pt text reads as 13 px), never wider than the page.
    width = f" style='width:{round(float(size.group(1)) * 96 / 72 * 1.25)}px'" if size else ""
    data = base64.b64encode(svg).decode("ascii")
    return (
        f"<figure id='{fig_id}'><img src='data:image/svg+xml;base64,{data}'{width} "
        f"alt='{esc(alt)}'>"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def page(title: str, heading: str, nav: list[tuple[str, str]], body: list[str]) -> str:
    """The whole document: head with the CSS, the title, the section links, then ``body``."""
    links = "".join(link(target, esc(text)) for target, text in nav)
    return "\n".join(
        [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{esc(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            f"<h1>{esc(heading)}</h1>",
            f"<nav aria-label='Sections'>{links}</nav>",
            *body,
            "</body></html>\n",
        ]
    )
