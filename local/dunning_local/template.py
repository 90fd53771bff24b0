"""Read template.yaml as the local runtime needs it: resources, function environments
and event sources, with the intrinsic functions resolved against local names.

The template is the only definition of tables, queues and buckets: the local
runtime builds everything from what this module reads.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]


def in_checkout() -> bool:
    """Whether this package is run from the project's checkout (tests, editable install)."""
    return (PACKAGE_CHECKOUT / "template.yaml").is_file()


def project_root() -> Path:
    """The checkout the local runtime works in (template.yaml, functions/, templates/,
    node_modules/): the package's own, or for an installed package DUNNING_PROJECT_DIR
    or the current directory."""
    if in_checkout():
        return PACKAGE_CHECKOUT
    named = os.environ.get("DUNNING_PROJECT_DIR")
    return Path(named).resolve() if named else Path.cwd()


REPO_ROOT = project_root()
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub ...)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class EventSource:
    function: str
    kind: str  # SQS, S3, ScheduleV2, Api
    properties: dict[str, Any]


@dataclass
class Template:
    parameters: dict[str, Any]
    globals_env: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    events: list[EventSource] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::Serverless::Function")


def load_template(path: Path = TEMPLATE_PATH) -> Template:
    doc = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    defaults = {k: v.get("Default") for k, v in doc.get("Parameters", {}).items()}
    globals_env = doc.get("Globals", {}).get("Function", {}).get("Environment", {})
    template = Template(
        defaults, globals_env.get("Variables", {}), doc["Resources"], outputs=doc.get("Outputs", {})
    )
    for name, fn in template.functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            template.events.append(EventSource(name, event["Type"], event.get("Properties", {})))
    return template


def code_dir(function: dict[str, Any]) -> str:
    """A function's code folder: its CodeUri, or for a container image the folder of
    its Dockerfile (which copies the handler from there)."""
    props = function["Properties"]
    if props.get("PackageType") == "Image":
        return str(Path(function["Metadata"]["Dockerfile"]).parent)
    return str(props["CodeUri"])


_DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:(.+?):SecretString\}\}")


class Resolver:
    """Resolves Ref, GetAtt and Sub against the local physical names and ARNs.

    Our own, after reading what the libraries offer: samtranslator's
    IntrinsicsResolver substitutes parameter values into Ref and Sub, but its GetAtt
    only renames logical ids (`Function.Alias`), never yields a value; cfn-lint's
    resolvers enumerate possible values inside its validator to check them, and
    leave GetAtt unresolved. Neither maps a resource to the name, URL or ARN the
    embedded AWS gave it.
    """

    def __init__(
        self,
        parameters: dict[str, Any],
        refs: dict[str, str],
        attrs: dict[str, str],
        secrets: dict[str, str] | None = None,
    ):
        self.parameters = parameters
        self.refs = refs  # logical id -> what !Ref gives (name or URL)
        self.attrs = attrs  # "Logical.Attr" -> value
        self.secrets = secrets or {}  # ARN -> value, for {{resolve:secretsmanager:...}}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.attrs[".".join(arg)]
            if key == "Fn::Sub":
                text = re.sub(r"\$\{([^}]+)\}", lambda m: self.sub_var(m.group(1)), arg)
                return self.dynamic(text)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value

    def dynamic(self, text: str) -> str:
        """CloudFormation's dynamic references to the template's own secrets, resolved."""
        return _DYNAMIC_SECRET.sub(lambda m: self.secrets[m.group(1)], text)

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return str(self.parameters[name])
        return self.refs[name]

    def sub_var(self, name: str) -> str:
        if name in self.attrs:
            return self.attrs[name]
        pseudo = {
            "AWS::Region": "eu-west-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "dunning",
        }
        return pseudo.get(name) or self.ref(name)
