"""Bad configs are refused at validation, naming the key and where the value came from."""
from __future__ import annotations

import resource
import time

import pytest

from dynvision.config import ConfigError, load_config
from dynvision.config.yaml_io import MAX_YAML_NODES, parse_yaml


def _bomb(levels: int = 9) -> str:
    """The "billion laughs" document: each level lists the previous one 10 times."""
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_a_nine_level_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(9))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    # level i is a list of 10 copies of level i-1: (10**(i+2) - 1) / 9 values; plus 9 keys and the root
    total = 1 + 9 + sum((10 ** (i + 2) - 1) // 9 for i in range(9))
    with pytest.raises(ConfigError, match=rf"{path}: expands to {total:,} values through aliases"):
        load_config(path)
    assert time.perf_counter() - start < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KB: nothing was expanded


def test_aliases_within_the_bound_still_work():
    data = parse_yaml("base: &b {lr: 0.1, momentum: 0.9}\ncopy: *b\n")
    assert data["copy"] == {"lr": 0.1, "momentum": 0.9}
    assert MAX_YAML_NODES >= 10_000


def test_a_recursive_alias_is_refused():
    with pytest.raises(ConfigError, match="refers to its own anchor"):
        parse_yaml("a: &a [1, *a]\n")


def test_nan_from_set_is_refused_naming_the_override():
    with pytest.raises(ConfigError) as info:
        load_config(None, ["model.args.tau=.nan"])
    assert str(info.value) == "--set model.args.tau=.nan: model.args.tau: must be a finite number, got nan"


@pytest.mark.parametrize("override, key", [
    ("trainer.gradient_clip_val=.inf", "trainer.gradient_clip_val"),
    ("model.args.input_dims=[6, 3, .nan, 16]", "model.args.input_dims[2]"),
    ("optimizer.args.lr=-.inf", "optimizer.args.lr"),
])
def test_non_finite_numbers_anywhere_are_refused(override, key):
    with pytest.raises(ConfigError, match=rf"^--set {override.replace('[', '.').replace(']', '.')}: {key.replace('[', '.').replace(']', '.')}: "):
        load_config(None, [override])


def test_nan_in_a_file_names_file_and_line(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model:\n  name: DyRCNNx4\n  args:\n    dt: 2.0\n    tau: .nan\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:5: model.args.tau: must be a finite number, got nan"


def test_model_argument_errors_name_the_override():
    from dynvision.loading import build_model

    config = load_config(None, ["model.args.tau=-1"])  # valid YAML, refused by the model constructor
    with pytest.raises(ConfigError) as info:
        build_model(config)
    message = str(info.value)
    assert message.startswith("--set model.args.tau=-1: model.args.tau: ") and "tau=-1" in message
    assert "\n" not in message and "default.yaml" not in message


def test_a_delay_that_is_not_whole_steps_names_the_override():
    from dynvision.loading import build_model

    config = load_config(None, ["model.args.t_feedforward=3"])  # dt is 4 ms in the default config
    with pytest.raises(ConfigError, match=r"^--set model.args.t_feedforward=3: model.args.t_feedforward: .*whole number"):
        build_model(config)


def test_a_cross_check_broken_by_an_override_names_it():
    with pytest.raises(ConfigError) as info:
        load_config(None, ["data.image_size=32"])  # the default's input_dims say 16 x 16
    message = str(info.value)
    dims = load_config(None).model.args["input_dims"]
    assert dims[2:] == [16, 16]
    assert message.startswith("--set data.image_size=32, ") and "default.yaml:" in message
    assert f": model.args.input_dims: {dims} (T, C, H, W) does not match the data" in message


def test_an_unknown_name_in_model_args_names_the_override():
    from dynvision.loading import build_model

    with pytest.raises(ConfigError, match=r"^--set model.args.recurrence_type=fulll: model.args.recurrence_type: "
                                          r"unknown recurrence type 'fulll'"):
        build_model(load_config(None, ["model.args.recurrence_type=fulll"]))


def test_a_yaml_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model:\n  name: DyRCNNx4\n  args: {dt: 4.0\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (f"{path}:4:1: not valid YAML: expected ',' or '}}', but got '<stream end>' "
                               "(while parsing a flow mapping at line 3)")


def test_two_bad_arguments_in_a_file_name_the_line_of_the_one_at_fault(tmp_path):
    from dynvision.loading import build_model

    path = tmp_path / "run.yaml"
    path.write_text("model:\n  name: DyRCNNx4\n  args:\n    input_dims: [6, 3, 16, 16]\n    dt: 4.0\n    tau: -3\n"
                    "data:\n  image_size: 16\n")
    with pytest.raises(ConfigError, match=rf"^{path}:6: model.args.tau: tau=-3: must be > 0 ms$"):
        build_model(load_config(path))
