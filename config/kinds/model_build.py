"""Model-build projects: a repository in shared services per ML pipeline, pushed to by data-science personas,
whose main branch builds the pipeline's images and starts the pipeline in ml-execution.

Chain of one project (both sides of every grant read the names below):
data-science persona role --sts:AssumeRole--> push role (shared services, trusts the persona roles by
aws:PrincipalArn) --git push--> CodeCommit repository --EventBridge (branch updated)--> build project
(shared services: docker build, push to the pipeline's ECR repositories, tag = commit id) --sts:AssumeRole-->
start role (ml-execution, trusts the build role by aws:PrincipalArn) --StartPipelineExecution--> that
pipeline only; the registered package's state change reaches the shared-services registry bus --> card
project --start role--> CreateModelCard on cards named after the package's group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..model import Flow, naming_view
from ..refs import account_ref
from ..schema.account import DataScienceAccount, MlExecutionAccount
from .data_science import persona_role_name
from .ml_execution import registry_event_targets
from .shared_services import ecr_repository_owner

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved
    from ..schema.ml_execution import TrainingPipeline
    from ..schema.shared_services import ModelBuildProject, ProjectPushers

SECTION = "shared_services"
# Role, project, rule and card names are checked with every derived name (config/derived_names.py).
CARD_VERSION_DIGITS = 5  # room for model package versions up to 99999 in a card name
IMAGE_ROLES = ("processing", "training", "inference")
# Pipeline parameters the build sets (ParameterString in the pipeline definition; the YAML tags are their defaults).
IMAGE_PARAMETERS = {"processing": "ProcessingImage", "training": "TrainingImage", "inference": "InferenceImage"}
DIGEST_PARAMETERS = {
    "processing": "ProcessingImageDigest",
    "training": "TrainingImageDigest",
    "inference": "InferenceImageDigest",
}
COMMIT_PARAMETER = "CommitId"
# Infix of every name a project derives, so no project name can collide with the platform's own roles and rules
# (<prefix>-model-deploy-build, <prefix>-retraining-start, ...).
PROJECT = "project"
KEY_PURPOSE = "model-build"  # KMS purpose of the repositories and builds


# -- names shared by both sides ---------------------------------------------------------------
def repository_name(r: Resolved, project: ModelBuildProject) -> str:
    """The project's CodeCommit repository: as configured, else <prefix>-<project>."""
    return project.repository or r.resource_name(project.name)


def push_role_name(r: Resolved, project: str, main: bool) -> str:
    """Role in shared services the project's personas assume to push: -release may push to main, -push may not."""
    return r.resource_name(PROJECT, project, "release" if main else "push")


def build_role_name(r: Resolved, project: str) -> str:
    """CodeBuild role of the project's image build and model-card builds (shared services)."""
    return r.resource_name(PROJECT, project, "build")


def start_role_name(r: Resolved, project: str) -> str:
    """Role in the pipeline's ml-execution account through which the build starts exactly that pipeline."""
    return r.resource_name(PROJECT, project, "start")


def build_project_name(r: Resolved, project: str, stage: str) -> str:
    """CodeBuild projects of a project: <prefix>-project-<project>-images and -card."""
    return r.resource_name(PROJECT, project, stage)


def project_resource_name(r: Resolved, project: str, purpose: str) -> str:
    """Other names of a project (events role, rules): <prefix>-project-<project>-<purpose>."""
    return r.resource_name(PROJECT, project, purpose)


def model_card_prefix(r: Resolved, group: str) -> str:
    """Model cards of a group's versions are named <group name>-<version>: the ARN pattern the start role may write."""
    return f"{contracts.model_package_group_name(r, group)}-"


def model_card_arn_pattern(r: Resolved, account: str, group: str) -> str:
    acct = r.accounts[account]
    return (
        f"arn:{r.partition}:sagemaker:{acct.region}:{r.account_id(account)}:model-card/{model_card_prefix(r, group)}*"
    )


@dataclass(frozen=True)
class ImageBuild:
    """One image the build produces: its pipeline roles (processing, training, inference), the ECR repository
    it goes to (in the project's shared-services account) and the folder of its Dockerfile."""

    repository: str
    context: str
    roles: tuple[str, ...]


def image_builds(project: ModelBuildProject, pipeline: TrainingPipeline) -> list[ImageBuild]:
    """One build per distinct repository of the pipeline's images (a repository shared by two roles is built once)."""
    refs = {
        "processing": pipeline.processing_image,
        "training": pipeline.training_image,
        "inference": pipeline.inference_image,
    }
    by_repo: dict[str, list[str]] = {}
    for role in IMAGE_ROLES:
        ref = refs[role]
        if ref is not None:
            by_repo.setdefault(ref.repository, []).append(role)
    return [
        ImageBuild(repo, getattr(project.images, roles[0]), tuple(roles)) for repo, roles in sorted(by_repo.items())
    ]


def project_pipeline(config: Config, project: ModelBuildProject) -> TrainingPipeline | None:
    """The ml-execution pipeline model a project feeds, or None."""
    account = config.accounts.get(project.pipeline.account)
    if account is None or account.kind != "ml-execution":
        return None
    return next((p for p in account.ml_execution.pipelines if p.name == project.pipeline.name), None)


def projects(r_or_config: Any) -> list[tuple[str, Any]]:
    """(shared-services account, project) of the landing zone, by account then project name."""
    config = getattr(r_or_config, "config", r_or_config)
    return [
        (a.name, p)
        for a in sorted(config.of_kind("shared-services"), key=lambda a: a.name)
        for p in sorted(a.shared_services.projects, key=lambda p: p.name)
    ]


def pipeline_projects(r: Resolved, account: str) -> list[tuple[str, Any]]:
    """(shared-services account, project) whose builds start a pipeline of the ml-execution `account`."""
    return [(ss, p) for ss, p in projects(r) if p.pipeline.account == account]


def fed_pipelines(r: Resolved, account: str) -> dict[str, tuple[str, Any]]:
    """Pipeline name (as configured) -> (shared-services account, project) feeding it, for an ml-execution account."""
    return {p.pipeline.name: (ss, p) for ss, p in pipeline_projects(r, account)}


def push_grants(r: Resolved, project: ModelBuildProject, main: bool) -> dict[str, list[str]]:
    """Data-science account -> persona role names that assume the project's push (main False) or release role."""
    out: dict[str, set[str]] = {}
    for pushers in project.pushers:
        if pushers.main == main:
            out.setdefault(pushers.account, set()).update(persona_role_name(r, p) for p in pushers.personas)
    return {a: sorted(roles) for a, roles in sorted(out.items())}


def persona_push_roles(r: Resolved, account: str) -> dict[str, list[str]]:
    """For a data-science account: persona -> ARNs of the push/release roles it may assume."""
    out: dict[str, set[str]] = {}
    for ss, project in projects(r):
        for pushers in project.pushers:
            if pushers.account == account:
                for persona in pushers.personas:
                    out.setdefault(persona, set()).add(r.role_arn(ss, push_role_name(r, project.name, pushers.main)))
    return {p: sorted(arns) for p, arns in sorted(out.items())}


def push_endpoints(r: Resolved, account: str) -> list[str]:
    """Interface endpoints a data-science VPC needs for its personas to push with git-remote-codecommit (Git
    over HTTPS and the API)."""
    # https://docs.aws.amazon.com/codecommit/latest/userguide/codecommit-and-interface-VPC.html
    return ["codecommit", "git-codecommit"] if persona_push_roles(r, account) else []


def card_projects(r: Resolved, shared: str) -> list[Any]:
    """Projects of a shared-services account whose registered versions get a model card: the pipeline's account
    keeps model cards and forwards its registry events to this account's bus."""
    out = []
    for ss, project in projects(r):
        ml = r.accounts[project.pipeline.account]
        if (
            ss == shared
            and ml.model(MlExecutionAccount).ml_execution.model_cards
            and shared in registry_event_targets(r, ml.name)
        ):
            out.append(project)
    return out


# -- checks ----------------------------------------------------------------------------------
def check_projects(config: Config) -> Iterable[Diagnostic]:
    """Projects: unique names and repositories, an existing pipeline fed by one project only, images in this
    account's ECR repositories, existing data-science personas, derived names within AWS limits."""
    names: dict[str, str] = {}
    fed: dict[tuple[str, str], str] = {}
    r = naming_view(config)
    for account in config.of_kind("shared-services"):
        repos: set[str] = set()
        own_repos = {rep.name for rep in account.shared_services.ecr_repositories}
        for i, project in enumerate(account.shared_services.projects):
            loc = (SECTION, "projects", i)
            if project.name in names:
                yield config.error(
                    account.name,
                    loc + ("name",),
                    f"project {project.name!r} is already defined in account {names[project.name]!r}; names "
                    "must be unique",
                )
            names.setdefault(project.name, account.name)
            repo = repository_name(r, project)
            if repo in repos:
                yield config.error(
                    account.name,
                    loc + ("repository",) if project.repository else loc + ("name",),
                    f"repository {repo!r} already belongs to another project of this account",
                )
            repos.add(repo)
            source = account.shared_services.pipeline.source
            if source.type == "codecommit" and source.repository == repo:
                yield config.error(
                    account.name,
                    loc + ("repository",) if project.repository else loc + ("name",),
                    f"repository {repo!r} is the deployment pipeline's source repository; give the project its own",
                )
            yield from _pipeline_ref(config, account.name, loc, project, fed, own_repos)
            if not any(p.main for p in project.pushers):
                yield config.error(
                    account.name,
                    loc + ("pushers",),
                    f"no pushers entry has main: true, so nobody could update {project.branch!r} "
                    "(the branch that builds and starts the pipeline); mark the personas that release with main: true",
                    key=True,
                )
            for j, pushers in enumerate(project.pushers):
                yield from _pushers(config, account.name, loc + ("pushers", j), pushers)


def _pipeline_ref(
    config: Config, owner: str, loc: tuple, project: Any, fed: dict, own_repos: set[str]
) -> Iterable[Diagnostic]:
    ref = project.pipeline
    problem = account_ref(config, owner, loc + ("pipeline", "account"), ref.account, ("ml-execution",))
    if problem:
        yield problem
        return
    if ref.account not in config.accounts:
        return  # an invalid file, reported already
    pipeline = project_pipeline(config, project)
    if pipeline is None:
        defined = [p.name for p in config.account(ref.account, MlExecutionAccount).ml_execution.pipelines]
        yield config.error(
            owner,
            loc + ("pipeline", "name"),
            f"account {ref.account!r} has no pipeline {ref.name!r} (pipelines: {', '.join(defined) or 'none'})",
        )
        return
    key = (ref.account, ref.name)
    if key in fed:
        yield config.error(
            owner,
            loc + ("pipeline",),
            f"pipeline {ref.name!r} of {ref.account!r} is already fed by project {fed[key]!r}; "
            "one project per pipeline, so the images a run uses come from one repository",
            key=True,
        )
    fed.setdefault(key, project.name)
    for role in IMAGE_ROLES:
        image = getattr(pipeline, f"{role}_image")
        if image is not None and image.repository not in own_repos:
            where = ecr_repository_owner(config, image.repository)
            yield config.error(
                owner,
                loc + ("pipeline",),
                f"the {role} image of pipeline {ref.name!r} goes to ECR repository {image.repository!r}, "
                f"which {'account ' + repr(where) + ' defines' if where else 'no account defines'}; the "
                "project's build pushes only "
                "to repositories of its own account: define the repository here",
                key=True,
            )
    # Card names (<group>-<version>, 63 characters) are checked with every derived name: config/derived_names.py.
    for build in image_builds(project, pipeline):
        contexts = {getattr(project.images, role) for role in build.roles}
        if len(contexts) > 1:
            yield config.error(
                owner,
                loc + ("images",),
                f"the {' and '.join(build.roles)} images share ECR repository {build.repository!r} "
                f"(one image per commit tag) but name different folders ({', '.join(sorted(contexts))}); give "
                "them one folder",
                key=True,
            )


def _pushers(config: Config, owner: str, loc: tuple, pushers: ProjectPushers) -> Iterable[Diagnostic]:
    problem = account_ref(config, owner, loc + ("account",), pushers.account, ("data-science",))
    if problem:
        yield problem
        return
    if pushers.account not in config.accounts:
        return
    ds = config.account(pushers.account, DataScienceAccount)
    home = config.landing_zone.home_region
    here, there = config.accounts[owner].region or home, ds.region or home
    if ds.data_science.network.egress == "none" and here != there:
        # A VPC endpoint reaches the service of its own region only.
        # https://docs.aws.amazon.com/codecommit/latest/userguide/codecommit-and-interface-VPC.html
        yield config.error(
            owner,
            loc + ("account",),
            f"Studio in {pushers.account!r} ({there}) has no internet egress and reaches CodeCommit through a "
            f"VPC endpoint of its own region, but this repository is in {here}; set that account's "
            "network.egress: nat or "
            "keep both accounts in one region",
        )
    defined = [p.name for p in ds.data_science.personas]
    for k, persona in enumerate(pushers.personas):
        if persona not in defined:
            yield config.error(
                owner,
                loc + ("personas", k),
                f"account {pushers.account!r} defines no persona {persona!r} (personas: "
                f"{', '.join(defined) or 'none'})",
            )
        elif pushers.personas.index(persona) != k:
            yield config.error(owner, loc + ("personas", k), f"persona {persona!r} is listed twice")


CHECKS = [check_projects]


def flows(resolved: Resolved) -> Iterable[Flow]:
    for ss, project in projects(resolved):
        yield Flow(
            ss,
            project.pipeline.account,
            "model-build",
            f"{project.name}: starts pipeline {project.pipeline.name} with images built from a commit",
        )
        for account in sorted({p.account for p in project.pushers}):
            yield Flow(
                account,
                ss,
                "model-build",
                f"{project.name}: personas push to repository {repository_name(resolved, project)}",
            )
