"""The mlops-tf command line (Typer). Each command group lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from modules import jsii_transport

from . import (
    accounts,
    apply,
    bootstrap,
    destroy,
    diff,
    docs,
    graph,
    init,
    output,
    plan,
    scan,
    schema,
    synth,
    tfc,
    validate,
)
from .common import Settings

app = typer.Typer(
    name="mlops-tf",
    help=(
        "Multi-account SageMaker MLOps landing zones on AWS: one YAML configuration, validated offline, "
        "synthesized to Terraform JSON with CDK for Terraform.\n\n"
        "Start with: mlops-tf init (a new landing zone), mlops-tf validate, then mlops-tf accounts, then "
        "mlops-tf synth."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain Click help re-wraps the docstrings' paragraphs to the terminal; Rich mode keeps their
    # hard line breaks and wraps again, which leaves ragged half-empty lines.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False) -> None:
    Settings.debug = debug


app.command("init")(init.init)
app.command("add-account")(init.add_account)
app.command("validate")(validate.validate)
app.command("accounts")(accounts.accounts)
app.command("lock")(accounts.lock)
app.command("synth")(synth.synth)
app.command("diff")(diff.diff)
app.command("graph")(graph.graph)
app.command("plan")(plan.plan)
app.command("apply")(apply.apply)
app.command("destroy")(destroy.destroy)
app.command("output")(output.output)
app.command("bootstrap")(bootstrap.bootstrap)
app.command("tfc")(tfc.tfc)
app.command("scan")(scan.scan)
app.command("schema")(schema.schema)
app.command("docs", hidden=True)(docs.command(app))


def main() -> None:
    try:
        app(prog_name="mlops-tf")
    except SystemExit as done:
        jsii_transport.exit_process(done.code)
