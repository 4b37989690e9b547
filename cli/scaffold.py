"""Render a new landing zone from the templates in cli/templates (used by `mlops-tf init`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from importlib import resources

import jinja2

from config.json_schema import SCHEMA_FILES, json_schemas, schema_text

# Kinds a user may choose; management and security are always part of a landing zone.
MEMBER_KINDS = ("data", "shared-services", "data-science", "ml-execution", "staging", "production")
ALWAYS = ("management", "security")
# The file (account name) each single-account kind gets; data-science accounts are ds-<n>.
ACCOUNT_NAME = {
    "data": "data",
    "shared-services": "shared-services",
    "ml-execution": "ml-exec",
    "staging": "staging",
    "production": "production",
}
TEMPLATE_OF_KIND = {
    "management": "management.yaml.j2",
    "security": "security.yaml.j2",
    "data": "data.yaml.j2",
    "shared-services": "shared-services.yaml.j2",
    "data-science": "data-science.yaml.j2",
    "ml-execution": "ml-execution.yaml.j2",
    "staging": "inference.yaml.j2",
    "production": "inference.yaml.j2",
}
# Kinds that read the lake, so the data account grants them the example dataset.
LAKE_CONSUMER_KINDS = ("data-science", "ml-execution")


@dataclass(frozen=True)
class ScaffoldOptions:
    """Everything `init` asks for."""

    prefix: str
    management_account_id: str
    home_region: str
    regions: tuple[str, ...]
    vending: str = "organizations"
    state_backend: str = "s3"
    state_bucket: str | None = None
    kinds: tuple[str, ...] = MEMBER_KINDS
    teams: int = 1
    email_domain: str = "example.com"
    account_factory_product_id: str | None = None
    organization_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def team_name(index: int) -> str:
    """Name of the index-th (1-based) data-science account."""
    return f"ds-{index}"


def team_cidr(index: int) -> str:
    """A distinct /16 per team, so that peered or shared networks never overlap: 10.(19+index).0.0/16."""
    return str(ipaddress.ip_network(f"10.{(19 + index) % 256}.0.0/16"))


def account_names(options: ScaffoldOptions) -> list[tuple[str, str]]:
    """(name, kind) of every account the landing zone gets, management first."""
    out = [("management", "management"), ("security", "security")]
    for kind in MEMBER_KINDS:
        if kind not in options.kinds:
            continue
        if kind == "data-science":
            out.extend((team_name(i), kind) for i in range(1, options.teams + 1))
        else:
            out.append((ACCOUNT_NAME[kind], kind))
    return out


def environment() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(resources.files("cli") / "templates"))
    return jinja2.Environment(
        loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )


def render_account(options: ScaffoldOptions, name: str, kind: str) -> str:
    """The YAML text of one account file."""
    accounts = account_names(options)
    context = _context(options, accounts)
    index = int(name.rsplit("-", 1)[1]) if kind == "data-science" and name.rsplit("-", 1)[-1].isdigit() else 1
    return (
        environment()
        .get_template(TEMPLATE_OF_KIND[kind])
        .render(
            **context,
            name=name,
            kind=kind,
            cidr=team_cidr(index),
            schema_line=_schema_line("accounts/"),
        )
    )


def render(options: ScaffoldOptions) -> dict[str, str]:
    """Relative path -> text of every file of the new landing zone (YAML files and the two JSON Schemas)."""
    accounts = account_names(options)
    context = _context(options, accounts)
    env = environment()
    files = {
        "landing-zone.yaml": env.get_template("landing-zone.yaml.j2").render(**context, schema_line=_schema_line(""))
    }
    for name, kind in accounts:
        files[f"accounts/{name}.yaml"] = render_account(options, name, kind)
    files["checkov-skips.yaml"] = env.get_template("checkov-skips.yaml.j2").render(**context)
    for key, schema in json_schemas().items():
        files[f"schemas/{SCHEMA_FILES[key]}"] = schema_text(schema)
    return files


def _schema_line(folder: str):
    """The yaml-language-server modeline: editors validate and complete the file against the schema."""
    up = "../" if folder else ""

    def line(key: str) -> str:
        return f"# yaml-language-server: $schema={up}schemas/{SCHEMA_FILES[key]}"

    return line


def _context(options: ScaffoldOptions, accounts: list[tuple[str, str]]) -> dict:
    def email(name: str) -> str:
        return f"aws+{options.prefix}-{name}@{options.email_domain}"

    kinds = [kind for _, kind in accounts]
    return {
        "prefix": options.prefix,
        "home_region": options.home_region,
        "regions": list(options.regions),
        "management_account_id": options.management_account_id,
        "vending": options.vending,
        "account_factory_product_id": options.account_factory_product_id,
        "organization_id": options.organization_id,
        "state_backend": options.state_backend,
        # Bucket names are global: prefix and management account id make this one unique to the organization.
        "state_bucket": options.state_bucket or f"{options.prefix}-tfstate-{options.management_account_id}",
        "kinds": kinds,
        "member_kinds": [k for k in MEMBER_KINDS if k in kinds],
        "lake_consumers": [name for name, kind in accounts if kind in LAKE_CONSUMER_KINDS],
        "alert_email": f"security-alerts@{options.email_domain}",
        "email": email,
    }
