"""Alerts sent through the stack's alerter when pipelines succeed or fail."""

from steps.alerts.notify_on_failure import notify_on_failure
from steps.alerts.notify_on_success import notify_on_success

__all__ = ["notify_on_failure", "notify_on_success"]
