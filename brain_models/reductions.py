"""Names of the feature reductions (:mod:`brain_models.features`), importable without torch
so that command-line parsers can offer them."""

REDUCTIONS = ("pca", "pool", "project", "none")
DEFAULT_REDUCTION = "pca"
REDUCTION_HELP = ("how each layer is reduced to --max-features features: pca (default; principal components "
                  "fitted on a fixed offline image set, keeps space), pool (spatial average pooling), "
                  "project (random projection), none (every unit)")
