"""Data science: private VPC (or existing), Studio domain, Role Manager personas, project buckets."""

from __future__ import annotations

from config import contracts, local_names
from config.kinds import data_science as ds_kind
from config.kinds.data_science import persona_role_name, studio_endpoints
from config.kinds.lake import consumer_s3_reads, lake_query_personas
from config.kinds.model_build import push_endpoints
from config.kinds.shared_services import repositories_pullable_by
from config.schema.account import DataScienceAccount
from modules.aws import aws
from modules.kms import KmsKey
from modules.personas import PersonaContext, PersonaRole
from modules.secure_bucket import SecureBucket
from modules.studio import LifecycleScript, StudioDomain, StudioUser
from modules.vpc import PrivateVpc, VpcFlowLogs

from . import data_processing, lake_links, model_build
from .base import AccountStack
from .baseline import access_logs

STUDIO_KEY_PURPOSE = ds_kind.STUDIO_KEY_PURPOSE
COMPUTE_PERSONA = "sagemaker-compute"


def build(stack: AccountStack) -> None:
    r, acct = stack.resolved, stack.account
    section = acct.model(DataScienceAccount).data_science
    logs = access_logs(stack)
    key = KmsKey(
        stack,
        "studio-key",
        alias=r.kms_alias(STUDIO_KEY_PURPOSE),
        description="Studio EFS, sharing and project buckets",
        account_id=stack.account_id,
        partition=r.partition,
    )
    vpc_id, subnet_ids, sg_ids = _network(stack, section.network, key)
    buckets = [
        SecureBucket(
            stack,
            f"project-{p}",
            bucket_name=r.bucket_name(acct.name, p),
            kms_key_arn=key.arn,
            log_bucket=logs,
            partition=r.partition,
        )
        for p in section.project_buckets
    ]
    workgroups = _athena(stack, section, buckets[0], key)
    lake = lake_links.build(stack)
    roles = _personas(stack, section, key, buckets, workgroups, subnet_ids, sg_ids, lake)
    if not roles:
        return
    model_build.data_science_push(stack, roles)
    # The personas that query the lake get the shared databases from this account's Lake Formation admin.
    for persona in lake_query_personas(section):
        lake.grant(f"persona-{persona}", roles[persona].role)
    data_processing.grant_warehouse_access(stack, {persona_role_name(r, p): role.role for p, role in roles.items()})
    domain = StudioDomain(
        stack,
        "studio",
        name=local_names.studio_name(r, acct.name),
        auth_mode=section.studio.auth_mode,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        security_group_ids=sg_ids,
        kms_key_arn=key.arn,
        default_role_arn=roles[section.studio.default_persona].arn,
        sharing_bucket=buckets[0].name,
        idle_timeout_minutes=section.studio.idle_timeout_minutes,
        home_efs_on_delete=section.studio.home_efs_on_delete,
        lifecycle_scripts=[
            LifecycleScript(c.name, c.app_type, c.script) for c in section.studio.lifecycle_configurations
        ],
        users=[
            StudioUser(u.name, roles[u.persona].arn, u.sso_user)
            for u in sorted(section.user_profiles, key=lambda u: u.name)
        ],
    )
    stack.output("studio_domain_id", domain.domain.id, "SageMaker Studio domain (VPC only)")


def _network(stack: AccountStack, network, key: KmsKey) -> tuple[str, list[str], list[str]]:
    r, acct = stack.resolved, stack.account
    if network.type == "managed":
        # Endpoints follow the personas' activities: a VPC-only domain without NAT reaches AWS through them only.
        vpc = PrivateVpc(
            stack,
            "network",
            name=ds_kind.network_name(r, acct.name),
            region=acct.region,
            cidr=network.cidr,
            zones=network.availability_zones,
            endpoints=studio_endpoints(acct.model(DataScienceAccount).data_science) + push_endpoints(r, acct.name),
            egress=network.egress == "nat",
        )
        VpcFlowLogs(
            stack,
            "network-flow-logs",
            vpc_id=vpc.vpc_id,
            name=ds_kind.network_name(r, acct.name),
            key=key,
            region=acct.region,
            account_id=stack.account_id,
            partition=r.partition,
        )
        return vpc.vpc_id, vpc.subnet_ids, vpc.security_group_ids
    sg_ids = list(network.security_group_ids)
    if not sg_ids:
        sg = aws.security_group.SecurityGroup(
            stack,
            "studio-sg",
            name=local_names.studio_name(r, acct.name),
            description="Studio apps and jobs",
            vpc_id=network.vpc_id,
        )
        aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
            stack, "studio-sg-self", security_group_id=sg.id, referenced_security_group_id=sg.id, ip_protocol="-1"
        )
        aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            stack,
            "studio-sg-egress",
            security_group_id=sg.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
        )
        sg_ids = [sg.id]
    return network.vpc_id, list(network.subnet_ids), sg_ids


def _athena(stack: AccountStack, section, results: SecureBucket, key: KmsKey) -> list[str]:
    r, acct = stack.resolved, stack.account
    arns = []
    for wg in sorted(section.athena_workgroups):
        name = local_names.athena_workgroup_name(r, wg)
        aws.athena_workgroup.AthenaWorkgroup(
            stack,
            f"athena-{wg}",
            name=name,
            force_destroy=False,
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "result_configuration": {
                    "output_location": f"s3://{results.name}/athena/{wg}/",
                    "encryption_configuration": {"encryption_option": "SSE_KMS", "kms_key_arn": key.arn},
                },
            },
        )
        arns.append(f"arn:{r.partition}:athena:{acct.region}:{stack.account_id}:workgroup/{name}")
    return arns


def _personas(
    stack: AccountStack,
    section,
    key: KmsKey,
    buckets: list[SecureBucket],
    workgroups: list[str],
    subnet_ids,
    sg_ids,
    lake: lake_links.LakeLinks,
) -> dict[str, PersonaRole]:
    r, acct = stack.resolved, stack.account
    defined = {p.name for p in section.personas}
    compute = COMPUTE_PERSONA if COMPUTE_PERSONA in defined else None
    # Direct S3 reads: the prefixes of the datasets every data account shares with this one, nothing wider.
    reads = consumer_s3_reads(r, acct.name)
    lake_accounts = sorted({a for a, _, _ in reads})
    lists = {
        "@project_buckets": [b.arn for b in buckets],
        "@project_objects": [b.objects_arn for b in buckets],
        "@data_buckets": sorted({r.bucket_arn(a, b) for a, b, _ in reads}),
        "@data_objects": [f"{r.bucket_arn(a, b)}/{p}*" for a, b, p in reads],
        "@kms_keys": [key.arn],
        "@data_kms_keys": [r.kms_key_arn_pattern(a) for a in lake_accounts],
        "@athena_workgroups": workgroups,
        "@glue_resources": lake.glue_arns(),
        # lakeformation:GetDataAccess has no resource-level permissions: "*" only when something is shared.
        "@lake_data_access": ["*"] if lake.shares else [],
        "@catalog_kms_keys": lake_links.catalog_key_patterns(stack, lake.shares),
        "@ecr_repositories": [
            contracts.ecr_repository_arn(r, owner, repo)
            for owner, repo in repositories_pullable_by(r.config, acct.name)
        ],
    }
    conditions = {}
    if lake.shares:
        # Data-account keys have no ids before apply; the lake key's alias names it.
        conditions["@data_key_aliases"] = conditions["@catalog_key_aliases"] = lake_links.catalog_key_condition(stack)
    roles: dict[str, PersonaRole] = {}
    for persona in sorted(section.personas, key=lambda p: p.name):
        own = r.role_arn(acct.name, persona_role_name(r, persona.name))
        ctx = PersonaContext(
            partition=r.partition,
            region=acct.region,
            account=stack.account_id,
            lists={
                **lists,
                "@compute_roles": [r.role_arn(acct.name, persona_role_name(r, compute)) if compute else own],
            },
            conditions=conditions,
            vpc_condition={
                "ForAllValues:StringEquals": {
                    "sagemaker:VpcSubnets": subnet_ids,
                    "sagemaker:VpcSecurityGroupIds": sg_ids,
                },
                "Null": {"sagemaker:VpcSubnets": "false"},
            }
            if section.enforce_vpc
            else None,
            kms_condition={"Null": {"sagemaker:VolumeKmsKey": "false"}} if section.enforce_kms else None,
        )
        roles[persona.name] = PersonaRole(
            stack,
            f"persona-{persona.name}",
            role_name=persona_role_name(r, persona.name),
            persona=persona.name,
            activities=list(persona.activities),
            ctx=ctx,
        )
    return roles
