"""The report's inputs from small stored tables (tests/report/fixtures, see make_fixtures.py),
and readers of what the page shows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from alsmeta.io.tsv import read_tsv
from alsmeta.report.sections.sensitivity import EXTRA_TABLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
OUTCOMES = [
    "any_ae",
    "serious_ae",
    "treatment_related_sae",
    "death",
    "headache",
    "slope_change",
    "serious_ae_any_definition",
]
#: The sensitivity section's tables, by their key in ``extra``.
EXTRA = [key for key, *_ in EXTRA_TABLES]


def fixture(name: str) -> list[dict]:
    return read_tsv(FIXTURES / f"{name}.tsv")


def _svg(path: Path, stem: str) -> str:
    """A tiny SVG that names its figure (so a test can tell which one was embedded)."""
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt">'
        f"<desc>{stem}</desc></svg>",
        encoding="utf-8",
    )
    return str(path)


def report_inputs(figure_dir: Path) -> dict:
    """Fresh keyword arguments of build_report; the figures are written to ``figure_dir``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    stems = ["prisma"]
    for o in OUTCOMES:
        stems += [f"forest_{o}", f"leave_one_out_{o}", f"funnel_{o}"]
        stems += [f"forest_{o}_by_{v}" for v in config["subgroups"]]
    figures = {s: _svg(figure_dir / f"{s}.svg", s) for s in stems}
    return {
        "config": config,
        "outcomes": list(OUTCOMES),
        "data": {"studies": fixture("studies"), "quotes": fixture("quotes")},
        "effects": fixture("effects"),
        "inclusion": fixture("inclusion"),
        "pooled": fixture("pooled"),
        "analysed": fixture("analysed_effects"),
        "weights": fixture("weights"),
        "figures": figures,
        "leave_one_out": fixture("leave_one_out"),
        "summary_of_findings": fixture("summary_of_findings"),
        "prisma_flow": fixture("prisma_flow"),
        "input_files": {"studies": str(FIXTURES / "studies.tsv")},
        "extra": {
            **{name: fixture(f"extra_{name}") for name in EXTRA},
            "prepost_figure": _svg(figure_dir / "prepost_sweep.svg", "prepost_sweep"),
        },
    }


class _Tables(HTMLParser):
    """Every <table> as rows of cell texts (tags dropped, entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_in(fragment: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(fragment)
    return parser.tables


def text_of(fragment: str) -> str:
    """What a reader sees of a fragment: the text without tags, entities decoded."""
    parser = HTMLParser(convert_charrefs=True)
    seen: list[str] = []
    parser.handle_data = seen.append
    parser.feed(fragment)
    return "".join(seen)


def section_of(page: str, section_id: str) -> str:
    start = page.index(f"<section id='{section_id}'>")
    return page[start : page.index("</section>", start)]


def embedded_figures(page: str) -> dict[str, str]:
    """figure id -> the stem named inside its embedded SVG."""
    found = {}
    for fig_id, svg in re.findall(
        r"<figure id='([^']+)'>(?:<div[^>]*>)+(<svg.*?</svg>)", page, re.S
    ):
        found[fig_id] = re.search(r"<desc>(.*)</desc>", svg).group(1)
    return found
