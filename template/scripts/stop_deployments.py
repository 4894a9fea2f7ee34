"""Stop and remove the model deployment services that this project's runs started."""

from __future__ import annotations

from pathlib import Path

import yaml

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def main() -> None:
    """Delete every service of the stack's model deployer that serves this model."""
    from zenml.client import Client

    model_name = yaml.safe_load((CONFIGS / "training.yaml").read_text())["model"]["name"]
    deployer = Client().active_stack.model_deployer
    if deployer is None:
        print("The active stack has no model deployer: nothing to stop.")
        return
    services = deployer.find_model_server(model_name=model_name)
    for service in services:
        deployer.delete_model_server(service.uuid, force=True)
        print(f"Stopped and removed the service {service.uuid} of '{model_name}'.")
    if not services:
        print(f"No deployment service of '{model_name}' is left.")


if __name__ == "__main__":
    main()
