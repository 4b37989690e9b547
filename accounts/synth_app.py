"""The cdktf App of every synthesis, and the one cdktf check it keeps.

cdktf checks the Terraform version behind each import block, cloud backend and terraform_data by running
`terraform version` in a shell, once per construct: ~45 ms each (13 times for the example, 8 of them in
the management stack), and a synthesis fails outright where no terraform is installed (a CI job that only
synthesizes for Terraform Cloud). Every stack declares `required_version` (accounts/base.py), which the
Terraform that runs it enforces, so the App skips cdktf's validation and `synth` runs the check that needs
no binary: each stack's ValidateProviderPresence (a resource without its provider).
https://developer.hashicorp.com/terraform/language/terraform#terraform-required_version
"""

from __future__ import annotations

from cdktf import App, TerraformStack


def new_app(outdir: str) -> App:
    """An App whose synth runs no `terraform version` (see the module docstring)."""
    return App(outdir=outdir, skip_validation=True)


def synth(app: App) -> None:
    """Check each stack's providers, then write the app; a failed check raises and writes nothing."""
    errors = [
        f"[{child.node.path}] {message}"
        for child in app.node.children
        if TerraformStack.is_stack(child)
        for message in child.node.validate()
    ]
    if errors:
        raise RuntimeError("cdktf validation failed:\n  " + "\n  ".join(errors))
    app.synth()
