"""Glue to ZenML and MLflow that steps and the command line share.

The active stack's components and alerter, the MLflow registry, and the model stages.
"""
