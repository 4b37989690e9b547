"""Configuration errors of shared-services accounts: located at file, line and field."""

from __future__ import annotations

from config import load
from config.kinds.shared_services import pipeline_deploy_trust, pipeline_deployers, pipeline_targets
from tests.helpers import config_errors, error_on, line_of, replace_text


def test_example_pipeline_targets(resolved_example):
    assert pipeline_targets(resolved_example, "shared-services") == {
        "staging": ["staging"],
        "production": ["production"],
    }
    assert pipeline_deployers(resolved_example, "production") == ["shared-services"]
    assert pipeline_deploy_trust(resolved_example, "ml-exec") is None
    principal, condition = pipeline_deploy_trust(resolved_example, "staging")
    assert principal == {"AWS": "arn:aws:iam::444444444444:root"}
    assert condition == {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444444444444:role/acme-ml-model-deploy-build"}}


def test_unknown_pull_account(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(
        path,
        "      purpose: training\n      pull_accounts: [ds-dev]\n",
        "      purpose: training\n      pull_accounts: [ds-dev, stagin]\n",
    )
    d = error_on(config_errors(config_copy), "shared_services.ecr_repositories[0].pull_accounts[1]")
    assert d.file.endswith("shared-services.yaml") and d.line == line_of(path, "[ds-dev, stagin]")
    assert "did you mean 'staging'" in d.message


def test_pull_account_of_wrong_kind(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(
        path,
        "      purpose: training\n      pull_accounts: [ds-dev]\n",
        "      purpose: training\n      pull_accounts: [ds-dev, staging, data]\n",
    )
    d = error_on(config_errors(config_copy), "shared_services.ecr_repositories[0].pull_accounts[2]")
    assert "kind 'data'" in d.message and d.line == line_of(path, "staging, data]")


def test_unknown_pull_kind(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(
        path,
        "    - name: fraud-training\n      purpose: training\n",
        "    - name: fraud-training\n      purpose: training\n      pull_kinds: [staging, data]\n",
    )
    d = error_on(config_errors(config_copy), "shared_services.ecr_repositories[3].pull_kinds[1]")
    assert d.line == line_of(path, "pull_kinds:") and "'staging'" in d.message


def test_pipeline_target_of_wrong_kind(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(path, "production: [production]", "production: [staging]")
    d = error_on(config_errors(config_copy), "shared_services.pipeline.production[0]")
    assert d.line == line_of(path, "production: [staging]")
    assert "expected an account of kind production" in d.message


def test_duplicate_target_is_a_field_error(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(path, "production: [production]", "production: [production]\n    staging: [staging, staging]")
    d = error_on(config_errors(config_copy), "shared_services.pipeline.staging")
    assert "listed twice" in d.message and d.line == line_of(path, "staging: [staging, staging]")


def test_unknown_source_type(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(path, "type: codeconnections", "type: github")
    # The loader reports nested discriminator errors under the account-kind wording (field
    # '...source.kind'); the location is right: the source mapping, at its 'type' line.
    found = [d for d in config_errors(config_copy) if d.field.startswith("shared_services.pipeline.source")]
    assert found and found[0].line == line_of(path, "type: github")


def test_codecommit_source_is_accepted(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(
        path,
        "      type: codeconnections\n      provider: GitHub\n      repository: acme/ml-landing-zone\n",
        "      type: codecommit\n      repository: ml-landing-zone\n",
    )
    config = load(config_copy)
    assert config.accounts["shared-services"].shared_services.pipeline.source.type == "codecommit"


def test_repository_defined_twice(config_copy):
    path = config_copy / "accounts" / "shared-services.yaml"
    replace_text(path, "- name: churn-processing", "- name: churn-training")
    d = error_on(config_errors(config_copy), "shared_services.ecr_repositories[1].name")
    assert "already defined" in d.message
    assert (
        d.line == [n for n, text in enumerate(path.read_text().splitlines(), 1) if "- name: churn-training" in text][1]
    )
