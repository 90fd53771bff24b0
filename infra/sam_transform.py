"""Transform template.yaml offline with samtranslator and print the CloudFormation JSON.

cfn-lint does not check properties inside AWS::Serverless::* resources, so
`make lint-template` also lints what SAM turns them into.
"""

import json
import os
import sys

from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

# Values for parameters without a default (none today; tests pass these too).
PLACEHOLDERS: dict[str, str] = {}
# What `sam build` + `sam deploy` would put in the place of the local image.
IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dunning:render-python3.12"


def as_packaged(sam: dict) -> dict:
    """Point local code folders at S3 and image functions at a registry, as `sam package`
    would, so the transform accepts them."""
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        if props.get("PackageType") == "Image":
            props.setdefault("ImageUri", IMAGE_URI)
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://packaged-artifacts/{props[key].strip('/')}.zip"
    return sam


def main(path: str) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    with open(path) as f:
        sam = as_packaged(yaml_parse(f.read()))
    translator = Translator(managed_policy_map={}, sam_parser=Parser())
    cfn = translator.translate(
        sam, parameter_values=dict(PLACEHOLDERS), get_managed_policy_map=dict
    )
    json.dump(cfn, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
