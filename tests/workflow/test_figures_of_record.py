"""The figures-of-record check: it fails, naming the figure and how it changed, and the
one refresh command makes it pass again."""

import shutil
from pathlib import Path

from alsmeta.figures import record

ROOT = Path(__file__).resolve().parents[2]


def _svg(text: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata><dc:description>'
        f"{text}</dc:description></metadata><path d='M 0 0'/></svg>\n"
    ).encode()


def _repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "results/figures").mkdir(parents=True)
    (root / "docs/figures").mkdir(parents=True)
    (root / "Snakefile").write_text("# stand-in\n")
    for name in record.FIGURES:
        body = _svg(f"{name}\nCudkowicz 2022 23 95 27.1% 24.2 [16.0, 34.1]")
        (root / "results/figures" / f"{name}.svg").write_bytes(body)
        (root / "docs/figures" / f"{name}.svg").write_bytes(body)
    for name in record.RENDERINGS:
        (root / "results/figures" / f"{name}.png").write_bytes(b"\x89PNG stand-in")
    return root


def test_check_fails_naming_the_changed_figure_then_refresh_makes_it_pass(tmp_path, capsys):
    root = _repository(tmp_path)
    assert record.main(["--root", str(root), "--no-build"]) == 0
    changed = root / "results/figures/forest_serious_ae.svg"
    changed.write_bytes(_svg("forest_serious_ae\nCudkowicz 2022 24 95 27.8% 25.3 [16.9, 35.2]"))

    assert record.main(["--root", str(root), "--no-build"]) == 1
    err = capsys.readouterr().err
    assert "docs/figures/forest_serious_ae.svg: CHANGED" in err
    assert "- Cudkowicz 2022 23 95 27.1% 24.2 [16.0, 34.1]" in err
    assert "+ Cudkowicz 2022 24 95 27.8% 25.3 [16.9, 35.2]" in err
    assert "forest_death" not in err
    assert record.REFRESH in err

    assert record.main(["--root", str(root), "--no-build", "--refresh"]) == 0
    assert "updated docs/figures/forest_serious_ae.svg" in capsys.readouterr().out
    assert record.main(["--root", str(root), "--no-build"]) == 0


def test_missing_and_stale_figures_of_record_fail(tmp_path, capsys):
    root = _repository(tmp_path)
    (root / "docs/figures/forest_death.svg").unlink()
    (root / "docs/figures/old_plot.svg").write_bytes(_svg("old"))
    assert record.main(["--root", str(root), "--no-build"]) == 1
    err = capsys.readouterr().err
    assert "docs/figures/forest_death.svg: missing" in err
    assert "docs/figures/old_plot.svg: no longer a figure of record" in err
    assert record.main(["--root", str(root), "--no-build", "--refresh"]) == 0
    assert not (root / "docs/figures/old_plot.svg").exists()
    assert record.main(["--root", str(root), "--no-build"]) == 0


def test_committed_figures_of_record_are_the_pipelines(tmp_path):
    """The committed SVGs match a fresh run of the shipped pipeline (what CI checks)."""
    from workdir import copy_project

    work = copy_project(tmp_path / "run")
    shutil.copytree(ROOT / "docs", work / "docs")
    assert record.main(["--root", str(work)]) == 0
