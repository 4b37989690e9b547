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
from .data_science import persona_role_name
from .inference import inference_execution_role_name
from .ml_execution import pipeline_execution_role_name, registered_image, served_image
from .shared_services import ecr_repository_owner, repository_pullers

if TYPE_CHECKING:
    from ..resolver import Flow, Resolved

CHECKS: list = []  # the checks of these facts live with the kinds (inference.check_model_loop)


def image_puller_roles(r: "Resolved", account: str) -> list[str]:
    """SageMaker execution roles an account's stack creates (none: the account gets no grant)."""
    acct = r.accounts[account]
    if acct.kind == "data-science":
        return sorted(persona_role_name(r, p.name) for p in acct.config.data_science.personas)
    if acct.kind == "ml-execution" and acct.config.ml_execution.pipelines:
        return [pipeline_execution_role_name(r)]
    if acct.kind in contracts.INFERENCE_KINDS and acct.config.inference.endpoints:
        return [inference_execution_role_name(r)]
    return []


def used_repositories(r: "Resolved", account: str) -> list[str]:
    """Repositories whose images the account's own SageMaker jobs or endpoints run."""
    acct = r.accounts[account]
    refs = []
    if acct.kind == "ml-execution":
        for p in acct.config.ml_execution.pipelines:
            refs += [p.processing_image, p.training_image, registered_image(p)]
    elif acct.kind in contracts.INFERENCE_KINDS:
        refs += [served_image(r.config, ep.model_package_group) for ep in acct.config.inference.endpoints]
    return sorted({ref.repository for ref in refs if ref is not None})


def repository_users(r: "Resolved", repo: Any) -> dict[str, list[str]]:
    """Account -> roles a repository's policy lets pull: the accounts that use its images, plus the
    ones the repository names (pull_accounts, pull_kinds), each with the roles its stack creates."""
    accounts = set(repository_pullers(r.config, repo)) | {
        a.name for a in r.of_kind("ml-execution", *contracts.INFERENCE_KINDS) if repo.name in used_repositories(r, a.name)
    }
    users = {a: image_puller_roles(r, a) for a in sorted(accounts)}
    return {a: roles for a, roles in users.items() if roles}


def ecr_pull_grant(r: "Resolved", repo: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Principal, Condition) of a repository policy: the users' roots, narrowed to their execution roles."""
    users = repository_users(r, repo)
    return r.cross_account_principal(users) if users else None


def served_repositories(r: "Resolved", account: str) -> list[tuple[str, str]]:
    """(owner, repository) an inference account's execution role pulls: the images its endpoints serve."""
    return sorted((ecr_repository_owner(r.config, repo), repo) for repo in used_repositories(r, account))


def flows(resolved: "Resolved") -> Iterable["Flow"]:
    from ..resolver import Flow

    for shared in resolved.of_kind("shared-services"):
        pulls: dict[str, list[str]] = {}
        for rep in shared.config.shared_services.ecr_repositories:
            for puller in repository_users(resolved, rep):
                pulls.setdefault(puller, []).append(rep.name)
        for puller, repos in sorted(pulls.items()):
            yield Flow(shared.name, puller, "data-access", f"ECR pull: {', '.join(sorted(repos))}")
