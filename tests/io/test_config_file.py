"""The workflow's strict reading of its config files, and the checks on the merged config
that Snakemake's loader does not make: each problem is one line with the file and line or
the config key."""

import copy

import pytest
from badinput import ROOT, SCHEMAS, shipped_config

from alsmeta.io.config import check_config
from alsmeta.io.config_file import (
    check_data_paths,
    check_finite,
    load_config_file,
    replace_whole_priors,
)
from alsmeta.io.config_file import main as config_file_main
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_schema

SHIPPED = (ROOT / "config" / "config.yaml").read_text(encoding="utf-8")


def problem(tmp_path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config_file(path, "config/config.yaml")
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_shipped_config_reads_as_snakemake_reads_it():
    assert load_config_file(ROOT / "config" / "config.yaml") == shipped_config()


def test_a_duplicated_key_is_refused(tmp_path):
    text = SHIPPED.replace("  estimator: REML\n", "  estimator: REML\n  estimator: DL\n")
    first = line_of(text, "  estimator: REML")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{first + 1}: key 'estimator' appears twice in one mapping "
        f"(first on line {first})"
    )


def test_a_yaml_tag_is_refused(tmp_path):
    text = SHIPPED.replace("  level: 0.95\n", "  level: !!float 0.95\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, '!!float')}: an explicit YAML tag (!...) is "
        "refused: write the value plainly"
    )


@pytest.mark.parametrize("value", [".nan", ".inf", "-.Inf"])
def test_nan_and_inf_are_refused(tmp_path, value):
    text = SHIPPED.replace("  level: 0.95\n", f"  level: {value}\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, value)}: {value!r} is not a finite number "
        "(NaN and inf are refused)"
    )


@pytest.mark.parametrize("value", ["5_0", "0x5", "1:30", "1_0.5"])
def test_a_number_yaml_would_read_loosely_is_refused(tmp_path, value):
    """YAML 1.1 reads 5_0 as 50 and 1:30 as 90: in a config, a typo that changes a number."""
    text = SHIPPED.replace("  min_n: 5\n", f"  min_n: {value}\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, f'min_n: {value}')}: {value!r} is not a plain "
        "number (digits, one sign, one decimal point, an exponent; no underscores, no "
        "hexadecimal, octal or sexagesimal forms)"
    )


def test_a_leading_zero_is_refused(tmp_path):
    text = SHIPPED.replace("  min_n: 5\n", "  min_n: 010\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, 'min_n: 010')}: '010' has a leading zero, which "
        "YAML reads as an octal number: write it without"
    )


def test_a_syntax_error_names_its_line(tmp_path):
    text = SHIPPED.replace("  estimator: REML\n", "  estimator: REML\n estimator: [DL\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, ' estimator: [DL')}: YAML syntax error "
        "(column 2): did not find expected key (while parsing a block mapping, which starts "
        f"on line {line_of(text, 'data:')})"
    )


def test_a_tab_indent_names_its_line(tmp_path):
    text = "pooling:\n\testimator: REML\n"
    assert problem(tmp_path, text) == (
        "config/config.yaml:2: YAML syntax error (column 1): found character that cannot "
        "start any token"
    )


def test_an_empty_file(tmp_path):
    assert problem(tmp_path, "# only a comment\n") == (
        "config/config.yaml: the file is empty (a mapping of config keys is required)"
    )


def test_a_list_at_the_top_level(tmp_path):
    assert problem(tmp_path, "- a\n- b\n") == (
        "config/config.yaml:1: the top level is a list, not a mapping of config keys"
    )


def test_an_over_long_value_is_refused_not_echoed(tmp_path):
    text = SHIPPED.replace("  estimator: REML\n", f"  estimator: {'x' * 20_000}\n")
    assert problem(tmp_path, text) == (
        f"config/config.yaml:{line_of(text, 'xxx')}: a value of 20000 characters (at most 10000)"
    )


def test_a_nan_from_the_command_line_is_refused():
    config = copy.deepcopy(shipped_config())
    config["pooling"]["level"] = float("nan")
    with pytest.raises(InputError) as info:
        check_finite(config)
    assert str(info.value) == (
        "config key 'pooling.level': nan is not a finite number (NaN and inf are refused)"
    )


def test_a_schema_error_echoes_at_most_200_characters_of_the_value():
    config = copy.deepcopy(shipped_config())
    config["pooling"]["estimator"] = "x" * 7_000_000
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    text = str(info.value)
    assert text.startswith(f"config key 'pooling.estimator': '{'x' * 199}... (7000002 characters)")
    assert len(text) < 600


def test_a_data_path_outside_the_repository_is_refused(tmp_path):
    data = dict(shipped_config()["data"], quotes="/proc/self/environ")
    with pytest.raises(InputError) as info:
        check_data_paths(data, ROOT, None)
    assert str(info.value) == (
        "config key 'data.quotes': '/proc/self/environ' is outside the repository; to read "
        "data from another folder, name it in config key 'data_root_allowed'"
    )


def test_a_climb_out_of_the_repository_is_refused():
    data = dict(shipped_config()["data"], arms="data/../../outside/arms.tsv")
    with pytest.raises(InputError) as info:
        check_data_paths(data, ROOT, None)
    assert str(info.value).startswith("config key 'data.arms': 'data/../../outside/arms.tsv' is")


def test_a_symlink_out_of_the_repository_is_refused(tmp_path):
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "data" / "arms.tsv").symlink_to(tmp_path / "elsewhere.tsv")
    with pytest.raises(InputError) as info:
        check_data_paths({"arms": "data/arms.tsv"}, root, None)
    assert str(info.value).startswith("config key 'data.arms': 'data/arms.tsv' is outside")


def test_a_folder_named_in_data_root_allowed_is_read(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    shared = tmp_path / "shared"
    check_data_paths({"arms": str(shared / "arms.tsv")}, root, str(shared))
    with pytest.raises(InputError) as info:
        check_data_paths({"arms": str(tmp_path / "other/arms.tsv")}, root, str(shared))
    assert "is outside the repository or data_root_allowed" in str(info.value)


def test_a_config_path_that_is_a_directory(tmp_path):
    with pytest.raises(InputError) as info:
        load_config_file(tmp_path, "config/config.yaml")
    assert str(info.value) == "config/config.yaml: is a directory, not a file"


def test_the_config_file_is_read_as_strictly_as_a_table(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes("pooling:\n  estimator: REML # caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_config_file(path, "config/config.yaml")
    assert str(info.value) == (
        "config/config.yaml, line 2, column 24: byte 0xe9 at byte offset 32 is not UTF-8 (is "
        "the file Latin-1 or Windows-1252? save it as UTF-8)"
    )


def test_a_prior_in_an_override_replaces_the_shipped_prior_whole():
    shipped = {
        "bayes": {
            "grid_points": 128,
            "priors": {
                "log_odds_ratio": {
                    "tau": {"family": "half_normal", "scale": 0.5},
                    "mu": {"mean": 0, "sd": 4},
                }
            },
        }
    }
    # What Snakemake's key-by-key merge makes of the override: the shipped scale stays.
    merged = copy.deepcopy(shipped)
    tau = merged["bayes"]["priors"]["log_odds_ratio"]["tau"]
    tau.update({"family": "lognormal", "meanlog": -3.0, "sdlog": 1.5})
    override = {
        "bayes": {
            "priors": {
                "log_odds_ratio": {"tau": {"family": "lognormal", "meanlog": -3.0, "sdlog": 1.5}}
            }
        }
    }
    replace_whole_priors(merged, [override])
    assert merged["bayes"]["priors"]["log_odds_ratio"] == {
        "tau": {"family": "lognormal", "meanlog": -3.0, "sdlog": 1.5},
        "mu": {"mean": 0, "sd": 4},
    }
    assert merged["bayes"]["grid_points"] == 128
    # A later override file wins, and the replaced mapping is a copy, not the override's own.
    later = {
        "bayes": {"priors": {"log_odds_ratio": {"tau": {"family": "half_cauchy", "scale": 1}}}}
    }
    replace_whole_priors(merged, [override, later])
    assert merged["bayes"]["priors"]["log_odds_ratio"]["tau"] == {
        "family": "half_cauchy",
        "scale": 1,
    }
    merged["bayes"]["priors"]["log_odds_ratio"]["tau"]["scale"] = 2
    assert later["bayes"]["priors"]["log_odds_ratio"]["tau"]["scale"] == 1


def test_a_file_that_is_not_yaml_is_named_with_its_line(tmp_path, capsys):
    """What Snakemake refuses without naming the file (a tab in the indentation), the
    checker names with its line."""
    path = tmp_path / "override.yaml"
    path.write_text("pooling:\n\tlevel: 0.9\n")
    assert config_file_main([str(path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"Input error: {path}:2: YAML syntax error (column 1): ")
    good = tmp_path / "good.yaml"
    good.write_text("pooling:\n  level: 0.9\n")
    assert config_file_main([str(good)]) == 0
