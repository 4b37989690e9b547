"""AWS's naming rules, one per kind of name mlops-tf derives, and the check that applies them.

Every name a stack writes (config/derived_names.py lists them with the YAML value that produced
each) is checked here at validate time, so that synth and AWS never reject a name validate accepted.
tests/test_name_rules.py proves the list complete against the synthesized JSON of the example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SAGEMAKER = r"[a-zA-Z0-9](-*[a-zA-Z0-9])*"
_SAGEMAKER_WORDS = "letters, digits and hyphens, starting and ending with a letter or digit"


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts for one kind of name: length, characters (a regular expression kept out of messages),
    first character."""

    what: str  # "bucket name", "IAM role name", "RDS instance identifier", as in "derived bucket name"
    service: str  # who enforces it, as in "S3 allows 63"
    max_length: int
    pattern: str  # the whole name must match
    words: str  # the pattern in words, for messages
    doc: str  # the AWS page stating the rule
    min_length: int = 1
    suffix: int = 0  # characters AWS or Terraform appends (a name_prefix's unique suffix)

    def problem(self, name: str) -> str | None:
        """Why AWS would reject `name`, in words, or None."""
        length = len(name) + self.suffix
        if length > self.max_length:
            extra = f" plus the {self.suffix}-character suffix Terraform appends" if self.suffix else ""
            return f"is {len(name)} characters{extra}; {self.service} allows {self.max_length}"
        if length < self.min_length:
            return f"is {len(name)} characters; {self.service} needs at least {self.min_length}"
        if not re.fullmatch(self.pattern, name):
            return f"is not a valid {self.what}: {self.service} takes {self.words}"
        return None


# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
S3_BUCKET = NameRule(
    "bucket name",
    "S3",
    63,
    r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
    "lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    min_length=3,
)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
IAM_ROLE = NameRule(
    "IAM role name",
    "IAM",
    64,
    r"[\w+=,.@-]+",
    "letters, digits and + = , . @ _ -",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
)
IAM_POLICY = NameRule(
    "IAM policy name",
    "IAM",
    128,
    r"[\w+=,.@-]+",
    "letters, digits and + = , . @ _ -",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
)
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
LAMBDA_FUNCTION = NameRule(
    "Lambda function name",
    "Lambda",
    64,
    r"[a-zA-Z0-9_-]+",
    "letters, digits, hyphens and underscores",
    "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
)
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html (and CreateModel,
# CreateModelPackageGroup, ...)
SAGEMAKER = NameRule(
    "SageMaker name",
    "SageMaker",
    63,
    _SAGEMAKER,
    _SAGEMAKER_WORDS,
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html",
)
# Terraform appends a 26-character unique id to an endpoint configuration's name_prefix.
# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sagemaker_endpoint_configuration
SAGEMAKER_PREFIX = NameRule(
    "SageMaker endpoint configuration name",
    "SageMaker",
    63,
    _SAGEMAKER + "-",
    _SAGEMAKER_WORDS,
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html",
    suffix=26,
)
# A model's name ends in 8 hexadecimal characters of a hash of what it serves (modules/endpoint.py).
SAGEMAKER_MODEL_PREFIX = NameRule(
    "SageMaker model name",
    "SageMaker",
    63,
    _SAGEMAKER + "-",
    _SAGEMAKER_WORDS,
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html",
    suffix=8,
)
SAGEMAKER_PIPELINE = NameRule(
    "SageMaker pipeline name",
    "SageMaker",
    256,
    _SAGEMAKER,
    _SAGEMAKER_WORDS,
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePipeline.html",
)
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateFeatureGroup.html
FEATURE_GROUP = NameRule(
    "feature group name",
    "SageMaker",
    64,
    r"[a-zA-Z0-9]([_-]*[a-zA-Z0-9])*",
    "letters, digits, '-' and '_', starting and ending with a letter or digit",
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateFeatureGroup.html",
)
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
LOG_GROUP = NameRule(
    "log group name",
    "CloudWatch Logs",
    512,
    r"[\w./#-]+",
    "letters, digits and . _ - / #",
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
)
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
ALARM = NameRule(
    "CloudWatch alarm name",
    "CloudWatch",
    255,
    r"[^\x00-\x1f]+",
    "printable characters",
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
)
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints
RDS_IDENTIFIER = NameRule(
    "RDS instance identifier",
    "RDS",
    63,
    r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)",
    "letters, digits and hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html",
)
DB_SUBNET_GROUP = NameRule(
    "DB subnet group name",
    "RDS",
    255,
    r"(?!default$)[a-zA-Z0-9 ._-]+",
    "letters, digits, spaces, periods, underscores and hyphens, not 'default'",
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
)
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
DYNAMODB_TABLE = NameRule(
    "DynamoDB table name",
    "DynamoDB",
    255,
    r"[a-zA-Z0-9_.-]+",
    "letters, digits and _ - .",
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
    min_length=3,
)
EFS_TOKEN = NameRule(
    "EFS creation token",
    "EFS",
    64,
    r".+",
    "any characters",
    "https://docs.aws.amazon.com/efs/latest/ug/API_CreateFileSystem.html",
)
# https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html
ATHENA_WORKGROUP = NameRule(
    "Athena workgroup name",
    "Athena",
    128,
    r"[a-zA-Z0-9._-]+",
    "letters, digits and . _ -",
    "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html",
)
# https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-common.html#aws-glue-api-regex-oneLine
GLUE_DATABASE = NameRule(
    "Glue database name",
    "Glue",
    255,
    r"[a-z0-9_]+",
    "lowercase letters, digits and underscores",
    "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html",
)
GLUE_NAME = NameRule(
    "Glue name",
    "Glue",
    255,
    r"[^\x00-\x1f]+",
    "printable characters on one line",
    "https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-common.html",
)
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
EVENT_RULE = NameRule(
    "EventBridge rule name",
    "EventBridge",
    64,
    r"[\w.-]+",
    "letters, digits and . _ -",
    "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
)
EVENT_BUS = NameRule(
    "event bus name",
    "EventBridge",
    256,
    r"[/\w.-]+",
    "letters, digits and / . _ -",
    "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html",
)
# https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html
CODEBUILD_PROJECT = NameRule(
    "CodeBuild project name",
    "CodeBuild",
    150,
    r"[A-Za-z0-9][A-Za-z0-9_-]+",
    "letters, digits, '-' and '_', starting with a letter or digit",
    "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html",
    min_length=2,
)
CODEPIPELINE = NameRule(
    "CodePipeline name",
    "CodePipeline",
    100,
    r"[A-Za-z0-9.@_-]+",
    "letters, digits and . @ - _",
    "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html",
)
CODECONNECTION = NameRule(
    "CodeConnections connection name",
    "CodeConnections",
    32,
    r".+",
    "any characters",
    "https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_CreateConnection.html",
)
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
ECR_REPOSITORY = NameRule(
    "ECR repository name",
    "ECR",
    256,
    r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
    "lowercase letters and digits in parts joined by '/', each part separated by single . _ -",
    "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    min_length=2,
)
# https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
KMS_ALIAS = NameRule(
    "KMS alias name",
    "KMS",
    256,
    r"alias/(?!aws/)[a-zA-Z0-9/_-]+",
    "alias/ then letters, digits and / _ - (not alias/aws/)",
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
)
SNS_TOPIC = NameRule(
    "SNS topic name",
    "SNS",
    256,
    r"[a-zA-Z0-9_-]+",
    "letters, digits, '-' and '_'",
    "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
)
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
SECURITY_GROUP = NameRule(
    "security group name",
    "EC2",
    255,
    r"(?!sg-)[a-zA-Z0-9 ._:/()#,@\[\]+=&;{}!$*-]+",
    "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
)
# https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
TRAIL = NameRule(
    "CloudTrail trail name",
    "CloudTrail",
    128,
    r"[a-zA-Z0-9](?!.*[._-]{2})[a-zA-Z0-9._-]*[a-zA-Z0-9]",
    "letters, digits and . _ -, starting and ending with a letter or digit",
    "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
    min_length=3,
)
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html
SCP = NameRule(
    "service control policy name",
    "Organizations",
    128,
    r"[\x20-\x7e]+",
    "printable characters",
    "https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html",
)
# https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ProvisionProduct.html
PROVISIONED_PRODUCT = NameRule(
    "provisioned product name",
    "Service Catalog",
    128,
    r"[a-zA-Z0-9][a-zA-Z0-9._-]*",
    "letters, digits and . _ -, starting with a letter or digit",
    "https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ProvisionProduct.html",
)
ORG_ACCOUNT = NameRule(
    "account name",
    "Organizations",
    50,
    r"[\x20-\x7e]+",
    "printable characters",
    "https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html",
)
OU = NameRule(
    "organizational unit name",
    "Organizations",
    128,
    r"[\x20-\x7e]+",
    "printable characters",
    "https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html",
)
# https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html
PERMISSION_SET = NameRule(
    "permission set name",
    "IAM Identity Center",
    32,
    r"[\w+=,.@-]+",
    "letters, digits and + = , . @ _ -",
    "https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html",
)
SECURITY_HUB_POLICY = NameRule(
    "Security Hub configuration policy name",
    "Security Hub",
    128,
    r"[A-Za-z0-9 _-]+",
    "letters, digits, spaces, '-' and '_'",
    "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_CreateConfigurationPolicy.html",
)
# https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html (name: 128 characters)
API_GATEWAY = NameRule(
    "API Gateway name",
    "API Gateway",
    128,
    r"[\x20-\x7e]+",
    "printable characters",
    "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html",
)
AUTOSCALING_POLICY = NameRule(
    "scaling policy name",
    "Application Auto Scaling",
    256,
    r"[^:\x00-\x1f]+",
    "printable characters except ':'",
    "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html",
)
STUDIO_USER = NameRule(
    "Studio user profile name",
    "SageMaker",
    63,
    _SAGEMAKER,
    _SAGEMAKER_WORDS,
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateUserProfile.html",
)
# https://developer.hashicorp.com/terraform/cloud-docs/workspaces/create (letters, numbers, - and _; 90 characters)
TFC_WORKSPACE = NameRule(
    "Terraform Cloud workspace name",
    "Terraform Cloud",
    90,
    r"[A-Za-z0-9_-]+",
    "letters, digits, '-' and '_'",
    "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/create",
)
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
S3_KEY = NameRule(
    "state key name",
    "S3",
    1024,
    r"[^\x00-\x1f]+",
    "printable characters",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html",
)
# https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CreateAnalyzer.html
ACCESS_ANALYZER = NameRule(
    "analyzer name",
    "IAM Access Analyzer",
    255,
    r"[A-Za-z][A-Za-z0-9_.-]*",
    "letters, digits and _ . -, starting with a letter",
    "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CreateAnalyzer.html",
)
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (BudgetName)
BUDGET = NameRule(
    "budget name",
    "AWS Budgets",
    100,
    r"[^:\\\x00-\x1f]+",
    "printable characters except ':' and '\\'",
    "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html",
)
# https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
CONFIG_AGGREGATOR = NameRule(
    "configuration aggregator name",
    "AWS Config",
    256,
    r"[\w-]+",
    "letters, digits, '-' and '_'",
    "https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html",
)
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name)
SECRET = NameRule(
    "secret name",
    "Secrets Manager",
    512,
    r"[A-Za-z0-9/_+=.@-]+",
    "letters, digits and / _ + = . @ -",
    "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
)

# https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateNamespace.html
REDSHIFT_SERVERLESS = NameRule(
    "Redshift Serverless name",
    "Redshift Serverless",
    64,
    r"[a-z0-9-]+",
    "lowercase letters, digits and hyphens",
    "https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateNamespace.html",
    min_length=3,
)
# https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_CreateApplication.html
EMR_APPLICATION = NameRule(
    "EMR Serverless application name",
    "EMR Serverless",
    64,
    r"[A-Za-z0-9._/#-]+",
    "letters, digits and . _ / # -",
    "https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_CreateApplication.html",
)
# https://docs.aws.amazon.com/redshift/latest/dg/r_names.html (database names: 127 bytes, lowercase)
REDSHIFT_DATABASE = NameRule(
    "Redshift database name",
    "Redshift",
    127,
    r"[a-z_][a-z0-9_$]*",
    "lowercase letters, digits, '_' and '$', not starting with a digit",
    "https://docs.aws.amazon.com/redshift/latest/dg/r_names.html",
)
# https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html (repositoryName: 1-100)
CODECOMMIT_REPOSITORY = NameRule(
    "CodeCommit repository name",
    "CodeCommit",
    100,
    r"[\w.-]+",
    "letters, digits and . _ -",
    "https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html",
)
# https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateApprovalRuleTemplate.html (1-100)
APPROVAL_RULE_TEMPLATE = NameRule(
    "approval rule template name",
    "CodeCommit",
    100,
    r"[\x20-\x7e]+",
    "printable characters",
    "https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateApprovalRuleTemplate.html",
)

RULES: dict[str, NameRule] = {name: rule for name, rule in globals().items() if isinstance(rule, NameRule)}
