"""Register and activate the ZenML stack described in configs/stack.yaml.

configs/stack.local.yaml, the user's own settings, is merged over it. Before anything
is registered, placeholders left unfilled and ZenML secrets that the configuration
refers to but that do not exist stop the set-up with what to do. Safe to run again:
components and the stack that exist already are updated to match the files.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STACK_FILE = PROJECT_ROOT / "configs" / "stack.yaml"
LOCAL_STACK_FILE = PROJECT_ROOT / "configs" / "stack.local.yaml"
# A part of a value that the user must fill in, such as <bucket>
PLACEHOLDER = re.compile(r"<[^<>]+>")
# A configuration value that refers to a key of a ZenML secret: {{secret_name.key}}
SECRET_REFERENCE = re.compile(r"^\{\{\s*([^.\s]+)\.([^}\s]+)\s*\}\}$")
# A URL with a user name or password in it, such as https://user:password@host
URL_WITH_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s]*@")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with `override` merged in, mapping by mapping."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def fields_with_credentials(value: Any, where: str = "") -> list[str]:
    """Return the dotted names of the fields in `value` whose URL holds credentials."""
    if isinstance(value, dict):
        return [
            field
            for key, item in value.items()
            for field in fields_with_credentials(item, f"{where}.{key}" if where else str(key))
        ]
    if isinstance(value, list):
        return [
            field
            for index, item in enumerate(value)
            for field in fields_with_credentials(item, f"{where}[{index}]")
        ]
    if isinstance(value, str) and URL_WITH_CREDENTIALS.search(value):
        return [where]
    return []


def load_stack_spec(path: Path = STACK_FILE, local: Path = LOCAL_STACK_FILE) -> dict[str, Any]:
    """Return the stack description with the user's local settings merged over it.

    A configuration value with a part in <angle brackets> is a placeholder the user
    must replace; it stops the set-up with the component and field it belongs to. So
    does a URL with a user name or password in it, which the files must never hold.
    """
    spec = yaml.safe_load(path.read_text()) or {}
    if local.exists():
        spec = deep_merge(spec, yaml.safe_load(local.read_text()) or {})
    for field in fields_with_credentials(spec):
        raise SystemExit(
            f"{field} holds credentials in its URL (user:password@): remove them from "
            f"{path.name} and {local.name}, and keep them in a ZenML secret referenced as "
            '"{{secret_name.key}}" (for a ZenML server, log in with `zenml login URL`).'
        )
    if not spec.get("name") or not spec.get("components"):
        raise SystemExit(f"{path} must name the stack and list its components.")
    for kind, component in spec["components"].items():
        for field, value in (component.get("configuration") or {}).items():
            if isinstance(value, str) and PLACEHOLDER.search(value):
                raise SystemExit(
                    f"{kind}.configuration.{field} is still a placeholder: {value}. Set it "
                    f"in {local} (which `copier update` never touches), then run "
                    "`make setup` again."
                )
    return spec


def check_secret_references(client: Any, kind: str, configuration: dict[str, Any]) -> None:
    """Stop with the command that creates a secret the configuration refers to but lacks."""
    for field, value in configuration.items():
        match = SECRET_REFERENCE.match(str(value))
        if not match:
            continue
        secret_name, key = match.groups()
        try:
            secret = client.get_secret(secret_name, allow_partial_name_match=False)
            values = secret.secret_values
        except KeyError:
            values = None
        if values is None or key not in values:
            problem = "does not exist" if values is None else f"has no key '{key}'"
            raise SystemExit(
                f"The {kind} reads its {field} from the ZenML secret '{secret_name}', "
                f"which {problem}. Create it with\n"
                f"  zenml secret create {secret_name} -i\n"
                f"and enter the key '{key}' and its value when asked (a value typed on "
                "the command line stays in your shell history), or `zenml secret update "
                f"{secret_name} -i` an existing one. Then run `make setup` again."
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
        connect_component(client, kind, component)
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
    connect_component(client, kind, component)
    return component["name"]


def connect_component(client: Any, kind: str, component: dict[str, Any]) -> None:
    """Give the component the credentials of the service connector it names, if any."""
    from zenml.enums import StackComponentType

    connector_name = component.get("connector")
    if not connector_name:
        return
    try:
        connector = client.get_service_connector(connector_name)
    except KeyError:
        raise SystemExit(
            f"The {kind} '{component['name']}' uses the service connector "
            f"'{connector_name}', which does not exist. Register it with "
            f"`zenml service-connector register {connector_name} --type <aws|gcp|azure|"
            "kubernetes> --auto-configure` (see `zenml service-connector register --help`), "
            "then run `make setup` again."
        ) from None
    client.update_stack_component(
        component["name"], StackComponentType(kind), connector_id=connector.id
    )


def ensure_stack(spec: dict[str, Any]) -> None:
    """Register or update the stack from `spec` and make it the active stack."""
    from zenml.client import Client
    from zenml.enums import StackComponentType

    client = Client()
    components = {
        StackComponentType(kind): ensure_component(client, kind, component)
        for kind, component in spec["components"].items()
    }
    try:
        existing = client.get_stack(spec["name"])
    except KeyError:
        client.create_stack(name=spec["name"], components=components)
        print(f"Registered stack '{spec['name']}'.")
    else:
        # Components the file no longer lists leave the stack.
        dropped = {kind: [] for kind in existing.components if kind not in components}
        updates = {kind: [name] for kind, name in components.items()}
        client.update_stack(spec["name"], component_updates={**updates, **dropped})
    client.activate_stack(spec["name"])
    print(f"Stack '{spec['name']}' is active.")


def main() -> None:
    """Set up the stack, telling the user how to connect a server when one is named.

    The project folder becomes a ZenML repository first, so that the stack is
    activated for this project rather than for every project of the user.
    """
    from zenml.client import Client

    spec = load_stack_spec()
    if not Client.find_repository(PROJECT_ROOT):
        Client.initialize(root=PROJECT_ROOT)
    server_url = spec.get("zenml_server_url")
    if server_url:
        if Client().zen_store.type != "rest":
            sys.exit(
                f"This project uses the ZenML server at {server_url}. Connect to it "
                f"first with `zenml login {server_url}`, then run `make setup` again."
            )
    ensure_stack(spec)


if __name__ == "__main__":
    main()
