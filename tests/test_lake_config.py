"""Lake Formation configuration rules (no Node): principals that exist, grant option, shares ordering apply."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import config_errors, error_on, line_of, replace_text


def test_lake_flows_order_apply(resolved_example):
    flows = {(f.source, f.target, f.label): f.first for f in resolved_example.flows}
    # Consumers grant on the shared databases after the data account shared them.
    assert flows[("data", "ml-exec", "Lake Formation grants")] == "data"
    assert flows[("data", "ds-dev", "Lake Formation grants")] == "data"
    # The Identity Center roles the data account's Lake Formation names exist before it applies.
    assert flows[("security", "data", "Identity Center roles named by Lake Formation")] == "security"
    order = resolved_example.order
    assert order.index("security") < order.index("data") < order.index("ml-exec") and order.index("data") < order.index(
        "ds-dev"
    )


def test_unknown_admin_persona(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "admin_personas: [platform-admin]", "admin_personas: [platform-admn]")
    d = error_on(config_errors(config_copy), "data.lake_formation.admin_personas[0]")
    assert d.line == line_of(path, "admin_personas:") and "unknown persona 'platform-admn'" in d.message


def test_persona_grant_of_unknown_dataset(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "datasets: [customers, transactions, clickstream_raw, churn]", "datasets: [customers, clicks]")
    d = error_on(config_errors(config_copy), "data.lake_formation.persona_grants[0].datasets[1]")
    assert "unknown dataset 'clicks'" in d.message


def test_grant_without_grant_option(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(
        path,
        "        datasets: [customers]\n        permissions: [SELECT, DESCRIBE]\n",
        "        datasets: [customers]\n        permissions: [SELECT, DESCRIBE]\n        grantable: false\n",
    )
    d = error_on(config_errors(config_copy), "data.lake_formation.grants[1].grantable")
    assert "need the grant option" in d.message and d.line == line_of(path, "grantable: false")
