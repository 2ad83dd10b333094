"""The report's one set of HTML helpers: escaping, cells, tables, ids, links, figures, CSS.

Every section writes its markup through these, so an id, a link and a table look the same
wherever they appear.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from alsmeta.report.fonts import font_face_css

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;
line-height:1.45;overflow-wrap:break-word}
.layout{display:grid;grid-template-columns:15rem minmax(0,1fr);gap:2em;max-width:1500px;
margin:0 auto;padding:0 1em}
main{min-width:0;max-width:1200px}
h1{font-size:1.6em;margin-top:1em}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;
margin-top:2em}h3{margin-top:1.6em}h4{margin:1.2em 0 .3em}
nav.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow-y:auto;
padding:1em 0;font-size:.9em;border-right:1px solid #ddd}
nav.toc ol{list-style:none;margin:0;padding:0 .5em 0 0}nav.toc ol ol{padding-left:1em;
font-size:.92em}nav.toc li{margin:.2em 0}nav.toc a{text-decoration:none;color:#1f4e79}
nav.toc a:hover{text-decoration:underline}
.scroll{overflow-x:auto;max-width:100%;margin:.5em 0 1em}
table{border-collapse:collapse;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.excluded td{color:#555}tr.not_pooled td{color:#8a1c1c}
.key-messages{background:#f3f7fb;border:1px solid #c9daf0;border-radius:6px;padding:.2em 1.2em .6em;
margin:1em 0}.key-messages h2.lead{border:0;margin:.5em 0 .2em}.key-messages h3{margin:.8em 0 .2em}
.key-messages ul{margin:.2em 0;padding-left:1.2em}.key-messages li{margin:.35em 0}
table.sof tr.group th,table.sof tr.group td{background:#f3f3f3;font-weight:600}
ol.footnotes li{margin:.15em 0}sup a{text-decoration:none}
details.appendix>summary{cursor:pointer;color:#1f4e79;margin:.5em 0}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0 2em}.figure svg{width:100%;height:auto;display:block}
.figure svg text{white-space:pre}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
details.outcome{border-left:3px solid #c9daf0;padding-left:.8em;margin:.8em 0}
details.outcome>summary{cursor:pointer}details.outcome>summary h4{display:inline;margin:0}
p.no-study{margin:.6em 0;color:#444}
.quote{font-style:italic}.small{font-size:.85em;color:#444}.na{color:#8a1c1c}
.certainty{white-space:nowrap;font-weight:600}
:target{background:#fff7d6}
@media (max-width:1000px){.layout{display:block}nav.toc{position:static;max-height:none;
border-right:0;border-bottom:1px solid #ddd}nav.toc ol ol{display:none}}
@media (max-width:600px){table.sof,table.sof tbody,table.sof tr,table.sof td,
table.sof th{display:block}table.sof thead{display:none}
table.sof tr{border:1px solid #bbb;border-radius:6px;margin:.8em 0;padding:.4em .6em}
table.sof td{border:0;padding:.15em 0}
table.sof td::before{content:attr(data-label);display:block;font-size:.85em;color:#555;
font-weight:600}table.sof td:first-child::before{content:none}
table.sof td:first-child{font-weight:600}}
@media print{.layout{display:block}nav.toc{display:none}section{break-before:page}
details::details-content{content-visibility:visible;display:contents}
figure,tr{break-inside:avoid}h2,h3,h4,summary{break-after:avoid}
.scroll{overflow:visible}.figure{max-width:100%}details.outcome>summary{list-style:none}
details.appendix>summary{display:none}}
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
    # The box scrolls sideways, not the page, when a table is wider than the screen.
    return (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


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


_REFERENCE = re.compile(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"")


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """An SVG file's markup ready to sit inside the page: no XML prolog or metadata (the
    standalone file keeps them), ids kept only where something refers to them and prefixed
    with ``prefix`` (figures would otherwise share ids such as their clip paths), and the
    ``label`` as its accessible name."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    used = {a or b for a, b in _REFERENCE.findall(svg)}
    svg = re.sub(
        r'\sid="([^"]+)"',
        lambda m: f' id="{prefix}-{m.group(1)}"' if m.group(1) in used else "",
        svg,
    )
    svg = _REFERENCE.sub(
        lambda m: (
            f"url(#{prefix}-{m.group(1)})" if m.group(1) else f'href="#{prefix}-{m.group(2)}"'
        ),
        svg,
    )
    return svg.replace("<svg ", f"<svg role='img' aria-label='{esc(label)}' ", 1).rstrip()


def fold(title: str, body: str, *, block_id: str | None = None) -> str:
    """A block folded until the reader opens it (a link into it opens it too, and printing
    unfolds it); ``title`` (escaped) is its heading."""
    ident = f" id='{block_id}'" if block_id else ""
    return (
        f"<details class='outcome'{ident}><summary><h4>{esc(title)}</h4></summary>{body}</details>"
    )


def appendix(section: str, heading: str) -> str:
    """A section (as :func:`section_head` opens it) made an appendix: headed ``heading``
    (escaped), its body folded under a line that says what unfolding shows."""
    head_end = section.index("</h2>") + len("</h2>")
    start = section.index("<h2>")
    body = section[head_end : section.rindex("</section>")]
    return (
        f"{section[:start]}<h2>{esc(heading)}</h2><details class='appendix'>"
        f"<summary>Show {esc(heading.split('. ', 1)[-1].lower())}</summary>{body}</details>"
        "</section>"
    )


def no_study_line(title: str, text: str, *, block_id: str | None = None) -> str:
    """The one line shown instead of a block for an outcome without a study."""
    ident = f" id='{block_id}'" if block_id else ""
    return f"<p class='no-study'{ident}><strong>{esc(title)}</strong>: {esc(text)}</p>"


def figure_html(path, alt: str, caption: str, fig_id: str) -> str:
    """An SVG file inlined in a <figure>; ``alt`` is its accessible name."""
    svg = Path(path).read_text(encoding="utf-8")
    size = re.search(r'<svg[^>]*?width="([0-9.]+)pt"', svg)
    # Shown at 1.25 x its printed size (8 pt text reads as 13 px), never wider than the page.
    width = f" style='width:{round(float(size.group(1)) * 96 / 72 * 1.25)}px'" if size else ""
    # Never shrunk: on a narrow screen its box scrolls sideways, so the text stays legible.
    return (
        f"<figure id='{fig_id}'><div class='scroll figure-scroll'><div class='figure'{width}>"
        f"{inline_svg(svg, fig_id, alt)}</div></div><figcaption>{caption}</figcaption></figure>"
    )


#: Before printing, unfold every block (for browsers without the print rule above).
UNFOLD_FOR_PRINT = (
    "<script>addEventListener('beforeprint',()=>"
    "document.querySelectorAll('details').forEach(d=>{d.open=true}))</script>"
)


def toc(entries) -> str:
    """The table of contents: ``(target, text, children)`` with children ``(target, text)``."""
    items = []
    for target, text, children in entries:
        sub = "".join(f"<li>{link(t, esc(x))}</li>" for t, x in children)
        items.append(
            f"<li>{link(target, esc(text))}" + (f"<ol>{sub}</ol>" if sub else "") + "</li>"
        )
    return f"<nav class='toc' aria-label='Contents'><ol>{''.join(items)}</ol></nav>"


def page(title: str, heading: str, contents, body: list[str]) -> str:
    """The whole document: head with the CSS (and the figures' font), the table of contents
    (see :func:`toc`) beside the title and ``body``."""
    return "\n".join(
        [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{esc(title)}</title>",
            f"<style>{font_face_css(''.join(body))}\n{CSS}</style></head><body>",
            f"<div class='layout'>{toc(contents)}<main>",
            f"<h1>{esc(heading)}</h1>",
            *body,
            f"</main></div>{UNFOLD_FOR_PRINT}",
            "</body></html>\n",
        ]
    )
