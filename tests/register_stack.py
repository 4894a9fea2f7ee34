"""Register the project's stack in its ZenML store without activating any remote engine.

Runs inside a rendered project: creates the secrets the stack refers to with dummy
values, registers the stack through the project's own set-up functions, and prints,
as JSON, the integration each registered component's flavor belongs to, and what
`zenml integration install` would install for the integrations named as arguments.
A stack file with a placeholder left stops it before ZenML is imported.
"""

from __future__ import annotations

import json
import os
import sys

# Runs with the project on PYTHONPATH, as scripts/setup_stack.py is imported there.
from scripts.setup_stack import SECRET_REFERENCE, ensure_stack, load_stack_spec


def main() -> None:
    """Register the stack, then report its components' flavors and integrations."""
    spec = load_stack_spec()
    from zenml.client import Client
    from zenml.integrations.registry import integration_registry

    client = Client()
    secrets: dict[str, dict[str, str]] = {}
    for component in spec["components"].values():
        for value in (component.get("configuration") or {}).values():
            match = SECRET_REFERENCE.match(str(value))
            if match:
                secrets.setdefault(match.group(1), {})[match.group(2)] = "dummy"
    for name, values in secrets.items():
        client.create_secret(name, values=values)
    ensure_stack(spec)
    stack = client.get_stack(spec["name"])
    components = {
        kind.value: {
            "flavor": components[0].flavor_name,
            "integration": components[0].flavor.integration,
        }
        for kind, components in stack.components.items()
    }
    requirements = {
        requirement
        for name in sys.argv[1:]
        for requirement in integration_registry.select_integration_requirements(name)
    }
    print(json.dumps({"components": components, "requirements": sorted(requirements)}))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
