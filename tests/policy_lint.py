"""Find every IAM policy document in synthesized stacks and prepare it for parliament.

Documents are found generically: any string attribute (at any depth) of any resource or data block
that parses as a JSON object with a "Statement". Two things parliament cannot know are made explicit
before linting, so it checks what AWS will check:
- Terraform references (`${aws_kms_key.data.arn}`) become a representative value of their type;
  `$${aws:username}` (Terraform's escape) becomes the IAM variable `${aws:username}`.
- Documents attached to one resource (trust policies, key policies, repository policies...) mean
  "this resource" when they omit Resource or say "*"; they are linted scoped to that resource's ARN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"

# ARN of one resource of each type (by Terraform type), for references and for self-scoping.
ARN_TEMPLATES = {
    "aws_iam_role": "arn:aws:iam::{account}:role/{name}",
    "aws_iam_policy": "arn:aws:iam::{account}:policy/{name}",
    "aws_iam_openid_connect_provider": "arn:aws:iam::{account}:oidc-provider/{name}",
    "aws_kms_key": "arn:aws:kms:{region}:{account}:key/00000000-0000-4000-8000-000000000000",
    "aws_kms_alias": "arn:aws:kms:{region}:{account}:alias/{name}",
    "aws_s3_bucket": "arn:aws:s3:::{name}",
    "aws_sns_topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws_sqs_queue": "arn:aws:sqs:{region}:{account}:{name}",
    "aws_cloudwatch_event_bus": "arn:aws:events:{region}:{account}:event-bus/{name}",
    "aws_cloudwatch_event_rule": "arn:aws:events:{region}:{account}:rule/{name}",
    "aws_ecr_repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "aws_lambda_function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws_sagemaker_model_package_group": "arn:aws:sagemaker:{region}:{account}:model-package-group/{name}",
    "aws_sagemaker_endpoint": "arn:aws:sagemaker:{region}:{account}:endpoint/{name}",
    "aws_sagemaker_domain": "arn:aws:sagemaker:{region}:{account}:domain/{name}",
    "aws_sagemaker_pipeline": "arn:aws:sagemaker:{region}:{account}:pipeline/{name}",
    "aws_sagemaker_feature_group": "arn:aws:sagemaker:{region}:{account}:feature-group/{name}",
    "aws_secretsmanager_secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
    "aws_cloudtrail": "arn:aws:cloudtrail:{region}:{account}:trail/{name}",
    "aws_cloudwatch_log_group": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws_codecommit_repository": "arn:aws:codecommit:{region}:{account}:{name}",
    "aws_codebuild_project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "aws_codepipeline": "arn:aws:codepipeline:{region}:{account}:{name}",
    "aws_glue_catalog_database": "arn:aws:glue:{region}:{account}:database/{name}",
    "aws_athena_workgroup": "arn:aws:athena:{region}:{account}:workgroup/{name}",
    "aws_dynamodb_table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "aws_api_gateway_rest_api": "arn:aws:execute-api:{region}:{account}:{name}",
    "aws_efs_file_system": "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-0123456789abcdef0",
    "aws_efs_access_point": "arn:aws:elasticfilesystem:{region}:{account}:access-point/fsap-0123456789abcdef0",
    "aws_db_instance": "arn:aws:rds:{region}:{account}:db:{name}",
    "aws_emrserverless_application": "arn:aws:emr-serverless:{region}:{account}:/applications/00abcdefghijklmn",
    "aws_redshiftserverless_workgroup": "arn:aws:redshift-serverless:{region}:{account}:"
    "workgroup/00000000-0000-4000-8000-000000000000",
    "aws_rds_cluster": "arn:aws:rds:{region}:{account}:cluster:{name}",
    "aws_redshift_cluster": "arn:aws:redshift:{region}:{account}:cluster:{name}",
    "aws_glue_crawler": "arn:aws:glue:{region}:{account}:crawler/{name}",
    "aws_guardduty_detector": "arn:aws:guardduty:{region}:{account}:detector/{name}",
    "aws_securityhub_account": "arn:aws:securityhub:{region}:{account}:hub/default",
    "aws_codeconnections_connection": "arn:aws:codeconnections:{region}:{account}:"
    "connection/00000000-0000-4000-8000-000000000000",
    "aws_codestarconnections_connection": "arn:aws:codestar-connections:{region}:{account}:"
    "connection/00000000-0000-4000-8000-000000000000",
    "aws_sagemaker_model_package": "arn:aws:sagemaker:{region}:{account}:model-package/{name}/1",
    "aws_sagemaker_user_profile": "arn:aws:sagemaker:{region}:{account}:user-profile/d-0123456789ab/{name}",
    "aws_sagemaker_space": "arn:aws:sagemaker:{region}:{account}:space/d-0123456789ab/{name}",
    "aws_sfn_state_machine": "arn:aws:states:{region}:{account}:stateMachine:{name}",
    "aws_ssoadmin_permission_set": "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
}

# (resource type, attribute) of documents attached to one resource -> (type of that resource, its name attribute)
SELF_SCOPED = {
    ("aws_iam_role", "assume_role_policy"): ("aws_iam_role", "name"),
    ("aws_kms_key", "policy"): ("aws_kms_key", None),
    ("aws_kms_key_policy", "policy"): ("aws_kms_key", None),
    ("aws_ecr_repository_policy", "policy"): ("aws_ecr_repository", "repository"),
    ("aws_sns_topic", "policy"): ("aws_sns_topic", "name"),
    ("aws_sns_topic_policy", "policy"): ("aws_sns_topic", None),
    ("aws_sqs_queue_policy", "policy"): ("aws_sqs_queue", None),
    ("aws_cloudwatch_event_bus_policy", "policy"): ("aws_cloudwatch_event_bus", "event_bus_name"),
    ("aws_sagemaker_model_package_group_policy", "resource_policy"): (
        "aws_sagemaker_model_package_group",
        "model_package_group_name",
    ),
    ("aws_secretsmanager_secret_policy", "policy"): ("aws_secretsmanager_secret", None),
    ("aws_efs_file_system_policy", "policy"): ("aws_efs_file_system", None),
}

REFERENCE = re.compile(r"\$\{([^}]*)\}")
ESCAPED = "\0escaped-interpolation\0"
ATTRIBUTE_REF = re.compile(r"^(?:data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$")


@dataclass(frozen=True)
class PolicyDoc:
    """One policy document found in a stack: where it is and its text as synthesized."""

    account: str
    rtype: str
    name: str
    attribute: str  # dotted path inside the resource, e.g. assume_role_policy or statement.0.policy
    text: str
    block: str = "resource"  # or "data"

    @property
    def where(self) -> str:
        return f"{self.account}/{self.rtype}.{self.name}.{self.attribute}"


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}.{i}")
    elif isinstance(value, str):
        yield path, value


def find_policies(stacks: dict[str, dict]) -> tuple[list[PolicyDoc], list[str]]:
    """Every policy document in every stack, plus strings that look like policies but are not JSON."""
    found, unreadable = [], []
    for account, stack in sorted(stacks.items()):
        for block in ("resource", "data"):
            for rtype, instances in sorted(stack.get(block, {}).items()):
                for name, body in sorted(instances.items()):
                    for path, text in _walk(body, ""):
                        if "Statement" not in text:
                            continue
                        try:
                            doc = json.loads(text)
                        except ValueError:
                            unreadable.append(f"{account}/{rtype}.{name}.{path}")
                            continue
                        if isinstance(doc, dict) and "Statement" in doc:
                            found.append(PolicyDoc(account, rtype, name, path, text, block))
    return found, unreadable


def _representative(ref: str) -> str:
    match = ATTRIBUTE_REF.match(ref)
    if not match:
        raise ValueError(
            f"cannot lint a policy built with the expression ${{{ref}}}; write literal JSON via modules/policy.py"
        )
    rtype, name, attribute = match.groups()
    if rtype == "aws_caller_identity" and attribute == "account_id":
        return ACCOUNT
    if rtype == "aws_region" and attribute in ("name", "region", "id"):
        return REGION
    if attribute == "arn":
        if rtype not in ARN_TEMPLATES:
            raise ValueError(f"no ARN template for {rtype} (reference ${{{ref}}}): add one to tests/policy_lint.py")
        return ARN_TEMPLATES[rtype].format(account=ACCOUNT, region=REGION, name=name)
    return f"{name}-{attribute}".replace("_", "-")


def resolve_references(text: str) -> str:
    """Terraform references -> representative values; Terraform's $${...} escape -> IAM's ${...}."""
    text = text.replace("$${", ESCAPED)
    text = REFERENCE.sub(lambda m: _representative(m.group(1)), text)
    return text.replace(ESCAPED, "${")


def _self_arn(doc: PolicyDoc, body: dict[str, Any]) -> str | None:
    target = SELF_SCOPED.get((doc.rtype, doc.attribute))
    if target is None:
        return None
    target_type, name_attribute = target
    name = body.get(name_attribute) if name_attribute else None
    name = name if isinstance(name, str) and "${" not in name else doc.name
    return ARN_TEMPLATES[target_type].format(account=ACCOUNT, region=REGION, name=name)


def lintable(doc: PolicyDoc, body: dict[str, Any]) -> str:
    """The document as parliament should see it (see the module docstring)."""
    policy = json.loads(resolve_references(doc.text))
    self_arn = _self_arn(doc, body)
    if self_arn is not None:
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        for stmt in statements:
            if "NotResource" not in stmt and stmt.get("Resource", "*") == "*":
                stmt["Resource"] = self_arn
    return json.dumps(policy, indent=2, sort_keys=True)
