"""One chain per lake share, on the synthesized JSON: data account grant -> resource link in the consumer ->
consumer grants to its roles -> the roles' policies (lakeformation:GetDataAccess, Glue read, catalog key).
Also: S3 reads no wider than the shares, two data accounts sharing with one data-science account, and
Studio endpoints derived from the personas' activities."""

from __future__ import annotations

import json

import pytest

from config.kinds.data_science import persona_role_name, studio_endpoints
from config.kinds.lake import consumer_s3_reads, lake_consumer_roles, lake_formation_shares, lake_query_personas
from config.kinds.model_build import push_endpoints
from tests.conftest import read_stacks
from tests.helpers import replace_text
from tests.synth_lookup import as_list, bucket_statements, by

CONSUMERS = ("ml-exec", "ds-dev")


def _role(stacks, account: str, name: str) -> tuple[str, dict]:
    found = [(k, v) for k, v in stacks.resources(account, "aws_iam_role").items() if v["name"] == name]
    assert len(found) == 1, f"role {name} in {account}"
    return found[0]


def _role_statements(stacks, account: str, logical: str) -> list[dict]:
    """Every statement of the inline and attached managed policies of a role (by logical id)."""
    ref = f"${{aws_iam_role.{logical}.id}}"
    name_ref = f"${{aws_iam_role.{logical}.name}}"
    docs = [p["policy"] for p in stacks.resources(account, "aws_iam_role_policy").values() if p["role"] == ref]
    policies = stacks.resources(account, "aws_iam_policy")
    for attachment in stacks.resources(account, "aws_iam_role_policy_attachment").values():
        if attachment["role"] == name_ref and attachment["policy_arn"].startswith("${aws_iam_policy."):
            docs.append(policies[attachment["policy_arn"].split(".")[1]]["policy"])
    return [s for doc in docs for s in json.loads(doc)["Statement"]]


def _allows(statements: list[dict], action: str, resource: str) -> list[dict]:
    return [
        s
        for s in statements
        if s["Effect"] == "Allow" and action in as_list(s["Action"]) and resource in as_list(s["Resource"])
    ]


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_every_share_is_usable_by_the_consumers_roles(stacks, resolved_example, consumer):
    r = resolved_example
    shares = lake_formation_shares(r, consumer)
    roles = lake_consumer_roles(r, consumer)
    assert shares and roles
    consumer_id = r.account_id(consumer)
    # The consumer's Lake Formation admin is the deploy role (it exists: Terraform runs as it).
    settings = stacks.resource(consumer, "aws_lakeformation_data_lake_settings")
    assert settings["admins"] == [r.deploy_role_arn(consumer)]
    assert settings["create_database_default_permissions"] == [
        {"permissions": ["ALL"], "principal": "IAM_ALLOWED_PRINCIPALS"}
    ]
    settings_key = next(iter(stacks.resources(consumer, "aws_lakeformation_data_lake_settings")))
    settings_ref = f"aws_lakeformation_data_lake_settings.{settings_key}"
    grants = stacks.resources(consumer, "aws_lakeformation_permissions").values()
    for share in shares:
        # 1. the data account grants the consumer account, with the grant option its admin needs
        data_grants = [
            p
            for p in stacks.resources(share.data_account, "aws_lakeformation_permissions").values()
            if p["principal"] == consumer_id
            and share.database_name in (p.get("database", {}).get("name"), p.get("table", {}).get("database_name"))
        ]
        assert sorted(tuple(p["permissions"]) for p in data_grants) == [("DESCRIBE",), share.permissions]
        assert all(p["permissions_with_grant_option"] == p["permissions"] for p in data_grants)
        # 2. the resource link in the consumer's catalog
        link_logical, link = next(
            (k, v)
            for k, v in stacks.resources(consumer, "aws_glue_catalog_database").items()
            if v["name"] == share.database_name
        )
        assert link["target_database"] == {"catalog_id": share.catalog_id, "database_name": share.database_name}
        for role_name in roles:
            logical, _ = _role(stacks, consumer, role_name)
            arn = f"${{aws_iam_role.{logical}.arn}}"
            mine = [p for p in grants if p["principal"] == arn]
            # 3. consumer grants: DESCRIBE on the link, DESCRIBE on the target, table permissions on the target
            on_link = [p for p in mine if p.get("database") == {"name": share.database_name}]
            on_target = [
                p for p in mine if p.get("database") == {"catalog_id": share.catalog_id, "name": share.database_name}
            ]
            on_tables = [
                p
                for p in mine
                if p.get("table")
                == {"catalog_id": share.catalog_id, "database_name": share.database_name, "wildcard": True}
            ]
            assert [p["permissions"] for p in on_link] == [["DESCRIBE"]] and [p["permissions"] for p in on_target] == [
                ["DESCRIBE"]
            ]
            assert [tuple(p["permissions"]) for p in on_tables] == [share.permissions]
            for p in on_link + on_target + on_tables:
                assert {settings_ref, f"aws_glue_catalog_database.{link_logical}", f"aws_iam_role.{logical}"} <= set(
                    p["depends_on"]
                )
            # 4. the role's policy: Lake Formation credentials, Glue read on link and target, the catalog key
            statements = _role_statements(stacks, consumer, logical)
            assert _allows(statements, "lakeformation:GetDataAccess", "*")
            for catalog in (share.catalog_id, consumer_id):
                assert _allows(
                    statements, "glue:GetTable", f"arn:aws:glue:eu-west-1:{catalog}:table/{share.database_name}/*"
                )
                assert _allows(
                    statements, "glue:GetDatabase", f"arn:aws:glue:eu-west-1:{catalog}:database/{share.database_name}"
                )
            decrypt = _allows(statements, "kms:Decrypt", r.kms_key_arn_pattern(share.data_account))
            assert any(
                s.get("Condition") == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/acme-ml/data-lake"}}
                for s in decrypt
            )


def test_only_the_lake_querying_personas_are_granted(stacks, resolved_example):
    r = resolved_example
    section = r.accounts["ds-dev"].config.data_science
    assert lake_query_personas(section) == ["data-scientist"]
    principals = {p["principal"] for p in stacks.resources("ds-dev", "aws_lakeformation_permissions").values()}
    assert principals == {f"${{aws_iam_role.{_role(stacks, 'ds-dev', persona_role_name(r, 'data-scientist'))[0]}.arn}}"}
    mlops = _role(stacks, "ds-dev", persona_role_name(r, "mlops-engineer"))[0]
    assert not _allows(_role_statements(stacks, "ds-dev", mlops), "lakeformation:GetDataAccess", "*")


def test_curated_bucket_reads_are_no_wider_than_the_shares(stacks, resolved_example):
    """ds-dev is granted customers only: it reads curated/customers/, never churn/ or transactions/ (ml-exec's)."""
    r = resolved_example
    curated = r.bucket_name("data", "lake-curated")
    allows = [s for s in bucket_statements(stacks, "data", curated) if s["Effect"] == "Allow"]
    by_account = {}
    for s in allows:
        by_account.setdefault(s["Principal"]["AWS"], []).append(s)
    ds, ml = by_account["arn:aws:iam::555555555555:root"], by_account["arn:aws:iam::666666666666:root"]
    arn = f"arn:aws:s3:::{curated}"
    assert sorted(s["Resource"] for s in ds if s["Action"] == "s3:GetObject") == [f"{arn}/customers/*"]
    assert [s["Condition"]["StringLike"] for s in ds if s["Action"] == "s3:ListBucket"] == [
        {"s3:prefix": "customers/*"}
    ]
    assert sorted(s["Resource"] for s in ml if s["Action"] == "s3:GetObject") == [
        f"{arn}/churn/*",
        f"{arn}/transactions/v2/*",
    ]
    # No statement of the lake bucket grants another account the whole bucket.
    assert all(s["Resource"] != f"{arn}/*" for s in allows)
    assert consumer_s3_reads(r, "ds-dev") == [("data", "lake-curated", "customers/")]


def test_studio_endpoints_follow_the_activities(stacks, resolved_example):
    section = resolved_example.accounts["ds-dev"].config.data_science
    synthesized = sorted(
        e["service_name"].removeprefix("com.amazonaws.eu-west-1.")
        for e in stacks.resources("ds-dev", "aws_vpc_endpoint").values()
    )
    # Plus git's endpoints when personas push to a model-build project (accounts/model_build.py).
    assert synthesized == sorted(studio_endpoints(section) + push_endpoints(resolved_example, "ds-dev"))
    # Endpoints admit HTTPS from the Studio security group only; Studio reaches them on 443.
    groups = {v["name"]: k for k, v in stacks.resources("ds-dev", "aws_security_group").items()}
    studio, endpoints = groups["acme-ml-ds-dev-studio"], groups["acme-ml-ds-dev-endpoints"]
    interface = [
        e for e in stacks.resources("ds-dev", "aws_vpc_endpoint").values() if e["vpc_endpoint_type"] == "Interface"
    ]
    assert interface and all(e["security_group_ids"] == [f"${{aws_security_group.{endpoints}.id}}"] for e in interface)
    ingress = [
        i
        for i in stacks.resources("ds-dev", "aws_vpc_security_group_ingress_rule").values()
        if i["security_group_id"] == f"${{aws_security_group.{endpoints}.id}}"
    ]
    assert [(i["referenced_security_group_id"], i["from_port"], i["to_port"]) for i in ingress] == [
        (f"${{aws_security_group.{studio}.id}}", 443, 443)
    ]
    egress = [
        e
        for e in stacks.resources("ds-dev", "aws_vpc_security_group_egress_rule").values()
        if e.get("referenced_security_group_id") == f"${{aws_security_group.{endpoints}.id}}"
    ]
    assert [(e["from_port"], e["to_port"]) for e in egress] == [(443, 443)]


def test_endpoints_derivation_is_per_activity():
    from config.schema.data_science import DataScienceSection

    bare = DataScienceSection(personas=[{"name": "data-scientist", "activities": ["run-studio-apps"]}])
    assert studio_endpoints(bare) == ["s3", "sagemaker.api", "sagemaker.runtime", "sts"]
    athena = DataScienceSection(
        personas=[
            {"name": "data-scientist", "activities": ["run-studio-apps", "query-athena-workgroups"]},
            {"name": "sagemaker-compute", "activities": ["access-required-services"]},
        ]
    )
    assert studio_endpoints(athena) == [
        "athena",
        "ecr.api",
        "ecr.dkr",
        "glue",
        "logs",
        "monitoring",
        "s3",
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
    ]


# -- a data-science account that two data accounts share with ------------------------------------
DATA2 = """name: data2
kind: data
account_id: "313131313131"
ou: Infrastructure
data:
  datasets:
    - {name: events, bucket: raw, prefix: events/}
  lake_formation:
    admins: [DataPlatformAdmin]
    grants:
      - {account: ds-dev, datasets: [events]}
"""


@pytest.fixture(scope="module")
def two_lakes(tmp_path_factory):
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import copy_example

    base = tmp_path_factory.mktemp("two-lakes")
    root = copy_example(base)
    (root / "accounts" / "data2.yaml").write_text(DATA2)
    replace_text(root / "accounts" / "security.yaml", "        accounts: [data]\n", "        accounts: [data, data2]\n")
    resolved = resolve(load(root))
    out = base / "out"
    synthesize(resolved, ["ds-dev", "data2"], out, state_dir=base / "state")
    return resolved, read_stacks(out)


def test_data_science_reads_the_lakes_of_every_data_account_that_shares(two_lakes):
    r, stacks = two_lakes
    assert [(s.data_account, s.database_name) for s in lake_formation_shares(r, "ds-dev")] == [
        ("data", "acme_ml_customers"),
        ("data2", "acme_ml_events"),
    ]
    links = {
        d["name"]: d["target_database"]
        for d in stacks.resources("ds-dev", "aws_glue_catalog_database").values()
        if "target_database" in d
    }
    assert links == {
        "acme_ml_customers": {"catalog_id": "333333333333", "database_name": "acme_ml_customers"},
        "acme_ml_events": {"catalog_id": "313131313131", "database_name": "acme_ml_events"},
    }
    logical, _ = _role(stacks, "ds-dev", persona_role_name(r, "data-scientist"))
    statements = _role_statements(stacks, "ds-dev", logical)
    assert _allows(statements, "s3:GetObject", r.bucket_arn("data", "lake-curated") + "/customers/*")
    assert _allows(statements, "s3:GetObject", r.bucket_arn("data2", "lake-raw") + "/events/*")
    for account in ("data", "data2"):
        assert _allows(statements, "kms:Decrypt", r.kms_key_arn_pattern(account))
    assert _allows(statements, "glue:GetTable", "arn:aws:glue:eu-west-1:313131313131:table/acme_ml_events/*")
    tables = [p for p in stacks.resources("ds-dev", "aws_lakeformation_permissions").values() if "table" in p]
    assert sorted(p["table"]["catalog_id"] for p in tables) == ["313131313131", "333333333333"]
    # data2's side: its raw bucket lets exactly ds-dev's S3-reading personas read events/ only.
    raw = r.bucket_name("data2", "lake-raw")
    allows = [s for s in bucket_statements(stacks, "data2", raw) if s["Effect"] == "Allow"]
    assert sorted(s["Resource"] for s in allows if s["Action"] == "s3:GetObject") == [f"arn:aws:s3:::{raw}/events/*"]
    reader = next(s for s in allows if s["Action"] == "s3:GetObject")
    assert reader["Principal"] == {"AWS": "arn:aws:iam::555555555555:root"}
    assert sorted(as_list(reader["Condition"]["ArnEquals"]["aws:PrincipalArn"])) == sorted(
        r.role_arn("ds-dev", persona_role_name(r, p)) for p in ("data-scientist", "mlops-engineer", "sagemaker-compute")
    )
    # A named admin role is read from IAM (the plan stops when it does not exist), never named blindly.
    lookup = stacks.data("data2", "aws_iam_role")
    assert [v["name"] for v in lookup.values()] == ["DataPlatformAdmin"]
    by(
        stacks,
        "data2",
        "aws_lakeformation_data_lake_settings",
        admins=[f"${{data.aws_iam_role.{next(iter(lookup))}.arn}}", r.deploy_role_arn("data2")],
    )
