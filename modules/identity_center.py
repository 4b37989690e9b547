"""IdentityCenter: permission sets for personas, groups created or referred to by id, account assignments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import Fn
from constructs import Construct

from .aws import aws
from .policy import Statement, document


@dataclass(frozen=True, kw_only=True)
class PermissionSetSpec:
    """One persona: AWS managed policies (ARNs), inline statements and a session duration."""

    name: str
    description: str
    managed_policy_arns: tuple[str, ...]
    inline_statements: tuple[Statement, ...] = ()
    session_hours: int = 1


@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    """A group to create (display_name, description) or an existing one by its id."""

    display_name: str | None = None
    group_id: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class AssignmentSpec:
    group: str
    permission_set: str
    account_id: str
    account_name: str = field(default="", compare=False)


class IdentityCenter(Construct):
    """Permission sets and assignments in the organization's Identity Center instance."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        permission_sets: Sequence[PermissionSetSpec],
        groups: Mapping[str, GroupSpec],
        assignments: Sequence[AssignmentSpec],
    ) -> None:
        super().__init__(scope, id)
        instances = aws.data_aws_ssoadmin_instances.DataAwsSsoadminInstances(self, "instances")
        self.instance_arn = Fn.element(instances.arns, 0)
        identity_store_id = Fn.element(instances.identity_store_ids, 0)
        self.permission_sets = {}
        for spec in sorted(permission_sets, key=lambda p: p.name):
            permission_set = aws.ssoadmin_permission_set.SsoadminPermissionSet(
                self,
                f"permission-set-{spec.name}",
                name=spec.name,
                description=spec.description,
                instance_arn=self.instance_arn,
                session_duration=f"PT{spec.session_hours}H",
            )
            self.permission_sets[spec.name] = permission_set
            for arn in sorted(spec.managed_policy_arns):
                aws.ssoadmin_managed_policy_attachment.SsoadminManagedPolicyAttachment(
                    self,
                    f"{spec.name}-{arn.split(':policy/', 1)[-1].replace('/', '-')}",
                    instance_arn=self.instance_arn,
                    permission_set_arn=permission_set.arn,
                    managed_policy_arn=arn,
                )
            if spec.inline_statements:
                aws.ssoadmin_permission_set_inline_policy.SsoadminPermissionSetInlinePolicy(
                    self,
                    f"{spec.name}-inline",
                    instance_arn=self.instance_arn,
                    permission_set_arn=permission_set.arn,
                    inline_policy=document(*spec.inline_statements),
                )
        principal_ids = {}
        for key in sorted(groups):
            group = groups[key]
            if group.group_id is not None:
                principal_ids[key] = group.group_id
                continue
            # Created, never looked up: the group data source fails when the group does not exist yet.
            # https://github.com/hashicorp/terraform-provider-aws/issues/17279
            created = aws.identitystore_group.IdentitystoreGroup(
                self,
                f"group-{key}",
                identity_store_id=identity_store_id,
                display_name=group.display_name,
                description=group.description,
            )
            principal_ids[key] = created.group_id
        for a in sorted(set(assignments), key=lambda a: (a.group, a.permission_set, a.account_id)):
            aws.ssoadmin_account_assignment.SsoadminAccountAssignment(
                self,
                f"assign-{a.group}-{a.permission_set}-{a.account_name or a.account_id}",
                instance_arn=self.instance_arn,
                permission_set_arn=self.permission_sets[a.permission_set].arn,
                principal_id=principal_ids[a.group],
                principal_type="GROUP",
                target_id=a.account_id,
                target_type="AWS_ACCOUNT",
            )
