"""What was run: software versions, a checksum of every input file, the full configuration."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

import yaml

from alsmeta.report.html import esc, section_head, table
from alsmeta.report.inputs import ReportInputs

ID, TITLE = "reproducibility", "What was run"

PACKAGES = (
    "alsmeta",
    "snakemake",
    "pymare",
    "numpy",
    "scipy",
    "matplotlib",
    "jsonschema",
    "PyYAML",
)


def software_versions() -> list[tuple[str, str]]:
    versions = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def section(ctx: ReportInputs) -> str:
    config = yaml.safe_dump(ctx.config, sort_keys=True, allow_unicode=True, default_flow_style=None)
    files = [[esc(p), f"<code>{sha256(p)}</code>"] for _, p in sorted(ctx.input_files.items())]
    return "\n".join(
        [
            section_head(ID, TITLE),
            "<p>Re-run with <code>snakemake --cores 4</code> on the same inputs and "
            "configuration: every file under <code>results/</code> is byte-identical.</p>",
            "<h3>Software</h3>",
            table(["Package", "Version"], [[esc(n), esc(v)] for n, v in software_versions()]),
            "<h3>Input files</h3>",
            table(["File", "SHA-256"], files),
            "<h3>Configuration</h3><details><summary>Full configuration (YAML)</summary><pre>"
            + esc(config)
            + "</pre></details></section>",
        ]
    )
