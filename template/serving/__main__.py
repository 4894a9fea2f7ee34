"""`python -m serving serve|status|stop`: the online service of the staged model version."""

from __future__ import annotations

import click

from ml.settings import SettingsError
from serving.deploy import ServingConfig, serve, status, stop
from upstream import exit_without_teardown


def load_config() -> ServingConfig:
    """Return the serving configuration, or stop with the file and key at fault."""
    try:
        return ServingConfig.load()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Serve the staged model version over HTTP, check it, or stop it."""


@main.command("serve")
def serve_command() -> None:
    """Deploy the staged version, or bring back a service that stopped answering as itself."""
    config = load_config()
    click.echo(serve(config).describe(config))


@main.command("status")
def status_command() -> None:
    """Say which version is served, where, and whether it answers there as itself."""
    config = load_config()
    click.echo(status(config).describe(config))


@main.command("stop")
def stop_command() -> None:
    """Stop the service and remove its deployment."""
    click.echo(stop(load_config()))


if __name__ == "__main__":
    exit_without_teardown(main)
