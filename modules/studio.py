"""StudioDomain: a VPC-only SageMaker Studio domain with KMS, sharing to an encrypted bucket,
user profiles bound to persona execution roles and lifecycle configurations.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from .aws import aws


@dataclass(frozen=True)
class StudioUser:
    name: str
    execution_role_arn: str
    sso_user: str | None = None


@dataclass(frozen=True)
class LifecycleScript:
    name: str
    app_type: str
    script: str


class StudioDomain(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        auth_mode: str,
        vpc_id: str,
        subnet_ids: list[str],
        security_group_ids: list[str],
        kms_key_arn: str,
        default_role_arn: str,
        sharing_bucket: str,
        idle_timeout_minutes: int,
        home_efs_on_delete: str = "Retain",
        lifecycle_scripts: list[LifecycleScript],
        users: list[StudioUser],
    ) -> None:
        super().__init__(scope, id)
        lifecycle_arns: dict[str, list[str]] = {}
        for script in lifecycle_scripts:
            config = aws.sagemaker_studio_lifecycle_config.SagemakerStudioLifecycleConfig(
                self,
                f"lifecycle-{script.name}",
                studio_lifecycle_config_name=f"{name}-{script.name}",
                studio_lifecycle_config_app_type=script.app_type,
                studio_lifecycle_config_content=base64.b64encode(script.script.encode()).decode(),
            )
            lifecycle_arns.setdefault(script.app_type, []).append(config.arn)
        jupyter_lab: dict[str, Any] = {
            "app_lifecycle_management": {
                "idle_settings": {"lifecycle_management": "ENABLED", "idle_timeout_in_minutes": idle_timeout_minutes}
            },
        }
        if lifecycle_arns.get("JupyterLab"):
            jupyter_lab["lifecycle_config_arns"] = lifecycle_arns["JupyterLab"]
        code_editor: dict[str, Any] = {
            "app_lifecycle_management": {
                "idle_settings": {"lifecycle_management": "ENABLED", "idle_timeout_in_minutes": idle_timeout_minutes}
            }
        }
        if lifecycle_arns.get("CodeEditor"):
            code_editor["lifecycle_config_arns"] = lifecycle_arns["CodeEditor"]
        self.domain = aws.sagemaker_domain.SagemakerDomain(
            self,
            "domain",
            domain_name=name,
            auth_mode=auth_mode,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids,
            app_network_access_type="VpcOnly",
            kms_key_id=kms_key_arn,
            domain_settings={"security_group_ids": security_group_ids},
            # Retain leaves the home EFS and its mount targets in the domain's subnets (the VPC cannot be deleted
            # until they are); Delete removes the EFS with the users' files when the domain is deleted.
            # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RetentionPolicy.html
            retention_policy={"home_efs_file_system": home_efs_on_delete},
            default_user_settings={
                "execution_role": default_role_arn,
                "security_groups": security_group_ids,
                "studio_web_portal": "ENABLED",
                "default_landing_uri": "studio::",
                "sharing_settings": {
                    "notebook_output_option": "Allowed",
                    "s3_output_path": f"s3://{sharing_bucket}/studio-sharing",
                    "s3_kms_key_id": kms_key_arn,
                },
                "jupyter_lab_app_settings": jupyter_lab,
                "code_editor_app_settings": code_editor,
            },
        )
        self.profiles = {}
        for user in users:
            args = {}
            if auth_mode == "SSO" and user.sso_user:
                args = {"single_sign_on_user_identifier": "UserName", "single_sign_on_user_value": user.sso_user}
            self.profiles[user.name] = aws.sagemaker_user_profile.SagemakerUserProfile(
                self,
                f"user-{user.name}",
                domain_id=self.domain.id,
                user_profile_name=user.name,
                user_settings={"execution_role": user.execution_role_arn, "security_groups": security_group_ids},
                **args,
            )
