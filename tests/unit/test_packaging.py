"""What Lambda runs is what the tests ran: the Lambda requirements are the lock's pins,
the lock satisfies pyproject, and the render image is built as the template says."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dunning_local.template import REPO_ROOT, load_template

pytestmark = pytest.mark.unit

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
LOCK = REPO_ROOT / "requirements" / "lock.txt"
LAYER = REPO_ROOT / "shared" / "requirements.txt"
IMAGE = REPO_ROOT / "functions" / "render_and_send" / "requirements.txt"
DOCKERFILE = REPO_ROOT / "functions" / "render_and_send" / "Dockerfile"
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(path: Path) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PIN.findall(path.read_text())}


def hashed(path: Path) -> bool:
    """Every pin carries at least one hash (pip --require-hashes refuses the file otherwise)."""
    blocks = re.split(r"\n(?=[A-Za-z0-9])", path.read_text())
    return all("--hash=sha256:" in b for b in blocks if PIN.match(b))


def own(requirements: list[str]) -> list[Requirement]:
    """pyproject's requirements, without the project's references to its own extras."""
    return [r for r in map(Requirement, requirements) if r.name != PYPROJECT["name"]]


def assert_satisfied(requirements: list[Requirement], pinned: dict[str, str], python: str):
    for req in requirements:
        env = {"python_version": python, "sys_platform": "linux", "platform_machine": "x86_64"}
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        version = pinned.get(canonicalize_name(req.name))
        assert version is not None, f"{req.name} is not pinned"
        assert req.specifier.contains(version, prereleases=True), (req, version)


@pytest.mark.parametrize("lambda_file", [LAYER, IMAGE], ids=["layer", "image"])
def test_the_lambda_requirements_are_the_lock_s_pins_with_hashes(lambda_file: Path):
    lock = pins(LOCK)
    mine = pins(lambda_file)
    assert mine, lambda_file
    assert {name: lock.get(name) for name in mine} == mine
    assert hashed(lambda_file)


def test_the_layer_holds_pyproject_s_dependencies_and_the_image_adds_the_render_extra():
    extras = PYPROJECT["optional-dependencies"]
    assert_satisfied(own(PYPROJECT["dependencies"]), pins(LAYER), "3.12")
    assert_satisfied(own(PYPROJECT["dependencies"] + extras["render"]), pins(IMAGE), "3.12")
    assert "weasyprint" not in pins(LAYER)  # the zip functions stay light


@pytest.mark.parametrize("python", ["3.11", "3.12"])
def test_the_lock_satisfies_every_requirement_of_pyproject(python: str):
    extras = PYPROJECT["optional-dependencies"]
    everything = PYPROJECT["dependencies"] + [r for group in extras.values() for r in group]
    assert_satisfied(own(everything), pins(LOCK), python)
    assert hashed(LOCK)


def test_the_majors_that_would_break_us_are_bounded():
    requirements = own(PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["render"])
    bounded = {r.name for r in requirements if any(s.operator == "<" for s in r.specifier)}
    assert {"weasyprint", "aws-lambda-powertools", "pynamodb"} <= bounded


def test_the_render_image_is_built_by_sam_from_its_dockerfile():
    fn = load_template().functions()["RenderAndSendFunction"]
    assert fn["Properties"]["PackageType"] == "Image"
    meta = fn["Metadata"]
    assert (REPO_ROOT / meta["DockerContext"] / meta["Dockerfile"]) == DOCKERFILE


def test_the_dockerfile_has_the_render_runtime_s_essentials():
    """What hadolint cannot say: Lambda's own base image, Pango with HarfBuzz's subsetter
    and the fonts print.css names, the locked requirements, and the handler."""
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM public\.ecr\.aws/lambda/python:3\.12$", text, re.MULTILINE)
    install = re.search(r"dnf install -y ([^&]+)", text)
    assert install
    assert {"pango", "harfbuzz", "fontconfig", "dejavu-sans-fonts", "liberation-sans-fonts"} <= set(
        install.group(1).split()
    )
    assert "ctypes.CDLL('libharfbuzz-subset.so.0')" in text  # the build fails without it
    assert "--require-hashes" in text and "functions/render_and_send/requirements.txt" in text
    assert "COPY templates/ /opt/" in text  # where composition.templates_dir() looks
    assert re.search(r'^CMD \["handler\.lambda_handler"\]$', text, re.MULTILINE)
