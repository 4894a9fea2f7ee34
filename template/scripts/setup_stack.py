"""Register and activate the ZenML stack described in configs/stack.yaml.

Safe to run again: components and the stack that exist already are kept, or updated
to match the file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STACK_FILE = PROJECT_ROOT / "configs" / "stack.yaml"
# A configuration value that refers to a key of a ZenML secret: {{secret_name.key}}
SECRET_REFERENCE = re.compile(r"^\{\{\s*([^.\s]+)\.([^}\s]+)\s*\}\}$")


def load_stack_spec(path: Path = STACK_FILE) -> dict[str, Any]:
    """Return the stack description, checking the fields this script needs."""
    spec = yaml.safe_load(path.read_text()) or {}
    if not spec.get("name") or not spec.get("components"):
        raise SystemExit(f"{path} must name the stack and list its components.")
    return spec


def check_secret_references(client: Any, kind: str, configuration: dict[str, Any]) -> None:
    """Stop with the command that creates a secret the configuration refers to but lacks."""
    for field, value in configuration.items():
        match = SECRET_REFERENCE.match(str(value))
        if not match:
            continue
        secret_name, key = match.groups()
        try:
            values = client.get_secret(secret_name).secret_values
        except KeyError:
            values = None
        if values is None or key not in values:
            problem = "does not exist" if values is None else f"has no key '{key}'"
            raise SystemExit(
                f"The {kind} reads its {field} from the ZenML secret '{secret_name}', "
                f"which {problem}. Create it with\n"
                f"  zenml secret create {secret_name} --{key}=<value>\n"
                "(or `zenml secret update` it), then run `make setup` again."
            )


def ensure_flavor(client: Any, kind: str, component: dict[str, Any]) -> None:
    """Register the project's own flavor of a component when it names a flavor source."""
    from zenml.enums import StackComponentType

    source = component.get("flavor_source")
    if not source:
        return
    component_type = StackComponentType(kind)
    try:
        client.get_flavor_by_name_and_type(component["flavor"], component_type)
    except KeyError:
        client.create_flavor(source=source, component_type=component_type)
        print(f"Registered {kind} flavor '{component['flavor']}' from {source}.")


def ensure_component(client: Any, kind: str, component: dict[str, Any]) -> str:
    """Register one component, or update an existing one of that name; return its name."""
    from zenml.enums import StackComponentType

    component_type = StackComponentType(kind)
    configuration = component.get("configuration") or {}
    check_secret_references(client, kind, configuration)
    ensure_flavor(client, kind, component)
    try:
        existing = client.get_stack_component(component_type, component["name"])
    except KeyError:
        client.create_stack_component(
            name=component["name"],
            flavor=component["flavor"],
            component_type=component_type,
            configuration=configuration,
        )
        print(f"Registered {kind} '{component['name']}' ({component['flavor']}).")
        return component["name"]
    if existing.flavor_name != component["flavor"]:
        raise SystemExit(
            f"A {kind} named '{component['name']}' exists with flavor "
            f"'{existing.flavor_name}', not '{component['flavor']}'. Rename the "
            f"component in {STACK_FILE} or delete the old one with "
            f"`zenml {kind.replace('_', '-')} delete {component['name']}`."
        )
    if configuration:
        client.update_stack_component(
            component["name"], component_type, configuration=configuration
        )
    return component["name"]


def ensure_stack(spec: dict[str, Any]) -> None:
    """Register or update the stack from `spec` and make it the active stack."""
    from zenml.client import Client
    from zenml.enums import StackComponentType

    if not Client.find_repository(PROJECT_ROOT):
        Client.initialize(root=PROJECT_ROOT)
    client = Client()
    components = {
        StackComponentType(kind): ensure_component(client, kind, component)
        for kind, component in spec["components"].items()
    }
    try:
        client.get_stack(spec["name"])
    except KeyError:
        client.create_stack(name=spec["name"], components=components)
        print(f"Registered stack '{spec['name']}'.")
    else:
        client.update_stack(
            spec["name"], component_updates={kind: [name] for kind, name in components.items()}
        )
    client.activate_stack(spec["name"])
    print(f"Stack '{spec['name']}' is active.")


def main() -> None:
    """Set up the stack, telling the user how to connect a server when one is named."""
    spec = load_stack_spec()
    server_url = spec.get("zenml_server_url")
    if server_url:
        from zenml.client import Client

        if Client().zen_store.type != "rest":
            sys.exit(
                f"This project uses the ZenML server at {server_url}. Connect to it "
                f"first with `zenml login {server_url}`, then run `make setup` again."
            )
    ensure_stack(spec)


if __name__ == "__main__":
    main()
