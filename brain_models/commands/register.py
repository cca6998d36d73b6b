"""``dynvision register``: a trained checkpoint, or a static model and its weights, as a Brain-Score
model plugin (and upload zip)."""
from __future__ import annotations

import argparse

from brain_models.flags import add_adapter_arguments, settings_from_args
from dynvision.verbosity import report_error

DEFAULT_OUT = "brainscore-submission"  # = brain_models.submission.DEFAULT_OUT (not imported: keeps --help fast)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "register",
        help="turn a trained checkpoint or a static model into a Brain-Score model plugin (and the upload zip)",
        description=(
            "Write the Brain-Score plugin OUT/models/<plugin>/ that rebuilds exactly the model in CKPT "
            "(architecture and config from the checkpoint, weights inside the plugin or fetched from "
            "--weights-url with a SHA-1 check), commits a layer to each of V1, V2, V4 and IT (or leaves one out "
            "with --omit-region) and its time mapping as JSON, carries the DynVision code it runs (so it installs "
            "where only brainscore-vision and torch are), and a test.py running Brain-Score's generic plugin "
            "checks. With --zip, also write OUT/<plugin>.zip, the archive to upload on brain-score.org "
            "(at most 50 MB). A static model (declared with dynvision.models.static_model, by a registered "
            "factory) is registered without a checkpoint: MODEL --weights FILE [--model-module FILE]; the plugin "
            "calls the factory, loads the weights and runs the model once per image."
        ),
        epilog=(
            "example: dynvision register DyRCNNx4 --checkpoint runs/DyRCNNx4/checkpoints/last.ckpt "
            "--identifier DyRCNNx4-digits-run1 --zip; "
            "dynvision register MyNet --model-module my_models.py --weights my_net.pt --identifier MyNet-v1"
        ),
    )
    parser.add_argument("model", nargs="?", metavar="MODEL",
                        help="the registered model name the checkpoint was trained as (checked against it), or "
                             "the static model to register (with --weights)")
    parser.add_argument("--checkpoint", metavar="PATH", help="checkpoint written by dynvision train")
    parser.add_argument("--weights", metavar="FILE",
                        help="a static model's weights (a state dict, read as plain tensors), registered without "
                             "--checkpoint")
    parser.add_argument("--identifier", required=True, metavar="ID",
                        help="the Brain-Score model identifier: letters, digits, '.', '_', '-'; must be new")
    parser.add_argument("--weights-url", metavar="URL",
                        help="host the weights at this https:// URL instead of inside the plugin (for archives "
                             "above 50 MB): the file to upload is written to OUT/upload/ and the plugin downloads "
                             "it and checks its SHA-1; http:// is warned about, other schemes are refused")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"submission folder receiving models/<plugin>/ (default: ./{DEFAULT_OUT})")
    parser.add_argument("--zip", action="store_true",
                        help="also write the upload archive OUT/<plugin>.zip (refused above 50 MB: use --weights-url)")
    parser.add_argument("--plugin-name", metavar="NAME",
                        help="plugin folder name (default: the identifier with '.' and '-' as '_')")
    add_adapter_arguments(parser, runtime=False, title="what the plugin commits (how the model sees the stimuli)")
    parser.add_argument("--omit-region", dest="omit_regions", action="append", default=[], metavar="REGION",
                        help="leave one of V1, V2, V4, IT uncommitted on purpose (repeatable): the plugin refuses "
                             "recordings from it, and Brain-Score cannot score the model there")
    parser.add_argument("--region-map", metavar="FILE",
                        help="JSON {region: layer} to commit (also the region_layer_map.json files that "
                             "layer selection stores); --layer entries override it")
    parser.add_argument("--requirement", dest="requirements", action="append", default=[], metavar="SPEC",
                        help="extra line for requirements.txt (repeatable), for packages your --model-module file "
                             "needs at a version of your choice; the plugin carries the DynVision code itself")
    parser.add_argument("--bibtex", metavar="FILE", help="BibTeX entry of the model's paper")
    parser.add_argument("--model-module", metavar="FILE",
                        help="Python file defining your own model class or static model factory (carried in the plugin)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT/models/<plugin>/")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        bibtex = ""
        if args.bibtex:
            with open(args.bibtex, encoding="utf-8") as handle:
                bibtex = handle.read()
    except (ValueError, OSError) as error:
        return report_error("register", error)

    from brain_models.submission import BundleError, IdentifierError, PluginError, register
    from brain_models.submission.weights import WeightsError
    from dynvision.config import ConfigError
    from dynvision.registry import UnknownNameError

    try:
        plugin = register(
            args.checkpoint, args.identifier, out=args.out, model=args.model, settings=settings,
            region_layer_map=args.region_map, weights_url=args.weights_url, plugin_name=args.plugin_name,
            requirements=args.requirements,
            bibtex=bibtex, model_module=args.model_module, overwrite=args.overwrite, make_zip=args.zip,
            omit_regions=args.omit_regions, weights=args.weights,
        )
    except (IdentifierError, WeightsError, ConfigError, UnknownNameError, FileExistsError, FileNotFoundError,
            LookupError, ValueError, TypeError, OSError, BundleError, PluginError) as error:
        return report_error("register", error)

    print(f"identifier:  {plugin.identifier}")
    print(f"plugin:      {plugin.plugin_dir}")
    for name in plugin.files:
        print(f"  {name}")
    where = plugin.weights_url or "inside the plugin"
    print(f"weights:     {where} (SHA-1 {plugin.weights_sha1})")
    if plugin.zip_path:
        print(f"upload zip:  {plugin.zip_path}")
    for note in plugin.notes:
        print(f"note: {note}")
    print("next: copy the plugin into brainscore_vision/models/ of a Brain-Score checkout, install its\n"
          f"requirements (pip install -r brainscore_vision/models/{plugin.plugin_name}/requirements.txt) and run\n"
          f"  BS_INSTALL_DEPENDENCIES=no pytest brainscore_vision/models/{plugin.plugin_name}/test.py\n"
          "then upload the zip on brain-score.org (or open a pull request with the plugin folder)")
    return 0
