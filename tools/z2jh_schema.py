"""`python -m tools.z2jh_schema SCHEMA VALUES`: the part of Zero to JupyterHub's values schema that our values use.

The chart's `jupyterhub/values.schema.yaml` is a JSON schema of ~130 kB. This keeps, for every key our values
file sets, the schema of that key and, at each level on the way, the names of all its siblings (so that an
object closed with `additionalProperties: false` still refuses a key the chart does not have); other subtrees
and all descriptions are dropped. tests/test_hub_configs.py validates deploy/z2jh/values.yaml against the result
and fails when the values use a key the extract does not describe (then run this again on the chart's schema).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml


def _without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_without_descriptions(v) for v in node]
    return node


def extract(schema: dict[str, Any], values: Any, root: bool = True) -> dict[str, Any]:
    """The schema of `values` within `schema`: full along the keys values set, names only beside them."""
    properties = schema.get("properties")
    if not isinstance(values, dict) or not isinstance(properties, dict):
        return _without_descriptions(schema)
    kept = {k: _without_descriptions(v) for k, v in schema.items()
            if k not in ("properties", "description") and not (root and k == "required")}
    kept["properties"] = {name: extract(sub, values[name], root=False) if name in values else {}
                          for name, sub in properties.items()}
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.z2jh_schema", description=__doc__.split("\n\n")[0])
    parser.add_argument("schema", type=Path, help="the chart's jupyterhub/values.schema.yaml")
    parser.add_argument("values", type=Path, help="our values file (deploy/z2jh/values.yaml)")
    parser.add_argument("--source", default="", help="a comment line naming where the schema came from")
    args = parser.parse_args(argv)
    schema = yaml.safe_load(args.schema.read_text(encoding="utf-8"))
    values = yaml.safe_load(args.values.read_text(encoding="utf-8"))
    if args.source:
        print(f"# {args.source}")
    print(f"# Made by: python -m tools.z2jh_schema values.schema.yaml {args.values.as_posix()}")
    yaml.safe_dump(extract(schema, values), sys.stdout, sort_keys=False, width=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
