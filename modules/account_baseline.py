"""The per-account baseline: S3 account-level public access block, EBS encryption by default in a
region, a monthly cost budget, and the AWS Config service-linked role."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from .aws import aws

CONFIG_SERVICE_LINKED_ROLE = "AWSServiceRoleForConfig"


def config_service_linked_role_arn(account_id: str, partition: str = "aws") -> str:
    # https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html
    return f"arn:{partition}:iam::{account_id}:role/aws-service-role/config.amazonaws.com/{CONFIG_SERVICE_LINKED_ROLE}"


class AccountBaseline(Construct):
    """Account-wide (global) settings: public access block for every bucket, the monthly budget."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account_id: str,
        public_access_block: bool,
        budget_name: str | None,
        monthly_limit_usd: int,
        threshold_percent: int,
        alert_emails: Sequence[str],
    ) -> None:
        super().__init__(scope, id)
        if public_access_block:
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html
            aws.s3_account_public_access_block.S3AccountPublicAccessBlock(
                self,
                "s3-public-access-block",
                account_id=account_id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            )
        if budget_name is not None:
            emails = sorted(set(alert_emails))
            # Actual spend past the threshold, and a forecast past the whole limit.
            # https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
            notifications = [
                aws.budgets_budget.BudgetsBudgetNotification(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=threshold,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=emails,
                )
                for kind, threshold in (("ACTUAL", threshold_percent), ("FORECASTED", 100))
            ]
            aws.budgets_budget.BudgetsBudget(
                self,
                "budget",
                name=budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=str(monthly_limit_usd),
                limit_unit="USD",
                account_id=account_id,
                notification=notifications,
            )


class EbsDefaultEncryption(Construct):
    """New EBS volumes and snapshot copies encrypted in the provider's region (a per-region setting).
    # https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html"""

    def __init__(self, scope: Construct, id: str, *, provider) -> None:
        super().__init__(scope, id)
        aws.ebs_encryption_by_default.EbsEncryptionByDefault(self, "enabled", provider=provider, enabled=True)
