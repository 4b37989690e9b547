"""Resolver: ids, names, ARNs, cross-account principals, apply order and cycles (no Node needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, Flow, UnresolvedAccountError, load, resolve
from config.resolver import apply_order
from tests.helpers import EXAMPLE_BACKEND, enroll_existing_accounts, fit_control_tower, only_error, replace_text


def test_ids_from_config_lock_and_landing_zone(resolved_example):
    assert resolved_example.account_id("management") == "111111111111"
    assert resolved_example.account_id("staging") == "777777777777"
    assert resolved_example.account_id("ds-dev") == "555555555555"  # from accounts.lock.yaml
    assert resolved_example.accounts["ds-dev"].created is True
    assert resolved_example.accounts["staging"].created is False


def test_names_and_arns(resolved_example):
    r = resolved_example
    assert r.bucket_name("data", "raw") == "acme-ml-raw-333333333333-eu-west-1"
    assert r.role_arn("staging", "x") == "arn:aws:iam::777777777777:role/x"
    assert r.deploy_role_arn("security") == "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    assert r.deploy_role_arn("management") is None  # no OrganizationAccountAccessRole in the management account
    assert (
        r.kms_alias_arn("data", "inference-data") == "arn:aws:kms:eu-west-1:333333333333:alias/acme-ml/inference-data"
    )
    assert r.root_arn("production") == "arn:aws:iam::888888888888:root"


def test_cross_account_principal_is_root_narrowed_to_roles(resolved_example):
    principal, condition = resolved_example.cross_account_principal({"staging": ["a"], "production": ["a", "b"]})
    assert principal == {"AWS": ["arn:aws:iam::888888888888:root", "arn:aws:iam::777777777777:root"]}
    assert condition == {
        "ArnEquals": {
            "aws:PrincipalArn": [
                "arn:aws:iam::777777777777:role/a",
                "arn:aws:iam::888888888888:role/a",
                "arn:aws:iam::888888888888:role/b",
            ]
        }
    }


def test_apply_order_management_first(resolved_example):
    order = resolved_example.order
    assert order[0] == "management"
    assert set(order) == set(resolved_example.accounts)
    for flow in resolved_example.flows:
        if flow.first:
            other = flow.target if flow.first == flow.source else flow.source
            assert order.index(flow.first) < order.index(other), flow


def test_created_account_without_lock_entry_says_what_to_run(config_copy: Path):
    (config_copy / "accounts.lock.yaml").unlink()
    resolved = resolve(load(config_copy))
    assert resolved.accounts["ds-dev"].account_id is None
    with pytest.raises(UnresolvedAccountError) as info:
        resolved.bucket_name("ds-dev", "raw")
    message = str(info.value)
    assert "mlops-tf apply --account management" in message and "mlops-tf lock" in message


def test_stale_lock_entry_is_an_error(config_copy: Path):
    replace_text(
        config_copy / "accounts.lock.yaml",
        "  ml-exec: '666666666666'",
        "  ml-exec: '666666666666'\n  gone: '999999999999'",
    )
    only_error(config_copy, "accounts.gone", resolving=True)


def test_cycle_is_rejected(resolved_example):
    flows = (
        Flow("data", "staging", "replication", "a", first="data"),
        Flow("staging", "data", "replication", "b", first="staging"),
    )
    with pytest.raises(ConfigError) as info:
        apply_order(resolved_example, flows)
    assert "cycle" in str(info.value) and "data" in str(info.value) and "staging" in str(info.value)


def test_order_follows_flow_constraints(resolved_example):
    flows = (Flow("production", "data", "replication", "x", first="production"),)
    order = apply_order(resolved_example, flows)
    assert order.index("production") < order.index("data")


def test_state_names(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml",
        EXAMPLE_BACKEND,
        "state_backend:\n  type: cloud\n  organization: acme\n  workspace_template: '{prefix}-{account}-ws'",
    )
    resolved = resolve(load(config_copy))
    assert resolved.workspace_name("staging") == "acme-ml-staging-ws"


def test_bucket_name_too_long_is_a_config_error(config_copy: Path):
    resolved = resolve(load(config_copy))
    with pytest.raises(ConfigError) as info:
        resolved.bucket_name("data", "a-very-long-purpose-name-for-a-bucket-xx")
    assert "63" in str(info.value)


def test_control_tower_deploy_role(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml",
        "vending: organizations",
        "vending: control_tower\n  account_factory_product_id: prod-abcdefghijklm",
    )
    enroll_existing_accounts(config_copy)
    fit_control_tower(config_copy)
    resolved = resolve(load(config_copy))
    assert resolved.accounts["staging"].deploy_role_name == "AWSControlTowerExecution"
    assert resolved.accounts["management"].deploy_role_name is None


def test_management_deploy_role_only_from_its_own_file(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml", "state_backend:", "deploy_role_name: LandingZoneDeploy\nstate_backend:"
    )
    resolved = resolve(load(config_copy))
    assert resolved.deploy_role_arn("management") is None
    assert resolved.deploy_role_arn("staging") == "arn:aws:iam::777777777777:role/LandingZoneDeploy"
    replace_text(
        config_copy / "accounts" / "management.yaml",
        "kind: management\n",
        "kind: management\ndeploy_role_name: PlatformDeploy\n",
    )
    assert resolve(load(config_copy)).deploy_role_arn("management") == "arn:aws:iam::111111111111:role/PlatformDeploy"
