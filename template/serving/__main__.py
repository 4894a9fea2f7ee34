"""`python -m serving serve|status|stop`: the online service of the staged model version."""

from __future__ import annotations

import click

from ml.settings import ServingConfig
from serving.deploy import serve, status, stop
from upstream import exit_without_teardown


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Serve the staged model version over HTTP, check it, or stop it."""


@main.command("serve")
def serve_command() -> None:
    """Deploy the staged version, or bring back a service that stopped answering as itself."""
    config = ServingConfig.load()
    click.echo(serve(config).describe(config))


@main.command("status")
def status_command() -> None:
    """Say which version is served, where, and whether it answers there as itself."""
    config = ServingConfig.load()
    click.echo(status(config).describe(config))


@main.command("stop")
def stop_command() -> None:
    """Stop the service and remove its deployment."""
    click.echo(stop(ServingConfig.load()))


if __name__ == "__main__":
    exit_without_teardown(main)
