"""Online serving: the promoted version as a ZenML pipeline deployment over HTTP."""
