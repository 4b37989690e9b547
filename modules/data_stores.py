"""Optional data stores of a data account: DynamoDB table, RDS instance, EFS file system.

Each is encrypted with a customer-managed key, private, and protected against accidental deletion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from .aws import aws
from .policy import document, statement

RDS_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
NFS_PORT = 2049


class DynamoDbTable(Construct):
    """Table with SSE-KMS (customer-managed key), point-in-time recovery and deletion protection."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        partition_key: tuple[str, str],
        sort_key: tuple[str, str] | None,
        kms_key_arn: str,
        billing_mode: str = "PAY_PER_REQUEST",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
    ) -> None:
        super().__init__(scope, id)
        keys = [partition_key] + ([sort_key] if sort_key else [])
        self.table = aws.dynamodb_table.DynamodbTable(
            self,
            "table",
            name=name,
            billing_mode=billing_mode,
            hash_key=partition_key[0],
            range_key=sort_key[0] if sort_key else None,
            attribute=[{"name": n, "type": t} for n, t in keys],
            read_capacity=read_capacity,
            write_capacity=write_capacity,
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": kms_key_arn},
            deletion_protection_enabled=True,
        )


def _security_group(scope: Construct, name: str, vpc_id: str, port: int, cidrs: Sequence[str], description: str):
    """A security group admitting `port` from the given CIDRs only, and no egress rule."""
    group = aws.security_group.SecurityGroup(scope, "security-group", name=name, description=description, vpc_id=vpc_id)
    for cidr in sorted(cidrs):
        aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
            scope,
            f"ingress-{cidr.replace('.', '-').replace('/', '-')}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr,
            description=f"{description} from {cidr}",
        )
    return group


class RdsInstance(Construct):
    """Encrypted, private, Multi-AZ-capable RDS instance; the master password lives in Secrets Manager."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        identifier: str,
        engine: str,
        engine_version: str,
        instance_class: str,
        allocated_storage_gb: int,
        multi_az: bool,
        vpc_id: str,
        subnet_ids: Sequence[str],
        allowed_cidrs: Sequence[str],
        backup_retention_days: int,
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, id)
        port = RDS_PORTS[engine]
        subnets = aws.db_subnet_group.DbSubnetGroup(
            self,
            "subnets",
            name=identifier,
            subnet_ids=sorted(subnet_ids),
            description=f"Private subnets of {identifier}",
        )
        group = _security_group(
            self, f"{identifier}-db", vpc_id, port, allowed_cidrs, f"{engine} clients of {identifier}"
        )
        self.instance = aws.db_instance.DbInstance(
            self,
            "instance",
            identifier=identifier,
            engine=engine,
            engine_version=engine_version,
            instance_class=instance_class,
            allocated_storage=allocated_storage_gb,
            max_allocated_storage=allocated_storage_gb * 2,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            username="dbadmin",
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            port=port,
            publicly_accessible=False,
            multi_az=multi_az,
            iam_database_authentication_enabled=True,
            backup_retention_period=backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            auto_minor_version_upgrade=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms_key_arn,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"]
            if engine == "postgres"
            else ["audit", "error", "general", "slowquery"],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )


@dataclass(frozen=True)
class EfsClientIdentity:
    """Directory and POSIX identity of the access point every client of an EFS file system mounts through."""

    path: str
    uid: int
    gid: int
    permissions: str


class EfsFileSystem(Construct):
    """Encrypted EFS file system with backups, a TLS-only file system policy and a mount target per subnet."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        allowed_cidrs: Sequence[str],
        kms_key_arn: str,
        performance_mode: str,
        throughput_mode: str,
        transition_to_ia: str | None,
        access_point: EfsClientIdentity,
    ) -> None:
        super().__init__(scope, id)
        self.file_system = aws.efs_file_system.EfsFileSystem(
            self,
            "file-system",
            creation_token=name,
            encrypted=True,
            kms_key_id=kms_key_arn,
            performance_mode=performance_mode,
            throughput_mode=throughput_mode,
            lifecycle_policy=(
                [aws.efs_file_system.EfsFileSystemLifecyclePolicy(transition_to_ia=transition_to_ia)]
                if transition_to_ia
                else None
            ),
            tags={"Name": name},
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        aws.efs_backup_policy.EfsBackupPolicy(
            self, "backup", file_system_id=self.file_system.id, backup_policy={"status": "ENABLED"}
        )
        # Without ClientRootAccess clients are root-squashed, and the new file system's top directory is root's:
        # clients mount through an access point that creates its own directory and acts as a non-root user.
        # https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html
        self.access_point = aws.efs_access_point.EfsAccessPoint(
            self,
            "access-point",
            file_system_id=self.file_system.id,
            posix_user={"uid": access_point.uid, "gid": access_point.gid},
            root_directory={
                "path": access_point.path,
                "creation_info": {
                    "owner_uid": access_point.uid,
                    "owner_gid": access_point.gid,
                    "permissions": access_point.permissions,
                },
            },
            tags={"Name": f"{name}-access-point"},
        )
        aws.efs_file_system_policy.EfsFileSystemPolicy(
            self,
            "policy",
            file_system_id=self.file_system.id,
            policy=document(
                # A file system policy replaces the default allow-all, so clients need an explicit allow; only through
                # a mount target (the security group narrows who reaches one) and the access point, without root:
                # https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
                statement(
                    "AllowClientsThroughTheAccessPoint",
                    ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    self.file_system.arn,
                    principal={"AWS": "*"},
                    condition={
                        "Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"},
                        "ArnEquals": {"elasticfilesystem:AccessPointArn": self.access_point.arn},  # an ARN-typed key
                    },
                ),
                statement(
                    "DenyInsecureTransport",
                    "*",
                    self.file_system.arn,
                    effect="Deny",
                    principal={"AWS": "*"},
                    condition={"Bool": {"aws:SecureTransport": "false"}},
                ),
            ),
        )
        group = _security_group(self, f"{name}-efs", vpc_id, NFS_PORT, allowed_cidrs, f"NFS clients of {name}")
        for subnet in sorted(subnet_ids):
            aws.efs_mount_target.EfsMountTarget(
                self,
                f"mount-{subnet}",
                file_system_id=self.file_system.id,
                subnet_id=subnet,
                security_groups=[group.id],
            )
