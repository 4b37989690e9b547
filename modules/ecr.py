"""EcrRepository: a private image repository, KMS-encrypted, scanned on push, immutable tags."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .aws import aws
from .literal import json_text
from .policy import Statement, document, statement

PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def pull_statement(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> Statement:
    """Repository policy statement letting other accounts pull images."""
    return statement("CrossAccountPull", PULL_ACTIONS, None, principal=principal, condition=condition)


def lifecycle_policy(keep_tagged: int, untagged_days: int) -> str:
    """Expire untagged images after some days; keep the newest tagged images."""
    rules = [
        {
            "rulePriority": 1,
            "description": f"expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"keep the {keep_tagged} newest images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_tagged},
            "action": {"type": "expire"},
        },
    ]
    return json_text({"rules": rules})


class EcrRepository(Construct):
    """An ECR repository with a lifecycle policy and, when statements are given, a repository policy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        kms_key_arn: str,
        keep_tagged_images: int,
        untagged_expiry_days: int,
        statements: list[Statement],
    ) -> None:
        super().__init__(scope, id)
        self.repository = aws.ecr_repository.EcrRepository(
            self,
            "repository",
            name=name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configuration=[
                aws.ecr_repository.EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=kms_key_arn)
            ],
            force_delete=False,
        )
        aws.ecr_lifecycle_policy.EcrLifecyclePolicy(
            self,
            "lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(keep_tagged_images, untagged_expiry_days),
        )
        if statements:
            aws.ecr_repository_policy.EcrRepositoryPolicy(
                self, "policy", repository=self.repository.name, policy=document(*statements)
            )

    @property
    def arn(self) -> str:
        return self.repository.arn
