"""Configuration errors of data-science accounts (personas, activities, profiles), located."""

from __future__ import annotations

from config.kinds.data_science import activity_catalog
from tests.helpers import config_errors, error_on, line_of, replace_text

DS = ("accounts", "ds-dev.yaml")
REQUIRED_ACTIVITIES = {
    "run-studio-apps",
    "manage-ml-jobs",
    "manage-models",
    "manage-pipelines",
    "manage-experiments",
    "visualize-experiments",
    "manage-endpoints",
    "monitor-models",
    "access-s3-buckets",
    "query-athena-workgroups",
    "manage-glue-tables",
    "access-required-services",
}


def test_catalog_ships_the_required_activities():
    catalog = activity_catalog()
    assert REQUIRED_ACTIVITIES <= set(catalog)
    for name, activity in catalog.items():
        assert activity["description"] and activity["statements"], name


def test_example_uses_every_activity_and_persona(resolved_example):
    section = resolved_example.accounts["ds-dev"].config.data_science
    assert {p.name for p in section.personas} == {"data-scientist", "mlops-engineer", "sagemaker-compute"}
    assert {a for p in section.personas for a in p.activities} == set(activity_catalog())


def test_unknown_persona_name(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "- name: mlops-engineer", "- name: ml-engineer")
    d = error_on(config_errors(config_copy), "data_science.personas[1].name")
    assert d.line == line_of(path, "- name: ml-engineer") and "'mlops-engineer'" in d.message


def test_duplicate_persona_and_profile(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "{name: bob, persona: mlops-engineer}", "{name: alice, persona: mlops-engineer}")
    d = error_on(config_errors(config_copy), "data_science.user_profiles[1].name")
    assert "defined twice" in d.message


def test_sso_user_needs_sso(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(
        path,
        "{name: alice, persona: data-scientist}",
        "{name: alice, persona: data-scientist, sso_user: alice@acme.example}",
    )
    d = error_on(config_errors(config_copy), "data_science.user_profiles[0].sso_user")
    assert d.line == line_of(path, "sso_user") and "auth_mode SSO" in d.message


def test_bad_cidr(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "cidr: 10.20.0.0/16", "cidr: 10.20.0.0/26")
    d = error_on(config_errors(config_copy), "data_science.network.cidr")
    assert d.line == line_of(path, "cidr:") and "/16 and /24" in d.message


def test_existing_network_ids(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(
        path,
        "    type: managed\n    cidr: 10.20.0.0/16\n    availability_zones: 2\n",
        "    type: existing\n    vpc_id: vpc-0123456789abcdef0\n    subnet_ids: [subnet-0123456789abcdef0, "
        "subnet-bad]\n",
    )
    d = error_on(config_errors(config_copy), "data_science.network.subnet_ids[1]")
    assert d.line == line_of(path, "subnet-bad")


def test_internet_lines_detection():
    from config.kinds.data_science import internet_lines

    script = (
        "#!/bin/bash\n# pip install in a comment\npip install --no-index /opt/wheels/x.whl\nconda install -y "
        "numpy\ncurl -sSL https://x\ngit clone https://github.com/a/b\n"
    )
    assert [n for n, _ in internet_lines(script)] == [4, 5, 6]


def test_data_access_is_gone_lake_access_follows_shares(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(
        path,
        "  athena_workgroups: [analytics]\n",
        "  data_access: {account: data, buckets: [curated]}\n  athena_workgroups: [analytics]\n",
    )
    d = error_on(config_errors(config_copy), "data_science.data_access")
    assert "unknown key 'data_access'" in d.message
