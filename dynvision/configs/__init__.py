"""Default YAML configs shipped with DynVision (``default.yaml``)."""
