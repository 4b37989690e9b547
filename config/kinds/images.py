"""Which roles pull which shared-services images, derived from what each account really runs.

A cross-account pull needs both the caller's identity policy and the repository policy:
https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
SageMaker pulls an endpoint's image with the model's execution role:
https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html

- ml-execution: the pipeline execution role pulls each pipeline's processing, training and
  registered (inference, else training) image;
- staging/production: the inference execution role pulls the image each served group's packages
  carry (`ml_execution.served_image`: the registered image of the group's pipeline, or the group's
  `serving_image`);
- plus `pull_accounts`/`pull_kinds` of the repository (Studio users in data-science accounts),
  as those accounts' SageMaker execution roles, where such roles exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..errors import known
from ..model import Flow
from ..schema.account import INFERENCE_ACCOUNTS, DataScienceAccount, MlExecutionAccount
from .data_science import persona_role_name
from .inference import endpoints
from .ml_execution import model_package_group_owner, pipeline_execution_role_name, registered_image, served_image
from .shared_services import ecr_repository_owner, repository_pullers

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved
    from ..schema.ml_execution import ImageRef


def image_puller_roles(r: Resolved, account: str) -> list[str]:
    """SageMaker execution roles an account's stack creates (none: the account gets no grant)."""
    acct = r.accounts[account]
    if acct.kind == "data-science":
        return sorted(persona_role_name(r, p.name) for p in acct.model(DataScienceAccount).data_science.personas)
    if acct.kind == "ml-execution" and acct.model(MlExecutionAccount).ml_execution.pipelines:
        return [pipeline_execution_role_name(r)]
    if acct.kind in contracts.INFERENCE_KINDS and acct.model(INFERENCE_ACCOUNTS).inference.endpoints:
        return [contracts.inference_execution_role_name(r)]
    return []


def used_repositories(r: Resolved, account: str) -> list[str]:
    """Repositories whose images the account's own SageMaker jobs or endpoints run."""
    acct = r.accounts[account]
    refs: list[ImageRef | None] = []
    if acct.kind == "ml-execution":
        for p in acct.model(MlExecutionAccount).ml_execution.pipelines:
            refs += [p.processing_image, p.training_image, registered_image(p)]
    elif acct.kind in contracts.INFERENCE_KINDS:
        refs += [
            served_image(r.config, ep.model_package_group) for ep in acct.model(INFERENCE_ACCOUNTS).inference.endpoints
        ]
    return sorted({ref.repository for ref in refs if ref is not None})


def repository_users(r: Resolved, repo: Any) -> dict[str, list[str]]:
    """Account -> roles a repository's policy lets pull: the accounts that use its images, plus the
    ones the repository names (pull_accounts, pull_kinds), each with the roles its stack creates."""
    accounts = set(repository_pullers(r.config, repo)) | {
        a.name
        for a in r.of_kind("ml-execution", *contracts.INFERENCE_KINDS)
        if repo.name in used_repositories(r, a.name)
    }
    users = {a: image_puller_roles(r, a) for a in sorted(accounts)}
    return {a: roles for a, roles in users.items() if roles}


def ecr_pull_grant(r: Resolved, repo: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Principal, Condition) of a repository policy: the users' roots, narrowed to their execution roles."""
    users = repository_users(r, repo)
    return r.cross_account_principal(users) if users else None


def served_repositories(r: Resolved, account: str) -> list[tuple[str, str]]:
    """(owner, repository) an inference account's execution role pulls: the images its endpoints serve."""
    return sorted(
        (known(ecr_repository_owner(r.config, repo), f"the owner of repository {repo!r}"), repo)
        for repo in used_repositories(r, account)
    )


# -- checks ----------------------------------------------------------------------------------
def check_served_images(config: Config) -> Iterable[Diagnostic]:
    """Each endpoint serves an image someone can grant, and takes image and model data from its own region."""
    if "ml-execution" in config.invalid_kinds:
        return  # groups, pipelines and images may be defined in the invalid file, reported already
    allowed = set(config.landing_zone.allowed_regions)
    for account, i, ep in endpoints(config):
        owner = model_package_group_owner(config, ep.model_package_group)
        if owner is None:
            continue  # check_model_package_groups reports it
        field = ("inference", "endpoints", i, "model_package_group")
        image = served_image(config, ep.model_package_group)
        if image is None:
            yield config.error(
                account.name,
                field,
                (
                    f"no pipeline of {owner!r} produces model package group {ep.model_package_group!r} and "
                    "the group sets no serving_image: "
                    "the image its packages serve is unknown, so no ECR repository grants it to "
                    f"{account.name!r}; add a pipeline with "
                    f"model_package_group: {ep.model_package_group} to {owner!r}, or set serving_image on the group"
                ),
            )
        region = _region(config, account.name)
        if not {region, _region(config, owner)} <= allowed:
            continue  # a region the landing zone refuses is reported already, once
        # The image and the model artifacts must be in the endpoint's region:
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
        image_owner = ecr_repository_owner(config, image.repository) if image is not None else None
        if image is not None and image_owner is not None and _region(config, image_owner) != region:
            yield config.error(
                account.name,
                field,
                (
                    f"group {ep.model_package_group!r} serves an image of repository {image.repository!r} in "
                    f"{image_owner!r} "
                    f"({_region(config, image_owner)}), but SageMaker pulls endpoint images only from the "
                    f"endpoint's region ({region})"
                ),
            )
        # Model artifacts in another region: config/checks/consistency.py models_served_in_their_region.


def _region(config: Config, account: str) -> str:
    return config.accounts[account].region or config.landing_zone.home_region


CHECKS: list = [check_served_images]


def flows(resolved: Resolved) -> Iterable[Flow]:
    for shared in resolved.of_kind("shared-services"):
        pulls: dict[str, list[str]] = {}
        for rep in shared.config.shared_services.ecr_repositories:
            for puller in repository_users(resolved, rep):
                pulls.setdefault(puller, []).append(rep.name)
        for puller, repos in sorted(pulls.items()):
            yield Flow(shared.name, puller, "data-access", f"ECR pull: {', '.join(sorted(repos))}")
