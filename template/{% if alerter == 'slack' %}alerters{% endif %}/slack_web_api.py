"""A Slack alerter that talks to any Slack Web API URL, through slack-sdk.

ZenML's own Slack alerter always calls slack.com. This flavor takes the API's base
URL from its configuration, so GovSlack, a company proxy or a local stand-in work
too, and it never fails or holds up a pipeline: a post that does not succeed within
`timeout` seconds is logged in one line and given up.
"""

from __future__ import annotations

from typing import Any

from zenml.alerter import BaseAlerter, BaseAlerterConfig, BaseAlerterFlavor
from zenml.logger import get_logger
from zenml.utils.secret_utils import SecretField

from ml.alerts import without_credentials

logger = get_logger(__name__)

FLAVOR_NAME = "slack_web_api"


class SlackWebAPIAlerterConfig(BaseAlerterConfig):
    """Where and how to post: token (a secret reference), channel, API URL, timeout."""

    slack_token: str = SecretField()
    channel_id: str
    api_url: str = "https://slack.com/api/"
    timeout: float = 5.0


class SlackWebAPIAlerter(BaseAlerter):
    """Posts alerts to a Slack channel with `chat.postMessage`."""

    @property
    def config(self) -> SlackWebAPIAlerterConfig:
        """Return the alerter's configuration."""
        return self._config  # type: ignore[return-value]

    def post(self, message: str, params: Any = None) -> bool:
        """Post `message` to the configured channel; return whether Slack accepted it.

        Any failure (no answer in time, refused token, rate limit, unreachable URL)
        is logged in one line that names the cause, and the pipeline goes on.
        """
        try:
            self._client().chat_postMessage(channel=self.config.channel_id, text=message)
        except Exception as error:  # noqa: BLE001 - an alert must never fail a pipeline
            logger.error("Slack alert not sent: %s", describe_failure(error, self.config))
            return False
        return True

    def ask(self, question: str, params: Any = None) -> bool:
        """Post `question`; approval by reply is not supported, so this returns False."""
        self.post(question, params)
        return False

    def _client(self) -> Any:
        """Return a slack-sdk client for the configured URL, without retries."""
        from slack_sdk import WebClient

        api_url = self.config.api_url.rstrip("/") + "/"
        return WebClient(
            token=self.config.slack_token,
            base_url=api_url,
            timeout=self.config.timeout,
            retry_handlers=[],
        )


def describe_failure(error: BaseException, config: SlackWebAPIAlerterConfig) -> str:
    """Return why a post failed, in words a maintainer can act on.

    Neither the token nor credentials in the API's URL appear in what it returns.
    """
    from slack_sdk.errors import SlackApiError

    api_url = without_credentials(config.api_url)

    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = error.response.get("error", "unknown_error")
        if status == 429:
            retry_after = error.response.headers.get("Retry-After", "?")
            return f"Slack is rate-limiting this token (HTTP 429, retry after {retry_after} s)."
        if code in {"invalid_auth", "not_authed", "token_revoked", "account_inactive"}:
            return (
                f"Slack refused the token ({code}). Put a valid bot token in the ZenML "
                "secret that the alerter's slack_token refers to."
            )
        return f"Slack answered HTTP {status} with error '{code}'."
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return f"no answer from {api_url} within {config.timeout:g} s."
    if isinstance(error, OSError):
        reason = getattr(error, "reason", error)
        return without_credentials(f"cannot reach {api_url} ({reason}).")
    return without_credentials(f"{type(error).__name__}: {error}")


class SlackWebAPIAlerterFlavor(BaseAlerterFlavor):
    """Flavor of the Slack alerter with a configurable Web API URL."""

    @property
    def name(self) -> str:
        """Return the flavor's name."""
        return FLAVOR_NAME

    @property
    def config_class(self) -> type[SlackWebAPIAlerterConfig]:
        """Return the configuration class."""
        return SlackWebAPIAlerterConfig

    @property
    def implementation_class(self) -> type[SlackWebAPIAlerter]:
        """Return the alerter class."""
        return SlackWebAPIAlerter
