"""Every error in one run: a schema error in one file hides neither other files' errors nor its own
cross-file errors; removed values cause no follow-on errors; 'did you mean' for values, regions, names."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.app import app
from config import ConfigError, load
from config.errors import Diagnostic
from config.hints import with_hint
from tests.conftest import EXAMPLE, copy_example
from tests.helpers import line_of, replace_text


def _messages(root: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ConfigError) as info:
        load(root)
    return [(Path(d.file).name, d.field, d.message) for d in info.value.diagnostics]


def test_region_typo_in_landing_zone_hides_no_account_error(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", "home_region: eu-west-1", "home_region: eu-wst-1")
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "ou: Workloads/Dev", "ou: Workloads/Devv")
    replace_text(
        config_copy / "accounts" / "shared-services.yaml", "production: [production]", "production: [prodution]"
    )
    errors = _messages(config_copy)
    assert errors == [
        (
            "ds-dev.yaml",
            "ou",
            "OU path 'Workloads/Devv' is not defined in landing-zone.yaml (defined: Infrastructure, Security, "
            "Workloads, Workloads/Dev, Workloads/Prod, Workloads/Staging); did you mean 'Workloads/Dev'?",
        ),
        (
            "shared-services.yaml",
            "shared_services.pipeline.production[0]",
            "unknown account 'prodution'; did you mean 'production'? (accounts: production)",
        ),
        (
            "landing-zone.yaml",
            "home_region",
            "unknown AWS region 'eu-wst-1'; did you mean 'eu-west-1'? (got 'eu-wst-1')",
        ),
    ]


def test_allowed_region_typo_keeps_account_checks(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml",
        "allowed_regions: [eu-west-1, eu-central-1, us-east-1]",
        "allowed_regions: [eu-west-1, eu-centrl-1, us-east-1]",
    )
    replace_text(
        config_copy / "accounts" / "data.yaml", "        datasets: [customers]\n", "        datasets: [customerz]\n"
    )
    errors = _messages(config_copy)
    assert [(f, field) for f, field, _ in errors] == [
        ("data.yaml", "data.lake_formation.grants[1].datasets[0]"),
        ("landing-zone.yaml", "allowed_regions[1]"),
    ]
    assert errors[0][2].endswith("; did you mean 'customers'?")
    assert "did you mean 'eu-central-1'?" in errors[1][2]


def test_schema_error_in_a_file_hides_not_its_cross_file_errors(config_copy: Path):
    path = config_copy / "accounts" / "ml-exec.yaml"
    replace_text(path, "  model_cards: true", "  model_cards: 'yes'")
    replace_text(path, "registry_events_to: [shared-services]", "registry_events_to: [shared-servics]")
    errors = _messages(config_copy)
    assert [(f, field) for f, field, _ in errors] == [
        ("ml-exec.yaml", "ml_execution.model_cards"),
        ("ml-exec.yaml", "ml_execution.registry_events_to[0]"),
    ]
    assert "did you mean 'shared-services'?" in errors[1][2]


def test_a_removed_value_causes_no_follow_on_errors(config_copy: Path):
    """An endpoint whose group name is invalid is left out of the checks: the API naming it is no error."""
    staging = config_copy / "accounts" / "staging.yaml"
    replace_text(staging, "      model_package_group: churn\n", "      model_package_group: Churn!\n")
    replace_text(config_copy / "accounts" / "data.yaml", 'account_id: "333333333333"', 'account_id: "3"')
    errors = _messages(config_copy)
    assert [(f, field) for f, field, _ in errors] == [
        ("data.yaml", "account_id"),
        ("staging.yaml", "inference.endpoints[1].model_package_group"),
    ]


def test_did_you_mean_for_enum_values_and_variant_tags(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", "  vending: organizations", "  vending: organisations")
    replace_text(
        config_copy / "accounts" / "shared-services.yaml", "      type: codeconnections", "      type: codeconection"
    )
    replace_text(
        config_copy / "accounts" / "ml-exec.yaml",
        "{name: tenure_months, type: Integral}",
        "{name: tenure_months, type: integral}",
    )
    errors = {field: message for _, field, message in _messages(config_copy)}
    assert "; did you mean 'organizations'? (got 'organisations')" in errors["organization.vending"]
    assert "did you mean 'codeconnections'?" in errors["shared_services.pipeline.source.type"]
    assert "did you mean 'Integral'?" in errors["ml_execution.feature_store.feature_groups[0].features[2].type"]
    line = line_of(config_copy / "landing-zone.yaml", "vending: organisations")
    assert line == 8


@pytest.mark.parametrize("word", ["yes", "No", "on", "OFF"])
def test_booleans_are_true_or_false_only(config_copy: Path, word: str):
    """YAML 1.1 reads yes/no/on/off as booleans; the configuration documents true and false only."""
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "  enforce_kms: true", f"  enforce_kms: {word}")
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "  owner: data-science-team", f"  owner: {word}")
    replace_text(
        config_copy / "accounts" / "staging.yaml", "        max_concurrency: 10", f"        max_concurrency: {word}"
    )
    errors = {field: message for _, field, message in _messages(config_copy)}
    assert errors["data_science.enforce_kms"] == (
        f"must be true or false (got {word}: YAML 1.1 reads it as a boolean, but mlops-tf takes only true and false)"
    )
    assert (
        errors["tags.owner"]
        == f"must be a string: put the value in quotes (got {word}, which YAML 1.1 reads as a boolean)"
    )
    assert errors["inference.endpoints[0].compute.max_concurrency"] == (
        f"must be a whole number (got {word}, which YAML 1.1 reads as a boolean)"
    )


def _scalar_values(root: Path) -> list[tuple[str, int, int, int, str]]:
    """(file, start, end, line, tag) of every scalar value (not key) of the example's YAML files."""
    found = []
    for path in sorted([root / "landing-zone.yaml", *(root / "accounts").glob("*.yaml")]):
        text = path.read_text()
        stack = [yaml.compose(text)]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                stack.extend(value for _, value in node.value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            else:
                rel = path.relative_to(root).as_posix()
                found.append((rel, node.start_mark.index, node.end_mark.index, node.start_mark.line + 1, node.tag))
    return sorted(found)


# A breakage no field of the schema accepts: a mapping where a scalar stands, or a scalar of the wrong type.
_BREAKAGES = {"str": ["{broken: 1}", "12345", "[a, b]"], "int": ["{broken: 1}", "lots"], "bool": ["maybe", "yes"]}
_FUZZ = random.Random(15)
_SCALARS = _scalar_values(EXAMPLE)
_CASES = [
    (*scalar, _FUZZ.choice(_BREAKAGES.get(scalar[4].rsplit(":", 1)[-1], ["{broken: 1}"])))
    for scalar in _FUZZ.sample(_SCALARS, 40)
]


@pytest.mark.parametrize(
    ("file", "start", "end", "line", "tag", "breakage"), _CASES, ids=[f"{c[0]}:{c[3]}" for c in _CASES]
)
def test_one_broken_value_hides_no_independent_error(tmp_path: Path, file, start, end, line, tag, breakage):
    """Any one value broken anywhere: exit 1 without a traceback, the broken value reported in its file and
    on its line, an independent cross-file error in another file still reported, and nothing else."""
    config = copy_example(tmp_path)
    path = config / file
    text = path.read_text()
    path.write_text(text[:start] + breakage + text[end:])
    # An OU typo is no independent error of a landing zone whose OU lost its path: it may have been that OU.
    if file not in ("accounts/ds-dev.yaml", "landing-zone.yaml"):
        other, typo, field = "accounts/ds-dev.yaml", ("ou: Workloads/Dev", "ou: Workloads/Devv"), "ou"
    else:
        other, typo, field = (
            "accounts/shared-services.yaml",
            ("[production]", "[prodution]"),
            "shared_services.pipeline.production[0]",
        )
    replace_text(config / other, *typo)
    result = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [entry for entry in result.output.splitlines() if re.match(r"^\S+:\d+:\d+: ", entry)]
    shown = [(Path(entry.split(":")[0]), int(entry.split(":")[1]), entry) for entry in lines]
    independent = [e for p, n, e in shown if p == config / other and n == line_of(config / other, typo[1])]
    assert len(independent) == 1 and f": {field}: " in independent[0], result.output
    elsewhere = [e for p, _, e in shown if p not in (config / other, path)]
    assert elsewhere == [], result.output  # no knock-on error of the broken value in a third file
    here = [n for p, n, _ in shown if p == path]
    assert line in here, result.output  # the broken value itself, at its line


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        ("unknown pipeline 'churn-trainin'; this account defines: churn-training, fraud", "churn-training"),
        ("account 'ds-dev' has no persona 'data-scientst' (personas: data-scientist, ml-engineer)", "data-scientist"),
        ("unknown dataset 'customerz'; define it under data.datasets (defined: churn, customers)", "customers"),
        ("unknown dataset 'zzz'; define it under data.datasets (defined: churn, customers)", None),
        ("unknown account 'prodution'; did you mean 'production'? (accounts: production)", None),  # has one already
    ],
)
def test_did_you_mean_for_every_listing(message: str, hint: str | None):
    found = with_hint(Diagnostic("f.yaml", 1, 1, "x", message)).message
    assert found == (f"{message}; did you mean {hint!r}?" if hint else message)


def test_yaml_booleans_in_choice_and_always_on_fields(config_copy: Path):
    """A bare on/yes where a choice or an always-on setting belongs says what to write."""
    lz = config_copy / "landing-zone.yaml"
    replace_text(lz, "  vending: organizations", "  vending: on")
    replace_text(lz, "  region: eu-west-1\n", "  region: eu-west-1\n  encrypt: yes\n")
    errors = {field: message for _, field, message in _messages(config_copy)}
    assert errors["organization.vending"] == (
        "must be one of 'organizations', 'control_tower' (got on, which YAML 1.1 reads as a boolean)"
    )
    assert errors["state_backend.encrypt"] == (
        "must be true (got yes: YAML 1.1 reads it as a boolean, but mlops-tf takes only true and false)"
    )


def test_messages_name_the_configuration_folder_given(tmp_path: Path):
    """Hints name the folder given with --config, not config/."""
    folder = tmp_path / "platform-lz"
    folder.mkdir()
    with pytest.raises(ConfigError) as missing:
        load(folder)
    assert "landing-zone.yaml in its configuration folder" in str(missing.value)
    config = copy_example(tmp_path / "copy")
    renamed = config.rename(tmp_path / "acme-lz")
    for path in (renamed / "accounts").glob("*.yaml"):
        path.unlink()
    with pytest.raises(ConfigError) as empty:
        load(renamed)
    assert "acme-lz/accounts/<name>.yaml" in str(empty.value) and "config/" not in str(empty.value)


def test_a_hint_naming_a_repaired_account_is_no_knock_on(config_copy: Path):
    """production.yaml has a schema error; a typo of its name elsewhere is still reported, hint and all."""
    replace_text(config_copy / "accounts" / "production.yaml", "ou: Workloads/Prod", "ou: [Workloads/Prod]")
    replace_text(config_copy / "accounts" / "shared-services.yaml", "[production]", "[prodution]")
    errors = [(f, field) for f, field, _ in _messages(config_copy)]
    assert errors == [("production.yaml", "ou"), ("shared-services.yaml", "shared_services.pipeline.production[0]")]


def test_a_misspelt_section_key_keeps_its_content_for_the_other_checks(config_copy: Path):
    """`organisation:` is an unknown key and organization is missing; the OUs under it still define the paths."""
    replace_text(config_copy / "landing-zone.yaml", "\norganization:\n", "\norganisation:\n")
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "ou: Workloads/Dev", "ou: Workloads/Devv")
    errors = _messages(config_copy)
    assert [(f, field) for f, field, _ in errors] == [
        ("ds-dev.yaml", "ou"),
        ("landing-zone.yaml", "organization"),
        ("landing-zone.yaml", "organisation"),
    ], errors
    assert errors[0][2].endswith("did you mean 'Workloads/Dev'?")
    assert "did you mean 'organization'?" in errors[2][2]
