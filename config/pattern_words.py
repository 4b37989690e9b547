"""Every string pattern of the configuration schema, in words with an example, for error messages.

A message never shows a regular expression: tests/test_name_rules.py walks the schema and fails when a
field's pattern has no entry here (add one when you add a pattern), and the loader falls back to words
without the pattern if one ever slips through.
"""

from __future__ import annotations

from .schema.common import PATTERN_DESCRIPTIONS

_AWS_ID = "{what} such as {example} ({prefix} and 8 or 17 hexadecimal digits)"

PATTERN_WORDS: dict[str, str] = {
    **PATTERN_DESCRIPTIONS,
    r"^[\w .:/=+\-@]+$": (
        "must be a tag key of letters, digits, spaces and _ . : / = + - @ (1-128 characters), e.g. cost-center"
    ),
    r"^[\w .:/=+\-@]*$": (
        "must be a tag value of letters, digits, spaces and _ . : / = + - @ (at most 256 characters), e.g. ml-platform"
    ),
    r"^[A-Za-z0-9+=,.@_-]+(/[A-Za-z0-9+=,.@_-]+)*$": (
        "must be an AWS managed policy name or path such as ReadOnlyAccess or job-function/ViewOnlyAccess"
    ),
    r"^\S(.{0,254}\S)?$": "must be an AWS Config recorder or delivery channel name of 1-256 characters that neither "
    "starts nor ends with a space, e.g. default",
    r"^[A-Za-z0-9]{1,100}$": "must be a statement id of 1-100 letters and digits, e.g. ReadModels",
    r"^(\*|[a-z0-9-]+:[A-Za-z0-9*]+)$": (
        "must be an IAM action such as s3:GetObject or sagemaker:Describe* (service:Action), or *"
    ),
    r"^(\*|arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:(\d{12}|\*)?:.+)$": (
        "must be a resource ARN such as arn:aws:s3:::my-bucket/* or "
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/*, or *"
    ),
    r"^[\w .+=,@-]+$": "must be a group display name of letters, digits, spaces and _ . + = , @ -, e.g. ML Engineers",
    r"^([0-9a-f]{10}-|)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$": (
        "must be an identity store group id such as 1234567890-abcd1234-ab12-cd34-ef56-abcdef123456 or a plain UUID"
    ),
    r"^([A-Za-z0-9!_.*'()=-]+/)*$": (
        "must be an S3 key prefix of folders ending in '/', e.g. raw/events/ (or empty for the whole bucket)"
    ),
    r"^([A-Za-z0-9_!.*'()=-]+/)*$": (
        "must be an S3 key prefix of folders ending in '/', e.g. raw/events/ (or empty for the whole bucket)"
    ),
    r"^cron\(\S+( \S+){5}\)$": "must be an EventBridge cron expression of six fields, e.g. cron(0 2 * * ? *)",
    r"^(/[A-Za-z0-9_.-]+){1,4}$": (
        "must be an absolute directory path of 1-4 parts of letters, digits and _ . -, e.g. /shared"
    ),
    r"^0?[0-7]{3}$": "must be an octal file mode such as 0750 (three octal digits, optionally after a 0), in quotes",
    r"^\d+(\.\d+){0,2}$": "must be an engine version such as 16.4 (digits and up to two dots), in quotes",
    r"^db\.[a-z0-9]+\.[a-z0-9]+$": "must be an RDS instance class such as db.t4g.medium (db.<family>.<size>)",
    r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$": _AWS_ID.format(
        what="must be a VPC id", example="vpc-0a1b2c3d4e5f60718", prefix="vpc-"
    ),
    r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$": _AWS_ID.format(
        what="must be a subnet id", example="subnet-0a1b2c3d4e5f60001", prefix="subnet-"
    ),
    r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$": _AWS_ID.format(
        what="must be a security group id", example="sg-0a1b2c3d4e5f60001", prefix="sg-"
    ),
    r"^vpc-[0-9a-f]{8,17}$": "must be a VPC id such as vpc-0a1b2c3d4e5f60718 (vpc- and 8 to 17 hexadecimal digits)",
    r"^subnet-[0-9a-f]{8,17}$": (
        "must be a subnet id such as subnet-0a1b2c3d4e5f60001 (subnet- and 8 to 17 hexadecimal digits)"
    ),
    r"^sg-[0-9a-f]{8,17}$": (
        "must be a security group id such as sg-0a1b2c3d4e5f60001 (sg- and 8 to 17 hexadecimal digits)"
    ),
    r"^[A-Za-z0-9_.-]+$": "must be a repository name of letters, digits, '_', '.' and '-', e.g. ml-models",
    r"^[A-Za-z0-9._/-]+$": "must be a branch name of letters, digits, '.', '_', '/' and '-', e.g. main or release/1.2",
    r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$": "must be an owner/repository name such as acme/ml-models",
    r"^[A-Za-z0-9_./:-]+$": (
        "must be a container image such as aws/codebuild/standard:7.0 (letters, digits and _ . / : -)"
    ),
    r"^\d+\.\d+\.\d+$": "must be a version of three numbers such as 1.11.2",
    r"^\d+\.\d+$": "must be a version of two numbers such as 4.0",
    r"^[0-9A-Za-z.,<>=~! -]{1,40}$": (
        "must be a Terraform version or constraint of at most 40 characters, e.g. 1.11.4 or ~> 1.11"
    ),
    r"^apool-[A-Za-z0-9]+$": "must be a Terraform Cloud agent pool id such as apool-a1B2c3D4e5F6g7H8",
    r"^ghain-[A-Za-z0-9]+$": "must be a Terraform Cloud GitHub App installation id such as ghain-a1B2c3D4e5F6g7H8",
    r"^ot-[A-Za-z0-9]+$": "must be a Terraform Cloud OAuth token id such as ot-a1B2c3D4e5F6g7H8",
    r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$": (
        "must be a relative folder path of letters, digits and . _ / -, e.g. platform/config"
    ),
    r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}$": (
        "must be an OU name of 1-128 letters, digits, spaces and _ . -, starting with a letter or digit, e.g. Sandbox"
    ),
    r"^arn:aws[a-z-]*:controltower:[a-z0-9-]+:\d{12}:enabledbaseline/[A-Z0-9]+$": (
        "must be an enabled baseline ARN such as "
        "arn:aws:controltower:eu-west-1:111111111111:enabledbaseline/XAHCR4CJTSI4W07MZ "
        "(aws controltower list-enabled-baselines)"
    ),
    r"^[a-z][a-z0-9-]*$": "must be lowercase letters, digits and hyphens, starting with a letter, e.g. manage-models",
    r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$": (
        "must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit, e.g. alice"
    ),
    r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,55}$": (
        "must be 1-56 letters, digits and hyphens, starting and ending with a letter or digit, e.g. customer-features"
    ),
    r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$": (
        "must be 1-64 letters, digits, '-' and '_', starting and ending with a letter or digit, e.g. customer_id"
    ),
    r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$": (
        "must be an image tag of letters, digits, '_', '.' and '-', not starting with '.' or '-', e.g. 1.4.0"
    ),
    r"^ml\.[a-z0-9]+\.[a-z0-9]+$": "must be a SageMaker instance type such as ml.m5.large (ml.<family>.<size>)",
    r"^[a-z]+/[a-z0-9.+-]+$": "must be a media type such as text/csv or application/json",
    r"^[A-Za-z0-9_.-]{1,128}$": "must be a feature name of 1-128 letters, digits, '_', '.' and '-', e.g. tenure_months",
    r"^o-[a-z0-9]{10,32}$": (
        "must be an organization id such as o-a1b2c3d4e5 (o- and 10 to 32 lowercase letters or digits)"
    ),
    r"^[A-Za-z0-9_-]+$|^arn:aws[a-z-]*:controltower:[a-z0-9-]+::control/[A-Za-z0-9_]+$": (
        "must be a Control Tower control such as AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS or its ARN"
    ),
    r"^prod-[a-z0-9]{13}$": (
        "must be a Service Catalog product id such as prod-abcdefghij123 (prod- and 13 lowercase letters or digits)"
    ),
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": (
        "must be an S3 bucket name of 3-63 lowercase letters, digits, '.' and '-', starting and ending with a "
        "letter or digit"
    ),
    r"^[A-Za-z0-9_-]+$": "must be letters, digits, '_' and '-', e.g. acme-ml",
}


def pattern_in_words(pattern: str) -> str:
    """What a value matching `pattern` looks like; never the pattern itself."""
    return PATTERN_WORDS.get(pattern, "is not in the form this field takes (see the README for the field)")
