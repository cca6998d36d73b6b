"""The tiny user-model file the tests pass as ``--model-module`` (it must exist on disk).

Keep it to these classes: loading the file registers every model class it defines."""
from dynvision.model_components import LightningBase, RecurrentConnectedConv2d


class TinyNet(LightningBase):
    """One 4-channel area on 8x8 grey digits."""

    region_layer_map = {"V1": "V1", "V4": "V1", "IT": "V1"}

    def __init__(self, recurrence_type: str = "self", **kwargs):
        kwargs.setdefault("input_dims", (4, 1, 8, 8))
        super().__init__(**kwargs)
        self.recurrence_type = recurrence_type

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, kernel_size=3, recurrence_type=self.recurrence_type)


class MyModel(TinyNet):
    """The spec's ``MyModel``: a user model by that name."""
