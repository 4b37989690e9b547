"""FindingsAlerts: GuardDuty and Security Hub findings at or above a severity, to a KMS-encrypted SNS topic."""

from __future__ import annotations

import json
from collections.abc import Sequence

from constructs import Construct

from .aws import aws
from .kms import KmsKey, service_use_statement
from .literal import text
from .policy import document, statement

SEVERITY_ORDER = ["informational", "low", "medium", "high", "critical"]
# GuardDuty scores findings 0-10: low from 1.0, medium from 4.0, high from 7.0, critical from 9.0.
GUARDDUTY_SCORE = {"informational": 0, "low": 1, "medium": 4, "high": 7, "critical": 9}


def guardduty_pattern(min_severity: str) -> str:
    return text(
        json.dumps(
            {
                "source": ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", GUARDDUTY_SCORE[min_severity]]}]},
            },
            sort_keys=True,
        )
    )


def securityhub_pattern(min_severity: str) -> str:
    labels = [s.upper() for s in SEVERITY_ORDER[SEVERITY_ORDER.index(min_severity) :]]
    return text(
        json.dumps(
            {
                "source": ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                "detail": {
                    "findings": {
                        "Severity": {"Label": labels},
                        "RecordState": ["ACTIVE"],
                        "Workflow": {"Status": ["NEW"]},
                    }
                },
            },
            sort_keys=True,
        )
    )


class FindingsAlerts(Construct):
    """EventBridge rules on new findings, an SNS topic encrypted with its own key, email subscriptions."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        kms_alias: str,
        account_id: str,
        region: str,
        min_severity: str,
        emails: Sequence[str],
        partition: str = "aws",
    ) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            alias=kms_alias,
            description="Security findings topic",
            account_id=account_id,
            partition=partition,
            statements=[
                service_use_statement("EventBridgePublishesEncrypted", "events.amazonaws.com", account_id=account_id)
            ],
        )
        self.topic = aws.sns_topic.SnsTopic(
            self, "topic", name=name, display_name="Security findings", kms_master_key_id=self.key.arn
        )
        patterns = {"guardduty": guardduty_pattern(min_severity), "securityhub": securityhub_pattern(min_severity)}
        rule_arns = []
        for source, pattern in patterns.items():
            rule_name = f"{name}-{source}"
            rule = aws.cloudwatch_event_rule.CloudwatchEventRule(
                self,
                f"rule-{source}",
                name=rule_name,
                event_pattern=pattern,
                description=f"{source} findings of severity {min_severity} or higher",
            )
            aws.cloudwatch_event_target.CloudwatchEventTarget(
                self, f"target-{source}", rule=rule.name, target_id="sns", arn=self.topic.arn
            )
            rule_arns.append(f"arn:{partition}:events:{region}:{account_id}:rule/{rule_name}")
        aws.sns_topic_policy.SnsTopicPolicy(
            self,
            "policy",
            arn=self.topic.arn,
            policy=document(
                statement(
                    "EventBridgePublishesFindings",
                    "sns:Publish",
                    self.topic.arn,
                    principal={"Service": "events.amazonaws.com"},
                    condition={"ArnEquals": {"aws:SourceArn": sorted(rule_arns)}},
                ),
                statement(
                    "DenyInsecureTransport",
                    "sns:Publish",
                    self.topic.arn,
                    effect="Deny",
                    principal={"AWS": "*"},
                    condition={"Bool": {"aws:SecureTransport": "false"}},
                ),
            ),
        )
        for email in sorted(set(emails)):
            aws.sns_topic_subscription.SnsTopicSubscription(
                self, f"email-{email}", topic_arn=self.topic.arn, protocol="email", endpoint=email
            )
