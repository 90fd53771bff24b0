"""Print template.yaml without its container-image functions, as JSON, for `sam build`.

`sam build` builds an image function with Docker and stops when there is none
(these development machines have none); `make build` then builds every zip
function and layer from this copy, and the image's Dockerfile is linted instead.
"""

import json
import sys

from samtranslator.yaml_helper import yaml_parse


def without_images(sam: dict) -> tuple[dict, list[str]]:
    """The template minus its image functions, and their logical ids."""
    images = [
        name
        for name, resource in sam["Resources"].items()
        if resource.get("Properties", {}).get("PackageType") == "Image"
    ]
    for name in images:
        del sam["Resources"][name]
    return sam, images


def main(path: str) -> None:
    with open(path) as f:
        sam, images = without_images(yaml_parse(f.read()))
    for name in images:
        print(f"zip_only: {name} is a container image, left out (no Docker)", file=sys.stderr)
    json.dump(sam, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
