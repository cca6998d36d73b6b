"""What "tiny" means in the tests, in one place: ``configs`` (override lists for
``--set`` / ``load_config``), ``models`` (small in-process models) and
``model_module.py`` (a file of user models for ``--model-module``)."""


def quiet(_message: str) -> None:
    """A ``log`` callback that drops messages."""
