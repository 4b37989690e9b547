"""modules.literal: what mlops-tf writes as text stays text for Terraform; references stay live."""

import json

from modules.literal import hcl_string, json_text, text
from modules.policy import document, statement
from modules.templates import render


def test_text_escapes_interpolations_and_directives():
    assert text('echo "${GROUP%%/*}" %{ if x }') == 'echo "$${GROUP%%/*}" %%{ if x }'
    # An already-escaped sequence stays literal too: Terraform reads $$${ as "$" then "${".
    assert text("$${X}") == "$$${X}"
    assert text("no templates: $HOME %d {}") == "no templates: $HOME %d {}"


def test_text_keeps_cdktf_tokens_live():
    assert text("arn=${TfToken[TOKEN.12]}/${USER}") == "arn=${TfToken[TOKEN.12]}/$${USER}"


def test_json_text_is_canonical_and_escaped():
    assert json_text({"b": "${aws:username}", "a": 1}) == '{"a":1,"b":"$${aws:username}"}'


def test_hcl_string_quotes_for_an_expression():
    assert hcl_string('a"b\\c\n${x}%{y}') == '"a\\"b\\\\c\\n$${x}%%{y}"'


def test_policy_variables_are_literal():
    doc = document(statement("Own", "s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"))
    assert json.loads(doc)["Statement"][0]["Resource"] == "arn:aws:s3:::b/$${aws:username}/*"


def test_buildspec_shell_is_literal():
    spec = render("trigger_buildspec.yaml.j2", pipeline_name="p")
    assert "$${MODEL_PACKAGE_ARN}" in spec
    assert "${MODEL_PACKAGE_ARN}" not in spec.replace("$${", "")
