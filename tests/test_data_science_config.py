"""Configuration errors of data-science accounts (personas, activities, profiles), located."""
from __future__ import annotations


from config.kinds.data_science import activity_catalog
from tests.helpers import config_errors, error_on, line_of, replace_text

DS = ("accounts", "ds-dev.yaml")
REQUIRED_ACTIVITIES = {
    "run-studio-apps", "manage-ml-jobs", "manage-models", "manage-pipelines", "manage-experiments", "visualize-experiments",
    "manage-endpoints", "monitor-models", "access-s3-buckets", "query-athena-workgroups", "manage-glue-tables", "access-required-services",
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


def test_unknown_activity_with_hint(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "activities: [run-studio-apps, manage-ml-jobs,", "activities: [run-studio-apps, manage-ml-job,")
    d = error_on(config_errors(config_copy), "data_science.personas[0].activities[1]")
    assert d.line == line_of(path, "manage-ml-job,") and "did you mean 'manage-ml-jobs'" in d.message


def test_unknown_persona_name(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "- name: mlops-engineer", "- name: ml-engineer")
    d = error_on(config_errors(config_copy), "data_science.personas[1].name")
    assert d.line == line_of(path, "- name: ml-engineer") and "'mlops-engineer'" in d.message


def test_profile_with_persona_not_defined(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "    - name: sagemaker-compute\n      activities: [manage-experiments, access-s3-buckets, access-required-services]\n", "")
    replace_text(path, "{name: bob, persona: mlops-engineer}", "{name: bob, persona: sagemaker-compute}")
    d = error_on(config_errors(config_copy), "data_science.user_profiles[1].persona")
    assert d.line == line_of(path, "name: bob") and "not defined in data_science.personas" in d.message


def test_duplicate_persona_and_profile(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "{name: bob, persona: mlops-engineer}", "{name: alice, persona: mlops-engineer}")
    d = error_on(config_errors(config_copy), "data_science.user_profiles[1].name")
    assert "defined twice" in d.message


def test_sso_user_needs_sso(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "{name: alice, persona: data-scientist}", "{name: alice, persona: data-scientist, sso_user: alice@acme.example}")
    d = error_on(config_errors(config_copy), "data_science.user_profiles[0].sso_user")
    assert d.line == line_of(path, "sso_user") and "auth_mode SSO" in d.message


def test_bad_cidr(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "cidr: 10.20.0.0/16", "cidr: 10.20.0.0/26")
    d = error_on(config_errors(config_copy), "data_science.network.cidr")
    assert d.line == line_of(path, "cidr:") and "/16 and /24" in d.message


def test_existing_network_ids(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "    type: managed\n    cidr: 10.20.0.0/16\n    availability_zones: 2\n    allow_internet: false\n",
                 "    type: existing\n    vpc_id: vpc-0123456789abcdef0\n    subnet_ids: [subnet-0123456789abcdef0, subnet-bad]\n")
    d = error_on(config_errors(config_copy), "data_science.network.subnet_ids[1]")
    assert d.line == line_of(path, "subnet-bad")


def test_data_access_account_kind(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "    account: data\n", "    account: ml-exec\n")
    d = error_on(config_errors(config_copy), "data_science.data_access.account")
    assert "expected an account of kind data" in d.message and d.line == line_of(path, "account: ml-exec")


def test_data_access_unknown_bucket(config_copy):
    path = config_copy.joinpath(*DS)
    replace_text(path, "    buckets: [curated]\n", "    buckets: [curated, cured]\n")
    d = error_on(config_errors(config_copy), "data_science.data_access.buckets[1]")
    assert "has no bucket 'cured'" in d.message and d.line == line_of(path, "[curated, cured]")
