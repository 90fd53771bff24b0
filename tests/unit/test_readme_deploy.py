"""README's deploy section stays true to template.yaml and the Makefile."""

import re

import pytest

from dunning_local.template import REPO_ROOT, load_template

pytestmark = pytest.mark.unit

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
DEPLOY = README[README.index("## Deploying to AWS") : README.index("## Tests")]


def test_the_parameter_table_names_every_parameter_with_its_default():
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+?) \|", DEPLOY, re.MULTILINE))
    parameters = load_template().parameters
    assert rows.keys() == parameters.keys()
    for name, default in parameters.items():
        assert rows[name] == ("empty" if default == "" else f"`{default}`"), name


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z][\w-]*):", (REPO_ROOT / "Makefile").read_text(), re.M))
    named = set(re.findall(r"`make ([a-z][\w-]*)", README)) | set(
        re.findall(r"^make ([a-z][\w-]*)", README, re.MULTILINE)
    )
    assert named and named <= targets, named - targets
