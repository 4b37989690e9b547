"""AccountStack: one Terraform stack per account, with its provider, backend and default tags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from cdktf import CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack
from constructs import Construct

from config import Resolved, ResolvedAccount
from modules.aws import aws

# Bindings are generated for AWS provider 6.25.0; later 6.x releases stay compatible.
AWS_PROVIDER_SOURCE = "hashicorp/aws"
AWS_PROVIDER_CONSTRAINT = ">= 6.25.0, < 7.0.0"
# import blocks with expression ids need Terraform 1.6, the s3 backend's use_lockfile 1.10:
# https://developer.hashicorp.com/terraform/language/backend/s3 (use_lockfile)
TERRAFORM_VERSION_CONSTRAINT = ">= 1.10"
STATE_DIR = "terraform-state"


C = TypeVar("C")


def child(scope: Construct, id: str, cls: type[C]) -> C:
    """The construct `id` that an earlier builder of this stack added to `scope`, as the class it was built as."""
    found = scope.node.find_child(id)
    if not isinstance(found, cls):
        raise TypeError(f"internal: construct {id!r} is a {type(found).__name__}, not a {cls.__name__}")
    return found


class AccountStack(TerraformStack):
    """The stack of one account. Kind modules add resources to it through `build(stack)`."""

    def __init__(
        self, scope: Construct, resolved: Resolved, account: ResolvedAccount, *, stack_dir: Path, state_dir: Path
    ) -> None:
        super().__init__(scope, account.name)
        self.resolved = resolved
        self.account = account
        self.provider = self._provider(account.region)
        self._regional: dict[str, object] = {account.region: self.provider}
        self._backend(stack_dir, state_dir)
        self.add_override("terraform.required_version", TERRAFORM_VERSION_CONSTRAINT)
        self.add_override("terraform.required_providers.aws.source", AWS_PROVIDER_SOURCE)
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT)

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def account_id(self) -> str:
        return self.resolved.account_id(self.account.name)

    @property
    def regions(self) -> list[str]:
        """Every region the landing zone allows, the account's own first: baseline services run in each."""
        others = sorted(set(self.resolved.landing_zone.allowed_regions) - {self.account.region})
        return [self.account.region, *others]

    def provider_for(self, region: str):
        """The AWS provider of a region: the stack's default one in its own region, else one aliased
        by the region code (`aws.eu-central-1`), made once and shared by every construct of the stack."""
        if region not in self._regional:
            self._regional[region] = self._provider(region, alias=region)
        return self._regional[region]

    def _provider(self, region: str, alias: str | None = None):
        # No deploy role (the management account by default): the caller's own credentials apply.
        role_arn = self.resolved.deploy_role_arn(self.account.name)
        return aws.provider.AwsProvider(
            self,
            "aws" if alias is None else f"aws-{alias}",
            alias=alias,
            region=region,
            assume_role=None if role_arn is None else [{"roleArn": role_arn, "sessionName": "mlops-tf"}],
            default_tags=[{"tags": dict(sorted(self.account.tags.items()))}],
        )

    def _backend(self, stack_dir: Path, state_dir: Path) -> None:
        backend = self.resolved.landing_zone.state_backend
        if backend.type == "s3":
            S3Backend(
                self,
                bucket=backend.bucket,
                key=self.resolved.state_key(self.account.name),
                region=backend.region,
                encrypt=True,
                kms_key_id=backend.kms_key_id,
            )
            self.add_override("terraform.backend.s3.use_lockfile", True)
        elif backend.type == "cloud":
            CloudBackend(
                self,
                organization=backend.organization,
                hostname=backend.hostname,
                workspaces=NamedCloudWorkspace(
                    self.resolved.workspace_name(self.account.name), project=backend.project
                ),
            )
        else:
            # State lives outside the synthesized folder, which a new synth replaces.
            state_file = state_dir / f"{self.account.name}.tfstate"
            LocalBackend(self, path=os.path.relpath(state_file, stack_dir))

    def output(self, name: str, value: object, description: str, *, sensitive: bool = False) -> TerraformOutput:
        return TerraformOutput(self, name, value=value, description=description, sensitive=sensitive)
