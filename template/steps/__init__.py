"""ZenML steps: thin wrappers that connect the plain logic in `ml` to pipelines."""
