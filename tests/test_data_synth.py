"""The data account's synthesized stack: encryption, policies, catalog, Lake Formation, stores, and the
destination side of inference-data replication checked against every inference account."""

from __future__ import annotations

import json

from config.contracts import INFERENCE_DATA, inference_accounts, replication_role_name, replication_sources
from config.kinds.data import DATA_STORES
from config.kinds.lake import catalog_key_users, lake_consumer_roles
from tests.synth_lookup import (
    as_list,
    bucket_key,
    bucket_part,
    bucket_statements,
    by_sid,
    key_for_alias,
    key_statements,
    named,
)

LAKE = [
    "acme-ml-lake-raw-333333333333-eu-west-1",
    "acme-ml-lake-curated-333333333333-eu-west-1",
    "acme-ml-lake-analytics-333333333333-eu-west-1",
]


def test_lake_buckets_are_kms_encrypted_versioned_private_and_logged(stacks):
    key_logical, key = key_for_alias(stacks, "data", "alias/acme-ml/data-lake")
    assert key["enable_key_rotation"] is True
    for name in LAKE:
        sse = bucket_part(stacks, "data", name, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
        assert sse["apply_server_side_encryption_by_default"] == {
            "kms_master_key_id": f"${{aws_kms_key.{key_logical}.arn}}",
            "sse_algorithm": "aws:kms",
        }
        assert sse["bucket_key_enabled"] is True
        assert bucket_part(stacks, "data", name, "aws_s3_bucket_versioning")["versioning_configuration"] == {
            "status": "Enabled"
        }
        block = bucket_part(stacks, "data", name, "aws_s3_bucket_public_access_block")
        assert all(
            block[k] is True
            for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
        logging = bucket_part(stacks, "data", name, "aws_s3_bucket_logging")
        assert logging["target_prefix"] == f"{name}/"
        statements = by_sid(bucket_statements(stacks, "data", name))
        assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statements["DenyUploadsNotEncryptedWithKms"]["Effect"] == "Deny"


def test_lake_lifecycle_rules_from_configuration(stacks):
    rules = {r["id"]: r for r in bucket_part(stacks, "data", LAKE[0], "aws_s3_bucket_lifecycle_configuration")["rule"]}
    assert rules["raw-to-ia"]["transition"] == [{"days": 30, "storage_class": "STANDARD_IA"}]
    assert rules["raw-archive"]["filter"] == [{"prefix": "archive/"}]
    assert rules["raw-archive"]["expiration"] == [{"days": 730}]
    analytics = {
        r["id"]: r for r in bucket_part(stacks, "data", LAKE[2], "aws_s3_bucket_lifecycle_configuration")["rule"]
    }
    assert analytics["scratch-expiry"]["noncurrent_version_expiration"] == [{"noncurrent_days": 7}]


def test_glue_catalog_encrypted_and_crawlers_per_dataset(stacks):
    key_logical, _ = key_for_alias(stacks, "data", "alias/acme-ml/data-lake")
    key_ref = f"${{aws_kms_key.{key_logical}.arn}}"
    settings = stacks.resource("data", "aws_glue_data_catalog_encryption_settings")["data_catalog_encryption_settings"]
    assert settings["encryption_at_rest"] == {"catalog_encryption_mode": "SSE-KMS", "sse_aws_kms_key_id": key_ref}
    assert settings["connection_password_encryption"]["return_connection_password_encrypted"] is True
    databases = {d["name"]: d for d in stacks.resources("data", "aws_glue_catalog_database").values()}
    assert sorted(databases) == [
        "acme_ml_churn",
        "acme_ml_clickstream_raw",
        "acme_ml_customers",
        "acme_ml_transactions",
    ]
    assert databases["acme_ml_transactions"]["location_uri"] == f"s3://{LAKE[1]}/transactions/v2/"
    crawler = named(stacks, "data", "aws_glue_crawler", "name", "acme-ml-crawler-transactions")
    assert crawler["schedule"] == "cron(30 1 * * ? *)"
    assert crawler["s3_target"] == [{"path": f"s3://{LAKE[1]}/transactions/v2/"}]
    assert "schedule" not in named(stacks, "data", "aws_glue_crawler", "name", "acme-ml-crawler-clickstream-raw")
    security = stacks.resource("data", "aws_glue_security_configuration")["encryption_configuration"]
    assert security["s3_encryption"] == {"kms_key_arn": key_ref, "s3_encryption_mode": "SSE-KMS"}
    role = named(stacks, "data", "aws_iam_role", "name", "acme-ml-glue-crawler")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "glue.amazonaws.com"}
    policy = next(p for p in stacks.resources("data", "aws_iam_role_policy").values() if p["name"] == "dataset-access")
    read = by_sid(json.loads(policy["policy"])["Statement"])["ReadDatasetObjects"]
    assert read["Resource"] == [
        f"arn:aws:s3:::{LAKE[1]}/churn/*",
        f"arn:aws:s3:::{LAKE[1]}/customers/*",
        f"arn:aws:s3:::{LAKE[1]}/transactions/v2/*",
        f"arn:aws:s3:::{LAKE[0]}/clickstream/*",
    ]


def test_athena_workgroup_enforces_encryption_and_cutoff(stacks):
    key_logical, _ = key_for_alias(stacks, "data", "alias/acme-ml/data-lake")
    workgroup = stacks.resource("data", "aws_athena_workgroup")
    config = workgroup["configuration"]
    assert workgroup["name"] == "acme-ml-analytics"
    assert config["enforce_workgroup_configuration"] is True
    assert config["bytes_scanned_cutoff_per_query"] == 100 * 1024**3
    assert config["result_configuration"]["encryption_configuration"] == {
        "encryption_option": "SSE_KMS",
        "kms_key_arn": f"${{aws_kms_key.{key_logical}.arn}}",
    }
    assert (
        config["result_configuration"]["output_location"]
        == "s3://acme-ml-athena-results-333333333333-eu-west-1/results/"
    )
    bucket_key(stacks, "data", "acme-ml-athena-results-333333333333-eu-west-1")


def test_lake_formation_admins_locations_and_cross_account_grants(stacks):
    settings = stacks.resource("data", "aws_lakeformation_data_lake_settings")
    # Admins exist: the deploy role, and the Identity Center role of platform-admin read at plan.
    assert settings["admins"] == [
        "${one(tolist(data.aws_iam_roles.persona-role-platform-admin.arns))}",
        "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole",
    ]
    lookup = stacks.data("data", "aws_iam_roles")["persona-role-platform-admin"]
    assert lookup["name_regex"] == "^AWSReservedSSO_platform-admin_[0-9a-f]+$"
    assert lookup["path_prefix"] == "/aws-reserved/sso.amazonaws.com/"
    assert lookup["lifecycle"]["postcondition"][0]["condition"] == "${length(self.arns) == 1}"
    # Nothing new inherits IAM_ALLOWED_PRINCIPALS: both defaults explicitly empty.
    assert settings["create_database_default_permissions"] == [] and settings["create_table_default_permissions"] == []
    locations = sorted(r["arn"] for r in stacks.resources("data", "aws_lakeformation_resource").values())
    assert locations == sorted(f"arn:aws:s3:::{b}" for b in LAKE)
    grants = {}
    for p in stacks.resources("data", "aws_lakeformation_permissions").values():
        target = p.get("database", {}).get("name") or p.get("table", {}).get("database_name")
        grants.setdefault(p["principal"], []).append(
            (target, "table" in p, tuple(p["permissions"]), tuple(p.get("permissions_with_grant_option", ())))
        )
    assert sorted(grants["666666666666"]) == [
        ("acme_ml_churn", False, ("DESCRIBE",), ("DESCRIBE",)),
        ("acme_ml_churn", True, ("DESCRIBE", "SELECT"), ("DESCRIBE", "SELECT")),
        ("acme_ml_customers", False, ("DESCRIBE",), ("DESCRIBE",)),
        ("acme_ml_customers", True, ("DESCRIBE", "SELECT"), ("DESCRIBE", "SELECT")),
        ("acme_ml_transactions", False, ("DESCRIBE",), ("DESCRIBE",)),
        ("acme_ml_transactions", True, ("DESCRIBE", "SELECT"), ("DESCRIBE", "SELECT")),
    ]
    assert sorted(g[0] for g in grants["555555555555"]) == ["acme_ml_customers", "acme_ml_customers"]
    table_grant = next(
        p
        for p in stacks.resources("data", "aws_lakeformation_permissions").values()
        if p["principal"] == "555555555555" and "table" in p
    )
    assert table_grant["table"] == {"database_name": "acme_ml_customers", "wildcard": True}
    # No other account receives anything.
    assert {p for p in grants if p.isdigit()} == {"555555555555", "666666666666"}


def test_data_lake_settings_own_the_cross_account_version(stacks):
    """Every account's settings set CROSS_ACCOUNT_VERSION 4 and nothing else, with no ignore_changes: the
    SET_CONTEXT=TRUE that AWS returns makes no diff (provider behaviour), and a drifted version is put back."""
    found = 0
    for account in ("data", "ds-dev", "ml-exec"):
        for settings in stacks.resources(account, "aws_lakeformation_data_lake_settings").values():
            found += 1
            assert settings["parameters"] == {"CROSS_ACCOUNT_VERSION": "4"}
            assert settings["lifecycle"] == {"prevent_destroy": True}
    assert found == 3


def test_databases_and_crawlers_wait_for_the_data_lake_settings(stacks):
    """A database created before the settings keeps IAM_ALLOWED_PRINCIPALS (and its crawled tables too)."""
    settings = next(iter(stacks.resources("data", "aws_lakeformation_data_lake_settings")))
    ref = f"aws_lakeformation_data_lake_settings.{settings}"
    databases = stacks.resources("data", "aws_glue_catalog_database")
    crawlers = stacks.resources("data", "aws_glue_crawler")
    assert len(databases) == 4 and len(crawlers) == 4
    assert all(ref in d["depends_on"] for d in databases.values())
    assert all(ref in c["depends_on"] for c in crawlers.values())


def test_data_engineer_persona_granted_what_the_yaml_says(stacks):
    role = "${one(tolist(data.aws_iam_roles.persona-role-data-engineer.arns))}"
    lookup = stacks.data("data", "aws_iam_roles")["persona-role-data-engineer"]
    assert lookup["name_regex"] == "^AWSReservedSSO_data-engineer_[0-9a-f]+$"
    mine = [p for p in stacks.resources("data", "aws_lakeformation_permissions").values() if p["principal"] == role]
    databases = {p["database"]["name"]: p["permissions"] for p in mine if "database" in p}
    tables = {p["table"]["database_name"]: p["permissions"] for p in mine if "table" in p}
    names = ["acme_ml_churn", "acme_ml_clickstream_raw", "acme_ml_customers", "acme_ml_transactions"]
    assert sorted(databases) == names and all(v == ["CREATE_TABLE", "DESCRIBE"] for v in databases.values())
    assert sorted(tables) == names and all(
        v == ["ALTER", "DELETE", "DESCRIBE", "INSERT", "SELECT"] for v in tables.values()
    )
    # create_tables and ALTER need the registered locations of the datasets' buckets (curated and raw).
    locations = sorted(p["data_location"]["arn"] for p in mine if "data_location" in p)
    registered = {k: v["arn"] for k, v in stacks.resources("data", "aws_lakeformation_resource").items()}
    assert [registered[ref.split(".")[1]] for ref in (x[2:-5] for x in locations)] == [
        f"arn:aws:s3:::{LAKE[1]}",
        f"arn:aws:s3:::{LAKE[0]}",
    ]


def test_catalog_key_lets_consumers_decrypt_only_through_glue(stacks, resolved_example):
    stmt = by_sid(key_statements(stacks, "data", "alias/acme-ml/data-lake"))["ConsumersReadCatalogThroughGlue"]
    assert stmt["Principal"] == {"AWS": ["arn:aws:iam::555555555555:root", "arn:aws:iam::666666666666:root"]}
    assert stmt["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    # Only the roles granted the shares and the consumers' Lake Formation admins (deploy roles), by exact ARN.
    roles = [
        "arn:aws:iam::555555555555:role/OrganizationAccountAccessRole",
        "arn:aws:iam::555555555555:role/acme-ml-persona-data-scientist",
        "arn:aws:iam::666666666666:role/OrganizationAccountAccessRole",
        "arn:aws:iam::666666666666:role/acme-ml-ml-pipeline-execution",
    ]
    assert stmt["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": roles},
        "StringEquals": {"kms:ViaService": "glue.eu-west-1.amazonaws.com"},
    }
    # Same value the consumer side grants the shares to (config.kinds.lake), not a second list.
    r = resolved_example
    assert roles == sorted(r.role_arn(c, n) for c in ("ds-dev", "ml-exec") for n in catalog_key_users(r, c))
    for consumer in ("ds-dev", "ml-exec"):
        assert set(lake_consumer_roles(r, consumer)) < set(catalog_key_users(r, consumer))


def test_crawler_role_is_scoped_to_its_databases_prefixes_and_key(stacks):
    role = named(stacks, "data", "aws_iam_role", "name", "acme-ml-glue-crawler")
    assert role  # no managed policy on it (AWSGlueServiceRole grants glue:* on every catalog resource)
    attached = [a["policy_arn"] for a in stacks.resources("data", "aws_iam_role_policy_attachment").values()]
    assert not [a for a in attached if "Glue" in a]
    policy = next(p for p in stacks.resources("data", "aws_iam_role_policy").values() if p["name"] == "dataset-access")
    statements = by_sid(json.loads(policy["policy"])["Statement"])
    glue = statements["CrawlDatasetCatalog"]
    base = "arn:aws:glue:eu-west-1:333333333333"
    dbs = ["acme_ml_churn", "acme_ml_clickstream_raw", "acme_ml_customers", "acme_ml_transactions"]
    assert glue["Resource"] == [f"{base}:catalog"] + [
        a for d in dbs for a in (f"{base}:database/{d}", f"{base}:table/{d}/*")
    ]
    assert not [a for a in glue["Action"] if a.startswith("glue:Delete") or "*" in a]
    assert statements["UseLakeKey"]["Resource"].startswith("${aws_kms_key.lake-key")
    every = [a for s in statements.values() for a in as_list(s["Action"])]
    assert not [a for a in every if a.endswith(":*")]
    # Lake Formation: create, describe and alter on its databases, never DROP.
    crawler_ref = "${aws_iam_role.catalog_crawler-role"
    grants = [
        p
        for p in stacks.resources("data", "aws_lakeformation_permissions").values()
        if p["principal"].startswith(crawler_ref)
    ]
    on_databases = [g["permissions"] for g in grants if "database" in g]
    assert len(on_databases) == 4 and all(p == ["ALTER", "CREATE_TABLE", "DESCRIBE"] for p in on_databases)
    # ...and alter, describe on every table of them, tables the Glue job role created included.
    on_tables = sorted(
        (g["table"]["database_name"], g["table"]["wildcard"], g["permissions"]) for g in grants if "table" in g
    )
    assert on_tables == [(d, True, ["ALTER", "DESCRIBE"]) for d in dbs]


def test_each_crawler_waits_for_its_lake_formation_grants(stacks):
    """Database grant and location grant of the crawler role come before its crawler (first apply, first run)."""
    permissions = stacks.resources("data", "aws_lakeformation_permissions")
    for crawler in stacks.resources("data", "aws_glue_crawler").values():
        database = crawler["database_name"].split(".")[1]
        db_name = stacks.resources("data", "aws_glue_catalog_database")[database]["name"]
        bucket = crawler["s3_target"][0]["path"].split("/")[2]
        waits = [ref.split(".")[1] for ref in crawler["depends_on"] if ref.startswith("aws_lakeformation_permissions.")]
        granted = {
            (kind, permissions[w][kind].get("name") or permissions[w][kind]["database_name"])
            for w in waits
            for kind in ("database", "table")
            if kind in permissions[w]
        }
        assert granted == {("database", db_name), ("table", db_name)}
        locations = [permissions[w]["data_location"]["arn"] for w in waits if "data_location" in permissions[w]]
        registered = stacks.resources("data", "aws_lakeformation_resource")
        assert [registered[ref.split(".")[1]]["arn"] for ref in (x[2:-5] for x in locations)] == [
            f"arn:aws:s3:::{bucket}"
        ]
        assert all(permissions[w]["principal"].startswith("${aws_iam_role.catalog_crawler-role") for w in waits)
        assert any(ref.startswith("aws_iam_role_policy.catalog_crawler-access") for ref in crawler["depends_on"])


def test_optional_stores_are_encrypted_and_private(stacks):
    key_logical, _ = key_for_alias(stacks, "data", f"alias/acme-ml/{DATA_STORES}")
    key_ref = f"${{aws_kms_key.{key_logical}.arn}}"
    table = stacks.resource("data", "aws_dynamodb_table")
    assert (
        table["name"] == "acme-ml-feature-lookup"
        and table["hash_key"] == "entity_id"
        and table["range_key"] == "event_time"
    )
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": key_ref}
    assert table["point_in_time_recovery"] == {"enabled": True}
    db = stacks.resource("data", "aws_db_instance")
    assert (db["storage_encrypted"], db["kms_key_id"], db["publicly_accessible"], db["deletion_protection"]) == (
        True,
        key_ref,
        False,
        True,
    )
    assert db["manage_master_user_password"] is True and "password" not in db
    subnets = stacks.resource("data", "aws_db_subnet_group")
    assert subnets["subnet_ids"] == ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    efs = stacks.resource("data", "aws_efs_file_system")
    assert (efs["encrypted"], efs["kms_key_id"]) == (True, key_ref)
    assert len(stacks.resources("data", "aws_efs_mount_target")) == 2
    allow, deny = json.loads(stacks.resource("data", "aws_efs_file_system_policy")["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # A policy replaces the default allow: clients through a mount target and the access point may mount and
    # write, not act as root (root squash), so the access point gives them a directory they own.
    fs_id = next(iter(stacks.resources("data", "aws_efs_file_system")))
    ap_id, access_point = next(iter(stacks.resources("data", "aws_efs_access_point").items()))
    assert allow == {
        "Sid": "AllowClientsThroughTheAccessPoint",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Resource": f"${{aws_efs_file_system.{fs_id}.arn}}",
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        "Condition": {
            "Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"},
            "ArnEquals": {"elasticfilesystem:AccessPointArn": f"${{aws_efs_access_point.{ap_id}.arn}}"},
        },
    }
    assert access_point["file_system_id"] == f"${{aws_efs_file_system.{fs_id}.id}}"
    assert access_point["posix_user"] == {"uid": 1000, "gid": 1000}
    assert access_point["root_directory"] == {
        "path": "/shared",
        "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
    }
    assert stacks["data"]["output"]["efs_access_points"]["value"] == {"shared": f"${{aws_efs_access_point.{ap_id}.id}}"}
    # Major version only: automatic minor upgrades never turn into a planned downgrade.
    assert (db["engine"], db["engine_version"], db["auto_minor_version_upgrade"]) == ("postgres", "16", True)
    ingress = sorted(
        (r["cidr_ipv4"], r["from_port"])
        for r in stacks.resources("data", "aws_vpc_security_group_ingress_rule").values()
    )
    assert ingress == [
        ("10.20.0.0/16", 2049),
        ("10.20.0.0/16", 5432),
        ("10.20.0.0/16", 5439),
    ]  # EFS, RDS, Redshift Serverless


def test_inference_landing_grants_exactly_each_inference_accounts_replication_role(stacks, resolved_example):
    """Cross-account: for every inference account, the bucket and key policies of the data account grant
    exactly that account's replication role, and nothing broader."""
    r = resolved_example
    bucket = r.bucket_name("data", INFERENCE_DATA)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    assert bucket_part(stacks, "data", bucket, "aws_s3_bucket_versioning")["versioning_configuration"] == {
        "status": "Enabled"
    }
    sources = replication_sources(r, "data")
    # staging sends its replicas to ml-exec only (inference.replication.destinations): data grants production alone.
    assert sorted(inference_accounts(r)) == ["production", "staging"] and sources == ["production"]

    allows = [s for s in bucket_statements(stacks, "data", bucket) if s["Effect"] == "Allow"]
    key_allows = [
        s
        for s in key_statements(stacks, "data", r.kms_alias(INFERENCE_DATA))
        if s["Sid"] != "AccountRootAdministersKeyThroughIam"
    ]
    assert len(allows) == 2 * len(sources) and len(key_allows) == len(sources)
    for source in sources:
        role = r.role_arn(source, replication_role_name(r))
        root = f"arn:aws:iam::{r.account_id(source)}:root"
        mine = [s for s in allows if s["Principal"] == {"AWS": root}]
        assert all(s["Condition"] == {"ArnEquals": {"aws:PrincipalArn": role}} for s in mine)
        objects = next(s for s in mine if s["Resource"] == f"{bucket_arn}/*")
        assert sorted(objects["Action"]) == [
            "s3:ObjectOwnerOverrideToBucketOwner",
            "s3:ReplicateDelete",
            "s3:ReplicateObject",
            "s3:ReplicateTags",
        ]
        versioning = next(s for s in mine if s["Resource"] == bucket_arn)
        assert versioning["Action"] == ["s3:GetBucketVersioning", "s3:PutBucketVersioning"]
        assert len(mine) == 2
        key = [s for s in key_allows if s["Principal"] == {"AWS": root}]
        assert len(key) == 1
        assert key[0]["Action"] == ["kms:Encrypt", "kms:GenerateDataKey*"]
        assert key[0]["Condition"] == {"ArnEquals": {"aws:PrincipalArn": role}}
    # Nothing broader: no wildcard principal, no other account, no s3:* or kms:* in a grant.
    granted = {s["Principal"]["AWS"] for s in allows + key_allows}
    assert granted == {f"arn:aws:iam::{r.account_id(s)}:root" for s in sources}
    assert not any(
        a in ("s3:*", "kms:*", "*")
        for s in allows + key_allows
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )


def test_stack_outputs_name_the_landing_bucket(stacks):
    outputs = stacks["data"]["output"]
    assert outputs["inference_data_bucket"]["value"] == "acme-ml-inference-data-333333333333-eu-west-1"
    assert outputs["lake_buckets"]["value"]["raw"] == LAKE[0]
