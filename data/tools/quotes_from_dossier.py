#!/usr/bin/env python3
"""Extract the verbatim quotes and the source lists from the extraction dossier.

Usage (from the repository root):

    python data/tools/quotes_from_dossier.py ../shared/extraction/DOSSIER.md data/

Writes <outdir>/quotes.tsv, <outdir>/sources.tsv and <outdir>/dossier_gaps.tsv with the
columns of workflow/schemas/quotes.schema.yaml, sources.schema.yaml and
dossier_gaps.schema.yaml. Standard library only; the output is sorted (gaps keep the
dossier's order) and therefore deterministic.

What is parsed:

- A trial section starts with a level-2 heading "## Tnn. ...". Inside it, the bullets of
  the "**Quotes**" list that start with a quote id ("- [OH18-Q6] ...") become quote rows,
  and the bullets of the "Sources" list that start with "[Sn]" become source rows.
- The meta-analysis section ("## M. ...", sub-sections "### M-X. ...") contributes every
  bullet that starts with an "[M-Xn]" id (trial_id "M").
- The gaps section ("## Gaps ...") contributes every bullet that starts with a bold label
  ("- **T12 Oh 2018**: ..."): the label, the trial id when the label starts with one, and
  the text after the label (without its leading colon).

A quote bullet reads "- [ID] <body> — <source ref> <remark>". The body is everything
between the id and the last " — ". In a trial section the part after it starts with the
source reference(s) ("[S1]", "[S1]/[S2]", "[S1], [S2]"); what follows them is the
tier_note, without outer parentheses ("SECONDARY", "registry mirror", "abstract"). In the
meta-analysis section the part after " — " is a status ("VERIFIED-PAPER (abstract)") and
becomes the tier_note; the source_ref is the address printed in the body's prefix if
there is one, else the address(es) of the sub-section's "Source:"/"Sources:" line.

The body loses its outer quotation marks only when it is one quoted string (no other
double quote inside, optionally followed by a full stop); otherwise (a label prefix,
" / "-separated parts, a trailing remark) it is kept as printed. Newlines and tabs inside
a cell are collapsed to one space.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

QUOTE_ID = r"[A-Z0-9]+-Q[0-9]+|M-[A-Z][0-9]+"
BULLET_QUOTE = re.compile(r"^- \[(" + QUOTE_ID + r")\]\s*(.*)$")
TRIAL_HEADING = re.compile(r"^## (T[0-9]{2})\.")
M_HEADING = re.compile(r"^## M\.")
M_SUB_HEADING = re.compile(r"^### (M-[A-Z])\.")
M_SOURCE_LINE = re.compile(r"^- Sources?:")
GAPS_HEADING = re.compile(r"^## Gaps\b")
GAP_BULLET = re.compile(r"^- \*\*([^*]+)\*\*:?\s*(.*)$")
SOURCE_BULLET = re.compile(r"^- (\[S[0-9]+\])\s*(.*)$")
SOURCE_REFS = re.compile(r"^(\[S[0-9]+\](?:\s*(?:/|,)\s*\[S[0-9]+\])*)\s*(.*)$")
URL = re.compile(r"https?://\S+")
SEP = " \u2014 "  # " — " between a quote and its source reference

QUOTE_COLUMNS = ["quote_id", "trial_id", "source_ref", "tier_note", "text"]
SOURCE_COLUMNS = ["trial_id", "source_ref", "description"]
GAP_COLUMNS = ["label", "trial_id", "text"]


class DossierError(Exception):
    """A quote bullet the parser cannot split into text and source."""


def clean(text: str) -> str:
    """Collapse newlines and tabs to single spaces and strip the ends."""
    return re.sub(r"[\t\r\n]+", " ", text).strip()


def strip_parens(text: str) -> str:
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1].strip()
    return text


def strip_outer_quotes(body: str) -> str:
    match = re.fullmatch(r'"([^"]*)"\.?', body)
    return match.group(1) if match else body


def natural_key(identifier: str) -> tuple:
    """Sort key that orders Q2 before Q10 and [S2] before [S10]."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"([0-9]+)", identifier))


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their numbers; an indented continuation line is joined to its bullet."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        continues = (
            out
            and out[-1][1].startswith("- ")
            and line[:1] in (" ", "\t")
            and line.strip()
            and not line.strip().startswith(("- ", "#", "|"))
        )
        if continues:
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
        else:
            out.append((number, line))
    return out


def trial_quote(number: int, trial: str, qid: str, rest: str) -> dict:
    if SEP not in rest:
        raise DossierError(f"line {number}: [{qid}] has no ' \u2014 ' before its source")
    body, tail = rest.rsplit(SEP, 1)
    refs = SOURCE_REFS.match(tail.strip())
    if not refs:
        raise DossierError(f"line {number}: [{qid}] has no [Sn] after ' \u2014 '")
    return {
        "quote_id": qid,
        "trial_id": trial,
        "source_ref": clean(refs.group(1)),
        "tier_note": clean(strip_parens(refs.group(2))),
        "text": clean(strip_outer_quotes(clean(body))),
    }


def meta_quote(qid: str, rest: str, section_urls: dict[str, str]) -> dict:
    body, tail = rest.rsplit(SEP, 1) if SEP in rest else (rest, "")
    prefix_urls = URL.findall(body.split('"', 1)[0])
    if prefix_urls:
        source_ref = prefix_urls[0].rstrip(").,;:")
    else:
        source_ref = section_urls.get(qid[:3], "")
    return {
        "quote_id": qid,
        "trial_id": "M",
        "source_ref": source_ref,
        "tier_note": clean(tail),
        "text": clean(strip_outer_quotes(clean(body))),
    }


def parse_gaps(lines: list[tuple[int, str]]) -> list[dict]:
    """The bullets of the dossier's gaps section, in the dossier's order."""
    gaps: list[dict] = []
    inside = False
    for _, line in lines:
        if line.startswith("## "):
            inside = bool(GAPS_HEADING.match(line))
            continue
        if inside and (match := GAP_BULLET.match(line.strip())):
            label = clean(match.group(1))
            trial = re.match(r"^(T[0-9]{2})\b", label)
            gaps.append(
                {
                    "label": label,
                    "trial_id": trial.group(1) if trial else "",
                    "text": clean(match.group(2)),
                }
            )
    return gaps


def parse(lines: list[tuple[int, str]]) -> tuple[list[dict], list[dict], list[str]]:
    """Quote rows, source rows, and notes on bullets skipped for lack of an id."""
    quotes: list[dict] = []
    sources: list[dict] = []
    skipped: list[str] = []
    trial = None  # "Tnn", "M" or None outside these sections
    m_section = None  # "M-A", "M-B" ...
    section_urls: dict[str, str] = {}
    block = None  # "quotes" or "sources" inside a trial section

    for number, line in lines:
        stripped = line.strip()
        if line.startswith("## "):
            block, m_section = None, None
            heading = TRIAL_HEADING.match(line)
            trial = heading.group(1) if heading else ("M" if M_HEADING.match(line) else None)
            continue
        if line.startswith("### "):
            block = None
            heading = M_SUB_HEADING.match(line)
            m_section = heading.group(1) if heading and trial == "M" else None
            continue
        if trial is None:
            continue

        if trial == "M":
            if m_section and M_SOURCE_LINE.match(stripped):
                urls = [u.rstrip(").,;") for u in URL.findall(stripped)]
                section_urls[m_section] = ";".join(urls)
            elif match := BULLET_QUOTE.match(stripped):
                quotes.append(meta_quote(match.group(1), match.group(2), section_urls))
            continue

        if stripped in ("**Quotes**", "Sources"):
            block = "quotes" if stripped == "**Quotes**" else "sources"
        elif stripped.startswith(("**", "-----")) or (block == "sources" and not stripped):
            block = None
        elif block == "sources" and stripped.startswith("- "):
            if match := SOURCE_BULLET.match(stripped):
                sources.append(
                    {
                        "trial_id": trial,
                        "source_ref": match.group(1),
                        "description": clean(match.group(2)),
                    }
                )
            else:
                skipped.append(f"line {number} ({trial}, source without [Sn]): {stripped[:70]}")
        elif block == "quotes" and stripped.startswith("- "):
            if match := BULLET_QUOTE.match(stripped):
                quotes.append(trial_quote(number, trial, match.group(1), match.group(2)))
            else:
                skipped.append(f"line {number} ({trial}, quote without id): {stripped[:70]}")
    return quotes, sources, skipped


def write_tsv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Plain TSV: header row, tab-separated cells, no quoting."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(columns) + "\n")
        for row in rows:
            cells = [row.get(column, "") for column in columns]
            if any(ch in cell for cell in cells for ch in "\t\r\n"):
                raise DossierError(f"tab or newline left in a cell of {row}")
            handle.write("\t".join(cells) + "\n")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: quotes_from_dossier.py DOSSIER.md OUTDIR", file=sys.stderr)
        return 2
    dossier, outdir = Path(argv[1]), Path(argv[2])
    lines = logical_lines(dossier.read_text(encoding="utf-8"))
    try:
        quotes, sources, skipped = parse(lines)
    except DossierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    quotes.sort(key=lambda r: (r["trial_id"], natural_key(r["quote_id"])))
    sources.sort(key=lambda r: (r["trial_id"], natural_key(r["source_ref"])))

    # Every quote id the dossier defines (a bullet starting with it) lands exactly once.
    defined = [m.group(1) for _, line in lines if (m := BULLET_QUOTE.match(line.strip()))]
    written = [q["quote_id"] for q in quotes]
    problems = []
    if sorted(defined) != sorted(written):
        missing = sorted(set(defined) - set(written), key=natural_key)
        problems.append(
            f"{len(defined)} quote ids defined but {len(written)} written; missing {missing}"
        )
    duplicates = sorted({q for q in written if written.count(q) > 1}, key=natural_key)
    if duplicates:
        problems.append(f"quote ids defined more than once: {duplicates}")
    incomplete = [q["quote_id"] for q in quotes if not (q["source_ref"] and q["text"])]
    if incomplete:
        problems.append(f"quotes without source_ref or text: {incomplete}")
    referenced = {
        m.group(1) for _, line in lines for m in re.finditer(r"\[(" + QUOTE_ID + r")\]", line)
    }
    undefined = sorted(referenced - set(written), key=natural_key)

    outdir.mkdir(parents=True, exist_ok=True)
    write_tsv(outdir / "quotes.tsv", QUOTE_COLUMNS, quotes)
    write_tsv(outdir / "sources.tsv", SOURCE_COLUMNS, sources)
    gaps = parse_gaps(lines)
    if not gaps:
        problems.append("no bullets found in the gaps section ('## Gaps ...')")
    write_tsv(outdir / "dossier_gaps.tsv", GAP_COLUMNS, gaps)

    in_trials = sum(q["trial_id"] != "M" for q in quotes)
    print(
        f"quote ids defined in the dossier: {len(defined)}; written to quotes.tsv: {len(quotes)} "
        f"({in_trials} in trial sections, {len(quotes) - in_trials} in section M)"
    )
    print(f"sources written to sources.tsv: {len(sources)}")
    print(f"gaps written to dossier_gaps.tsv: {len(gaps)}")
    for note in skipped:
        print(f"skipped, no id: {note}")
    if undefined:
        print(f"referenced in the text but never defined: {undefined}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
