"""The security baseline over the synthesized JSON: AWS Config, GuardDuty, Security Hub, Access Analyzer,
EBS encryption, S3 public access block and budgets in every account and allowed region; and the
Control Tower variant, which creates nothing Control Tower owns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import copy_example, read_stacks
from tests.helpers import enroll_existing_accounts, fit_control_tower
from tests.synth_lookup import bucket_statements, by_sid, key_statements

REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"]
HOME = "eu-west-1"
ACCOUNT_IDS = [
    "111111111111",
    "222222222222",
    "333333333333",
    "444444444444",
    "555555555555",
    "666666666666",
    "777777777777",
    "888888888888",
]
CONFIG_BUCKET = "acme-ml-config-222222222222-eu-west-1"


def _regions_of(stacks, account: str, rtype: str) -> list[str]:
    """The region of every resource of a type, from its provider (the stack's default is the account's region)."""
    providers = {p.get("alias"): p["region"] for p in stacks[account]["provider"]["aws"]}
    out = []
    for res in stacks.resources(account, rtype).values():
        alias = res.get("provider", "aws").partition(".")[2] or None
        out.append(providers[alias])
    return sorted(out)


def test_every_stack_has_one_provider_per_allowed_region(stacks):
    for account, stack in stacks.items():
        providers = stack["provider"]["aws"]
        assert sorted(p["region"] for p in providers) == REGIONS, account
        aliases = sorted(p.get("alias", "") for p in providers)
        assert aliases == ["", "eu-central-1", "us-east-1"], account  # deterministic: the region code
        roles = {json.dumps(p.get("assume_role")) for p in providers}
        assert len(roles) == 1, f"{account}: every regional provider assumes the same deploy role"


def test_config_recorder_and_channel_per_account_and_region(stacks, resolved_example):
    assert len(stacks) == 8
    for account in stacks:
        for rtype in (
            "aws_config_configuration_recorder",
            "aws_config_delivery_channel",
            "aws_config_configuration_recorder_status",
        ):
            assert _regions_of(stacks, account, rtype) == REGIONS, (account, rtype)
        channels = stacks.resources(account, "aws_config_delivery_channel").values()
        assert {c["s3_bucket_name"] for c in channels} == {CONFIG_BUCKET}
        recorders = list(stacks.resources(account, "aws_config_configuration_recorder").values())
        account_id = resolved_example.account_id(account)
        assert {r["role_arn"] for r in recorders} == {
            f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
        }
        # Global resources (IAM) are recorded once, in the account's own region.
        assert sorted(r["recording_group"]["include_global_resource_types"] for r in recorders) == [False, False, True]
        assert all(r["recording_group"]["all_supported"] for r in recorders)
        slr = stacks.resource(account, "aws_iam_service_linked_role")
        assert slr["aws_service_name"] == "config.amazonaws.com"


def test_config_of_an_existing_account_is_adopted_not_created_twice(stacks, tmp_path):
    from accounts.app import synthesize
    from config import load, resolve

    # The example creates every recorder (no import): an account without existing_config has none to adopt.
    assert not [i for i in stacks["data"].get("import", []) if "config" in i["to"] or "service_linked" in i["to"]]
    config = copy_example(tmp_path)
    data = config / "accounts" / "data.yaml"
    data.write_text(
        data.read_text().replace(
            "ou: Infrastructure\n",
            "ou: Infrastructure\nexisting_config:\n  eu-west-1: {}\n"
            "  eu-central-1: {recorder: legacy, delivery_channel: legacy-channel}\n",
        )
    )
    synthesize(resolve(load(config)), ["data"], tmp_path / "out", state_dir=tmp_path / "state")
    adopted = read_stacks(tmp_path / "out")
    imports = {(i["to"], i.get("provider", "aws")): i["id"] for i in adopted["data"]["import"]}
    slr = "arn:aws:iam::333333333333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    assert imports[("aws_iam_service_linked_role.config-service-role", "aws")] == slr
    recorders = adopted.resources("data", "aws_config_configuration_recorder")
    channels = adopted.resources("data", "aws_config_delivery_channel")
    names = {key: r["name"] for key, r in recorders.items()}
    # Home region: AWS's default names; eu-central-1: the names given; us-east-1: created as before.
    assert sorted(names.values()) == ["default", "default", "legacy"]
    config_imports = {k: v for k, v in imports.items() if k[0].startswith("aws_config_")}
    assert sorted(config_imports.values()) == ["default", "default", "default", "legacy", "legacy", "legacy-channel"]
    for (address, provider), name in config_imports.items():
        rtype, key = address.split(".")
        assert provider in ("aws", "aws.eu-central-1")  # never us-east-1, where the account has none
        resource = adopted.resources("data", rtype)[key]
        given = resource["name"]
        if given.startswith("${aws_config_configuration_recorder."):  # the status names its recorder
            given = recorders[given.split(".")[1]]["name"]
        assert given == name and resource.get("provider", "aws") == provider
    # An adopted channel is pointed at the central bucket like every other.
    assert {c["s3_bucket_name"] for c in channels.values()} == {CONFIG_BUCKET}


def test_config_service_linked_role_alone_is_adopted(stacks):
    # production.yaml: config_service_linked_role_exists, no existing_config: the role is imported, its description
    # kept; the recorders are created as everywhere else.
    imports = {i["to"]: i["id"] for i in stacks["production"]["import"]}
    assert imports["aws_iam_service_linked_role.config-service-role"] == (
        "arn:aws:iam::888888888888:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert not [a for a in imports if a.startswith("aws_config_")]
    role = stacks.resource("production", "aws_iam_service_linked_role")
    assert role["lifecycle"] == {"ignore_changes": ["description"]}
    # An account without it creates the role, and owns its description.
    assert "lifecycle" not in stacks.resource("staging", "aws_iam_service_linked_role")
    assert not [i for i in stacks["staging"].get("import", []) if "service_linked" in i["to"]]


def test_config_bucket_policy_and_key_follow_the_config_docs(stacks):
    policy = by_sid(bucket_statements(stacks, "security", CONFIG_BUCKET))
    source = policy["AWSConfigBucketPermissionsCheck"]["Condition"]["StringEquals"]["aws:SourceAccount"]
    assert source == ACCOUNT_IDS
    assert policy["AWSConfigBucketPermissionsCheck"]["Principal"] == {"Service": "config.amazonaws.com"}
    assert policy["AWSConfigBucketExistenceCheck"]["Action"] == "s3:ListBucket"
    delivery = policy["AWSConfigBucketDelivery"]
    assert delivery["Resource"] == [f"arn:aws:s3:::{CONFIG_BUCKET}/AWSLogs/{a}/Config/*" for a in ACCOUNT_IDS]
    assert delivery["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    assert "DenyInsecureTransport" in policy
    key = by_sid(key_statements(stacks, "security", "alias/acme-ml/config"))
    assert key["AWSConfigUsesKey"]["Principal"] == {"Service": "config.amazonaws.com"}
    assert key["AWSConfigUsesKey"]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_IDS}}


def test_config_delegated_admin_and_organization_aggregator(stacks):
    delegated = {
        d["service_principal"]: d["account_id"]
        for d in stacks.resources("management", "aws_organizations_delegated_administrator").values()
    }
    assert delegated["config.amazonaws.com"] == "222222222222"
    assert delegated["config-multiaccountsetup.amazonaws.com"] == "222222222222"
    trusted = stacks.resource("management", "aws_organizations_organization")["aws_service_access_principals"]
    # Delegation needs trusted access; the imported organization's list is an expression over what is enabled today.
    assert all(f'"{p}"' in trusted for p in ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"))
    aggregator = stacks.resource("security", "aws_config_configuration_aggregator")
    source = aggregator["organization_aggregation_source"]
    assert source["regions"] == REGIONS and source["all_regions"] is False
    role = next(
        r for r in stacks.resources("security", "aws_iam_role").values() if r["name"] == "acme-ml-config-organization"
    )
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "222222222222"}}


def test_guardduty_delegated_per_region_then_adopted_not_created(stacks):
    delegations = stacks.resources("management", "aws_guardduty_organization_admin_account")
    assert _regions_of(stacks, "management", "aws_guardduty_organization_admin_account") == REGIONS
    assert {d["admin_account_id"] for d in delegations.values()} == {"222222222222"}
    for d in delegations.values():  # the management account's own detector in that region comes first
        detector = next(x for x in d["depends_on"] if x.startswith("aws_guardduty_detector."))
        assert stacks.resources("management", "aws_guardduty_detector")[detector.split(".")[1]].get(
            "provider", "aws"
        ) == d.get("provider", "aws")
    # One designation at a time, home region first, each after the one before (parallel ones race).
    assert "aws_guardduty_organization_admin_account" not in " ".join(delegations["delegate-guardduty"]["depends_on"])
    assert delegations["delegate-guardduty-eu-central-1"]["depends_on"][-1] == (
        "aws_guardduty_organization_admin_account.delegate-guardduty"
    )
    assert delegations["delegate-guardduty-us-east-1"]["depends_on"][-1] == (
        "aws_guardduty_organization_admin_account.delegate-guardduty-eu-central-1"
    )
    # management.yaml: GuardDuty already runs in eu-west-1; that detector is imported (never a second CreateDetector),
    # the other regions' are created.
    detectors = stacks.resources("management", "aws_guardduty_detector")
    found = stacks.data("management", "aws_guardduty_detector")
    assert list(found) == ["guardduty-existing"] and found["guardduty-existing"]["provider"] == "aws"
    imported = [i for i in stacks["management"]["import"] if i["to"].startswith("aws_guardduty_detector.")]
    assert imported == [
        {
            "id": "${data.aws_guardduty_detector.guardduty-existing.id}",
            "provider": "aws",
            "to": "aws_guardduty_detector.guardduty",
        }
    ]
    assert detectors["guardduty"]["lifecycle"] == {"prevent_destroy": True}
    assert [d.get("lifecycle") for k, d in sorted(detectors.items()) if k != "guardduty"] == [None, None]
    # Security: no detector is created; each region's detector is imported from the one delegation enabled.
    imports = {i["to"]: i for i in stacks["security"]["import"] if i["to"].startswith("aws_guardduty_detector.")}
    detectors = stacks.resources("security", "aws_guardduty_detector")
    assert sorted(imports) == sorted(f"aws_guardduty_detector.{k}" for k in detectors) and len(detectors) == 3
    found = stacks.data("security", "aws_guardduty_detector")
    for name, detector in detectors.items():
        adopted = imports[f"aws_guardduty_detector.{name}"]
        data_name = adopted["id"].split(".")[2]
        assert (
            data_name in found
            and found[data_name].get("provider", "aws") == detector.get("provider", "aws") == adopted["provider"]
        )
        assert detector["lifecycle"]["prevent_destroy"] is True
    assert _regions_of(stacks, "security", "aws_guardduty_organization_configuration") == REGIONS
    for org in stacks.resources("security", "aws_guardduty_organization_configuration").values():
        assert org["auto_enable_organization_members"] == "ALL"
    features = stacks.resources("security", "aws_guardduty_organization_configuration_feature").values()
    assert len(features) == 4 * 3 and {f["auto_enable"] for f in features} == {"ALL"}
    for account in stacks:
        if account not in ("management", "security"):
            assert not stacks.resources(account, "aws_guardduty_detector"), account


def test_security_hub_covers_every_allowed_region_from_home(stacks):
    # Central configuration: policies take effect in the home region and every linked region.
    aggregator = stacks.resource("security", "aws_securityhub_finding_aggregator")
    assert sorted([HOME, *aggregator["specified_regions"]]) == REGIONS
    assert aggregator.get("provider", "aws") == "aws"  # the home region


def test_account_baseline_in_every_account(stacks):
    for account in stacks:
        block = stacks.resource(account, "aws_s3_account_public_access_block")
        assert all(
            block[k] is True
            for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
        assert _regions_of(stacks, account, "aws_ebs_encryption_by_default") == REGIONS
        budget = stacks.resource(account, "aws_budgets_budget")
        assert (
            budget["name"] == f"acme-ml-{account}-monthly"
            and budget["time_unit"] == "MONTHLY"
            and budget["limit_unit"] == "USD"
        )
        assert [n["notification_type"] for n in budget["notification"]] == ["ACTUAL", "FORECASTED"]
        assert budget["notification"][0]["subscriber_email_addresses"] == ["ml-platform-finance@acme.example"]
    assert stacks.resource("production", "aws_budgets_budget")["limit_amount"] == "5000"  # its own monthly_budget_usd
    assert stacks.resource("data", "aws_budgets_budget")["limit_amount"] == "2000"  # the landing zone's
    analyzers = stacks.resources("security", "aws_accessanalyzer_analyzer")
    assert {a["type"] for a in analyzers.values()} == {"ORGANIZATION"}
    assert _regions_of(stacks, "security", "aws_accessanalyzer_analyzer") == REGIONS


# -- Control Tower ------------------------------------------------------------------------------
CONTROL_ARN = "arn:aws:controltower:eu-west-1::control/AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"
CATALOG_ARN = "arn:aws:controlcatalog:::control/497wrxw1a3kdpd5yvcmvjmlsp"


def control_tower_variant(config: Path) -> None:
    """The example under Control Tower: Account Factory, Control Tower's Security and Sandbox OUs, controls in every
    form."""
    path = config / "landing-zone.yaml"
    lz = yaml.safe_load(path.read_text())
    org = lz["organization"]
    org["vending"] = "control_tower"
    org["account_factory_product_id"] = "prod-abcdefghijklm"
    org["control_tower"] = {
        "identity_center_enabled_baseline_arn": (
            "arn:aws:controltower:eu-west-1:111111111111:enabledbaseline/XAHCR4CJTSI4W07MZ"
        )
    }
    for ou in org["organizational_units"]:
        # Control Tower's two SCPs and FullAWSAccess leave room for 2 guardrails (tests.helpers.fit_control_tower).
        dropped = ("protect-security-services", "deny-root-user")
        ou["guardrails"] = [g for g in ou.get("guardrails", []) if g not in dropped]
        if ou["path"] == "Workloads/Prod":
            ou["controls"] = ["AWS-GR_ENCRYPTED_VOLUMES", CONTROL_ARN, CATALOG_ARN]
    org["organizational_units"].append({"path": "Sandbox"})
    path.write_text(yaml.safe_dump(lz, sort_keys=False))
    enroll_existing_accounts(config)
    fit_control_tower(config)


@pytest.fixture(scope="module")
def tower(tmp_path_factory):
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("control-tower")
    config = copy_example(base)
    control_tower_variant(config)
    out = base / "cdktf.out"
    synthesize(resolve(load(config)), None, out, state_dir=base / "terraform-state")
    return read_stacks(out)


def test_control_tower_creates_no_trail_config_or_owned_ou(tower):
    for account in tower:
        for rtype in (
            "aws_cloudtrail",
            "aws_config_configuration_recorder",
            "aws_config_delivery_channel",
            "aws_config_configuration_aggregator",
            "aws_iam_service_linked_role",
        ):
            assert not tower.resources(account, rtype), (account, rtype)
    buckets = [b["bucket"] for a in tower for b in tower.resources(a, "aws_s3_bucket").values()]
    assert not [b for b in buckets if "-cloudtrail-" in b or "-config-" in b]
    principals = {
        d["service_principal"]
        for d in tower.resources("management", "aws_organizations_delegated_administrator").values()
    }
    assert not principals & {"config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"}
    assert not tower.resources("management", "aws_cloudtrail_organization_delegated_admin_account")
    names = sorted(ou["name"] for ou in tower.resources("management", "aws_organizations_organizational_unit").values())
    assert names == [
        "Dev",
        "Infrastructure",
        "Prod",
        "Staging",
        "Workloads",
    ]  # Security and Sandbox are Control Tower's
    # The rest of the baseline stays: GuardDuty, EBS, budgets.
    assert _regions_of(tower, "staging", "aws_ebs_encryption_by_default") == REGIONS
    assert len(tower.resources("security", "aws_guardduty_organization_configuration")) == 3


def test_control_tower_adopts_its_ous_by_name(tower):
    found = tower.data("management", "aws_organizations_organizational_units")
    assert len(found) == 1
    data_name, listing = next(iter(found.items()))
    assert listing["parent_id"] == "${aws_organizations_organization.organization.roots[0].id}"
    condition = listing["lifecycle"]["postcondition"][0]["condition"]
    assert '["Sandbox", "Security"]' in condition
    security = tower.resource("management", "aws_servicecatalog_provisioned_product", "account-ml-exec")
    assert security  # a created account's product exists; the Security OU reference is the adopted one
    # Guardrails of an adopted OU attach to the OU Control Tower has, found by its name.
    attachment = tower.resource(
        "management", "aws_organizations_policy_attachment", "scp-deny-leave-organization-security"
    )
    assert (
        attachment["target_id"]
        == f"${{one([for c in data.aws_organizations_organizational_units.{data_name}.children : c.id if c.name == "
        f'"Security"])}}'
    )


def test_control_tower_registers_every_ou_it_adds(tower):
    ous = tower.resources("management", "aws_organizations_organizational_unit")
    baselines = tower.resources("management", "aws_controltower_baseline")
    targets = {b["target_identifier"] for b in baselines.values()}
    assert targets == {f"${{aws_organizations_organizational_unit.{name}.arn}}" for name in ous}
    for b in baselines.values():
        assert b["baseline_identifier"] == "arn:aws:controltower:eu-west-1::baseline/17BSJV3IGJ2QSGA2"
        assert b["baseline_version"] == "4.0"
        assert b["parameters"] == [
            {
                "key": "IdentityCenterEnabledBaselineArn",
                "value": "arn:aws:controltower:eu-west-1:111111111111:enabledbaseline/XAHCR4CJTSI4W07MZ",
            }
        ]
    # One Control Tower operation at a time: registrations form one chain, parents first (Workloads before
    # Workloads/Prod), each after the previous one.
    chain = ["infrastructure", "workloads", "workloads-dev", "workloads-prod", "workloads-staging"]
    assert sorted(baselines) == sorted(f"register-ou-{c}" for c in chain)
    assert "depends_on" not in baselines["register-ou-infrastructure"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert baselines[f"register-ou-{after}"]["depends_on"] == [f"aws_controltower_baseline.register-ou-{before}"]
    # Account Factory provisions into registered OUs only: the first product waits for the last registration and
    # every control; the Organizations member (id in the lock) comes before its product.
    controls = sorted(
        f"aws_controltower_control.{n}" for n in tower.resources("management", "aws_controltower_control")
    )
    first = tower.resource("management", "aws_servicecatalog_provisioned_product", "account-data")
    assert first["depends_on"][0] == "aws_controltower_baseline.register-ou-workloads-staging"
    assert sorted(first["depends_on"][1:-1]) == controls and len(controls) == 3
    assert first["depends_on"][-1] == "aws_organizations_account.member-data"
    product = tower.resource("management", "aws_servicecatalog_provisioned_product", "account-ds-dev")
    assert product["depends_on"] == [
        "aws_organizations_account.member-ds-dev",
        "aws_servicecatalog_provisioned_product.account-data",  # one Account Factory operation at a time
    ]


def test_control_tower_guardrails_attach_after_the_ou_registration(tower):
    """Control Tower attaches its SCPs when it registers an OU: a guardrail attaches after that, so a sixth SCP fails
    at a plain AttachPolicy instead of breaking the registration."""
    baselines = tower.resources("management", "aws_controltower_baseline")
    registration = {b["target_identifier"].removesuffix(".arn}"): name for name, b in baselines.items()}
    attachments = tower.resources("management", "aws_organizations_policy_attachment")
    after = {}
    for name, attachment in attachments.items():
        ou = attachment["target_id"].removesuffix(".id}")
        if ou in registration:
            after[name] = attachment["depends_on"]
            assert attachment["depends_on"] == [f"aws_controltower_baseline.{registration[ou]}"]
        else:  # Control Tower's own Security OU, registered already: nothing to wait for
            assert "depends_on" not in attachment and "aws_organizations_organizational_units" in ou
    assert after["scp-deny-unapproved-regions-workloads-prod"] == [
        "aws_controltower_baseline.register-ou-workloads-prod"
    ]
    assert len(after) == len(attachments) - 2  # Security's two guardrails


def test_guardrails_attach_without_waiting_under_organizations(stacks):
    for attachment in stacks.resources("management", "aws_organizations_policy_attachment").values():
        assert "depends_on" not in attachment


def test_control_tower_controls_in_every_documented_form(tower):
    controls = tower.resources("management", "aws_controltower_control").values()
    assert sorted(c["control_identifier"] for c in controls) == sorted(
        [
            "arn:aws:controltower:eu-west-1::control/AWS-GR_ENCRYPTED_VOLUMES",
            CONTROL_ARN,
            CATALOG_ARN,
        ]
    )
    # After the last registration (no Control Tower operation beside them); concurrent with each other.
    assert {tuple(c["depends_on"]) for c in controls} == {("aws_controltower_baseline.register-ou-workloads-staging",)}


# Existing accounts of the example outside Control Tower's Security OU: OU and id.
ENROLLED = {
    "data": ("Infrastructure", "333333333333"),
    "production": ("Workloads/Prod", "888888888888"),
    "shared-services": ("Infrastructure", "444444444444"),
    "staging": ("Workloads/Staging", "777777777777"),
}


def _params(product) -> dict[str, str]:
    return {p["key"]: p["value"] for p in product["provisioning_parameters"]}


def test_control_tower_enrolls_existing_accounts_through_account_factory(tower):
    products = tower.resources("management", "aws_servicecatalog_provisioned_product")
    members = tower.resources("management", "aws_organizations_account")
    imports = {i["to"]: i["id"] for i in tower["management"]["import"]}
    for name, (ou, account_id) in ENROLLED.items():
        product = products[f"account-{name}"]
        leaf, slug = ou.rsplit("/", 1)[-1], ou.lower().replace("/", "-")
        assert product["name"] == f"acme-ml-{name}" and product["product_id"] == "prod-abcdefghijklm"
        assert _params(product) == {
            "AccountEmail": f"aws+{name}@acme.example",  # the existing account's root email: enrolled, not created
            "AccountName": name,
            "ManagedOrganizationalUnit": f"{leaf} (${{aws_organizations_organizational_unit.ou-{slug}.id}})",
            "SSOUserEmail": f"aws+{name}@acme.example",
            "SSOUserFirstName": "Admin",
            "SSOUserLastName": name,
        }
        assert product["timeouts"] == {"create": "60m", "delete": "60m", "update": "60m"}
        assert product["lifecycle"] == {"prevent_destroy": True}
        # Enrolled after every registration (the chain's first product), after the member is imported
        # (terminated before it is ever closed).
        assert f"aws_organizations_account.member-{name}" in product["depends_on"]
        member = members[f"member-{name}"]
        assert imports[f"aws_organizations_account.member-{name}"] == account_id
        # Account Factory moves the account: Organizations never sets its parent (a move there is drift).
        assert "parent_id" not in member and "parent_id" in member["lifecycle"]["ignore_changes"]
        assert member["close_on_deletion"] is False and member["lifecycle"]["prevent_destroy"] is True
        assert f"account-{name}" not in members
    # The account of Control Tower's Security OU (its Audit account) is never enrolled: adopted as before.
    assert "account-security" not in products and members["account-security"]["parent_id"].startswith("${one(")
    assert imports["aws_organizations_account.account-security"] == "222222222222"


def test_control_tower_runs_one_account_factory_operation_at_a_time(tower):
    products = tower.resources("management", "aws_servicecatalog_provisioned_product")
    chain = sorted(products)
    assert chain == [f"account-{n}" for n in ("data", "ds-dev", "ml-exec", "production", "shared-services", "staging")]
    assert not [d for d in products[chain[0]]["depends_on"] if "provisioned_product" in d]
    for before, after in zip(chain, chain[1:], strict=False):
        assert products[after]["depends_on"][-1] == f"aws_servicecatalog_provisioned_product.{before}"


def test_control_tower_created_accounts_are_imported_once_their_id_is_locked(tower):
    imports = {i["to"]: i["id"] for i in tower["management"]["import"]}
    assert imports["aws_organizations_account.member-ds-dev"] == "555555555555"  # config/accounts.lock.yaml
    assert imports["aws_organizations_account.member-ml-exec"] == "666666666666"
    products = tower.resources("management", "aws_servicecatalog_provisioned_product")
    assert _params(products["account-ds-dev"])["AccountEmail"] == "aws+ds-dev@acme.example"


@pytest.fixture(scope="module")
def tower_moved(tmp_path_factory):
    """The Control Tower variant after an edit: staging moves to Workloads/Dev, ds-dev is to be closed."""
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("control-tower-moved")
    config = copy_example(base)
    control_tower_variant(config)
    staging = config / "accounts" / "staging.yaml"
    staging.write_text(staging.read_text().replace("ou: Workloads/Staging\n", "ou: Workloads/Dev\n"))
    ds = config / "accounts" / "ds-dev.yaml"
    ds.write_text(ds.read_text().replace("ou: Workloads/Dev\n", "ou: Workloads/Dev\nclose_on_deletion: true\n"))
    synthesize(resolve(load(config)), ["management"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def test_control_tower_moves_by_updating_the_product_and_closes_through_organizations(tower, tower_moved):
    before = tower.resource("management", "aws_servicecatalog_provisioned_product", "account-staging")
    after = tower_moved.resource("management", "aws_servicecatalog_provisioned_product", "account-staging")
    # Same product (same address and name): only ManagedOrganizationalUnit changes, an in-place update.
    assert {k: v for k, v in before.items() if k not in ("provisioning_parameters", "depends_on")} == {
        k: v for k, v in after.items() if k not in ("provisioning_parameters", "depends_on")
    }
    changed = {k for k in _params(after) if _params(after)[k] != _params(before)[k]}
    assert changed == {"ManagedOrganizationalUnit"}
    assert (
        _params(after)["ManagedOrganizationalUnit"]
        == "Dev (${aws_organizations_organizational_unit.ou-workloads-dev.id})"
    )
    assert after["depends_on"][0] == "aws_organizations_account.member-staging"
    members = tower_moved.resources("management", "aws_organizations_account")
    assert "parent_id" not in members["member-staging"]
    assert members["member-ds-dev"]["close_on_deletion"] is True
    assert {n: m["close_on_deletion"] for n, m in members.items() if n != "member-ds-dev"} == dict.fromkeys(
        sorted(set(members) - {"member-ds-dev"}), False
    )


def test_close_on_deletion_and_moves_where_the_yaml_says(tmp_path, stacks):
    from accounts.app import synthesize
    from config import load, resolve

    assert {a["close_on_deletion"] for a in stacks.resources("management", "aws_organizations_account").values()} == {
        False
    }
    config = copy_example(tmp_path)
    ds = config / "accounts" / "ds-dev.yaml"
    # Closed on deletion, and moved to another OU in the same edit.
    ds.write_text(ds.read_text().replace("ou: Workloads/Dev\n", "ou: Workloads/Staging\nclose_on_deletion: true\n"))
    synthesize(resolve(load(config)), ["management"], tmp_path / "out", state_dir=tmp_path / "state")
    accounts = read_stacks(tmp_path / "out").resources("management", "aws_organizations_account")
    assert accounts["account-ds-dev"]["close_on_deletion"] is True
    assert accounts["account-ds-dev"]["parent_id"] == "${aws_organizations_organizational_unit.ou-workloads-staging.id}"
    assert accounts["account-ml-exec"]["close_on_deletion"] is False
    assert all(a["lifecycle"]["prevent_destroy"] is True for a in accounts.values())
