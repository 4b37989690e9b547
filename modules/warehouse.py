"""Redshift Serverless warehouse: a namespace encrypted with a customer-managed key whose admin password
Secrets Manager generates and rotates, a private workgroup with enhanced VPC routing in three or more
Availability Zones, audit logs, usage limits, a Spectrum role for the lake and a query role for other accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, Op, Precondition, TerraformResourceLifecycle
from constructs import Construct

from .aws import aws
from .policy import assume_role_trust, document, statement

PORT = 5439
ADMIN_USERNAME = "dbadmin"
# Connection, user and user-activity logs go to CloudWatch Logs.
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html
LOG_EXPORTS = ["connectionlog", "useractivitylog", "userlog"]
MIN_ZONES = 3  # https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html


@dataclass(frozen=True)
class UsageLimit:
    amount_rpu_hours: int
    period: str
    breach_action: str


class Warehouse(Construct):
    """Namespace, workgroup, usage limits and the Spectrum role (granted on the lake by the caller)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        database: str,
        base_capacity_rpu: int,
        vpc_id: str,
        subnet_ids: Sequence[str],
        allowed_cidrs: Sequence[str],
        kms_key_arn: str,
        catalog_key_arn: str,
        spectrum_role_name: str,
        catalog_arns: Sequence[str],
        usage_limits: Sequence[UsageLimit],
        account_id: str,
        region: str,
    ) -> None:
        super().__init__(scope, id)
        self.spectrum_role = aws.iam_role.IamRole(
            self,
            "spectrum-role",
            name=spectrum_role_name,
            description=f"Redshift Serverless {name} reads the lake through Lake Formation",
            # https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-iam.html
            assume_role_policy=assume_role_trust(
                {"Service": ["redshift-serverless.amazonaws.com", "redshift.amazonaws.com"]},
                {"StringEquals": {"aws:SourceAccount": account_id}},
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            self,
            "spectrum-policy",
            role=self.spectrum_role.id,
            name="lake-formation-read",
            policy=document(
                # Lake Formation vends the S3 credentials; GetDataAccess has no resource-level form.
                # https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html
                statement("LakeFormationCredentials", "lakeformation:GetDataAccess", "*"),
                statement(
                    "ReadCatalog",
                    [
                        "glue:GetDatabase",
                        "glue:GetDatabases",
                        "glue:GetPartition",
                        "glue:GetPartitions",
                        "glue:GetTable",
                        "glue:GetTables",
                    ],
                    list(catalog_arns),
                ),
                statement("DecryptCatalog", ["kms:Decrypt", "kms:DescribeKey"], catalog_key_arn),
            ),
        )
        self.namespace = aws.redshiftserverless_namespace.RedshiftserverlessNamespace(
            self,
            "namespace",
            namespace_name=name,
            db_name=database,
            admin_username=ADMIN_USERNAME,
            # Secrets Manager generates the password: it is never in the configuration, the JSON or the state.
            # https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-secrets-manager-integration.html
            manage_admin_password=True,
            admin_password_secret_kms_key_id=kms_key_arn,
            kms_key_id=kms_key_arn,
            iam_roles=[self.spectrum_role.arn],
            default_iam_role_arn=self.spectrum_role.arn,
            log_exports=LOG_EXPORTS,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        group = aws.security_group.SecurityGroup(
            self,
            "security-group",
            name=f"{name}-redshift",
            description=f"Clients of Redshift Serverless {name}",
            vpc_id=vpc_id,
        )
        for cidr in sorted(allowed_cidrs):
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self,
                f"ingress-{cidr.replace('.', '-').replace('/', '-')}",
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=PORT,
                to_port=PORT,
                cidr_ipv4=cidr,
                description=f"Redshift clients from {cidr}",
            )
        # Enhanced VPC routing sends COPY, UNLOAD and Spectrum traffic through the VPC.
        # https://docs.aws.amazon.com/redshift/latest/mgmt/enhanced-vpc-routing.html
        https_egress(self, group.id, vpc_id, region)
        # No config_parameter: new workgroups already require SSL, and the provider shows a diff on every plan when
        # only some of the parameters AWS returns are set (hashicorp/terraform-provider-aws#33916).
        # https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html
        zones = [
            aws.data_aws_subnet.DataAwsSubnet(self, f"subnet-{s}", id=s).availability_zone_id
            for s in sorted(subnet_ids)
        ]
        self.workgroup = aws.redshiftserverless_workgroup.RedshiftserverlessWorkgroup(
            self,
            "workgroup",
            workgroup_name=name,
            namespace_name=self.namespace.namespace_name,
            base_capacity=base_capacity_rpu,
            enhanced_vpc_routing=True,
            publicly_accessible=False,
            subnet_ids=sorted(subnet_ids),
            security_group_ids=[group.id],
            port=PORT,
            lifecycle=TerraformResourceLifecycle(
                precondition=[
                    Precondition(
                        condition=Op.gte(Fn.length_of(Fn.distinct(zones)), MIN_ZONES),
                        error_message=f"Redshift Serverless needs subnets in at least {MIN_ZONES} Availability Zones: "
                        "the subnet_ids of data.warehouse lie in fewer.",
                    )
                ]
            ),
        )
        for i, limit in enumerate(usage_limits):
            aws.redshiftserverless_usage_limit.RedshiftserverlessUsageLimit(
                self,
                f"usage-limit-{i}",
                resource_arn=self.workgroup.arn,
                usage_type="serverless-compute",
                amount=limit.amount_rpu_hours,
                period=limit.period,
                breach_action=limit.breach_action,
            )

    def query_role(self, id: str, *, role_name: str, principal: dict, condition: dict):
        """The role other accounts' roles assume to query: temporary database credentials for this workgroup only.
        Redshift maps the role to the database user IAMR:<role name>, whom SQL GRANTs then authorize."""
        role = aws.iam_role.IamRole(
            self,
            id,
            name=role_name,
            description="Other accounts' roles assume it to query the warehouse",
            assume_role_policy=assume_role_trust(principal, condition, sid="NamedRolesOfConsumerAccounts"),
        )
        aws.iam_role_policy.IamRolePolicy(
            self,
            f"{id}-policy",
            role=role.id,
            name="query",
            policy=document(
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftserverless.html
                statement(
                    "TemporaryCredentials",
                    ["redshift-serverless:GetCredentials", "redshift-serverless:GetWorkgroup"],
                    self.workgroup.arn,
                ),
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftdataapi.html
                statement(
                    "RunStatements",
                    ["redshift-data:BatchExecuteStatement", "redshift-data:ExecuteStatement"],
                    self.workgroup.arn,
                ),
                statement(
                    "ReadOwnStatements",
                    [
                        "redshift-data:CancelStatement",
                        "redshift-data:DescribeStatement",
                        "redshift-data:GetStatementResult",
                        "redshift-data:ListStatements",
                    ],
                    "*",
                ),
            ),
        )
        return role


def https_egress(scope: Construct, group_id: str, vpc_id: str, region: str) -> None:
    """HTTPS out of a private security group: to S3 (its managed prefix list, for a gateway endpoint) and to
    the VPC (interface endpoints for Glue, Lake Formation, STS, CloudWatch Logs); nothing else."""
    s3_prefix_list = aws.data_aws_ec2_managed_prefix_list.DataAwsEc2ManagedPrefixList(
        scope, "s3-prefix-list", name=f"com.amazonaws.{region}.s3"
    )
    vpc = aws.data_aws_vpc.DataAwsVpc(scope, "vpc", id=vpc_id)
    aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
        scope,
        "egress-s3",
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        prefix_list_id=s3_prefix_list.id,
        description="HTTPS to S3 through its gateway endpoint",
    )
    aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
        scope,
        "egress-vpc",
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4=vpc.cidr_block,
        description="HTTPS to interface endpoints in the VPC",
    )
