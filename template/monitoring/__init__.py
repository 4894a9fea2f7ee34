"""Monitoring of the staged model over time: the batch history, late labels, the trigger."""
