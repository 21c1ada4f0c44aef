"""``deployer bundle build|verify``: one signed file holding a whole go-live, for sites with
no internet."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.checks.context import BundleCoverage
    from deployer.run.packages import LocalPackages
    from deployer.spec.loader import LoadedEnvironment

#: ssh's default keys, in the order ssh tries them.
DEFAULT_KEYS = ("id_ed25519", "id_ecdsa", "id_rsa")
ARCHES = ("x86_64", "aarch64")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "bundle",
        help="build or verify an offline bundle",
        description="Offline bundles: everything apply and rollback need for a spec's hosts, "
        "in one signed file.",
    )
    actions = parser.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    _register_build(actions)
    verify = actions.add_parser(
        "verify",
        help="check a bundle's signature, members and checksums",
        description="Check the manifest's signature against the allowed signers, that the "
        "archive holds exactly the manifest's files, every size and sha256, and that no "
        "member could unpack outside its folder.",
    )
    verify.add_argument("bundle", metavar="FILE", type=Path)
    add_allowed_signers_argument(verify)
    verify.set_defaults(handler=run_verify)


def _register_build(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = actions.add_parser(
        "build",
        help="build PRODUCT-VERSION-ARCH.bundle.tar.gz for a spec",
        description="Resolve the packages the roles install with each release's own apt, "
        "make signed local repositories of them, add the spec's product files and a "
        "wheelhouse, and sign the manifest with your SSH key. Needs root (the lab's base "
        "root filesystems) and a network.",
    )
    build.add_argument("spec", metavar="SPEC", type=Path)
    build.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write it")
    build.add_argument("--arch", choices=ARCHES, default="x86_64", help="the hosts' architecture")
    build.add_argument(
        "--os",
        action="append",
        default=[],
        metavar="[HOST=]RELEASE",
        help="the release of every host (RELEASE) or of one (HOST=RELEASE): a Debian release "
        "the lab builds (default debian-12), or el7, el8, el9 with their --rpms",
    )
    build.add_argument(
        "--rpms",
        action="append",
        default=[],
        metavar="RELEASE=DIR",
        help="RPMs downloaded on a machine of RELEASE (el7, el8, el9), indexed with gzip "
        "repodata; repeatable",
    )
    build.add_argument(
        "--sign-key",
        type=Path,
        metavar="FILE",
        help="SSH private key to sign with, or its .pub with the key in ssh-agent "
        "(default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa)",
    )
    build.add_argument("--no-wheels", action="store_true", help="leave out the wheelhouse")
    build.add_argument(
        "--image",
        type=Path,
        metavar="FILE",
        help="the product's image archive to carry under images/ (target kubernetes; default: "
        "the one deployer image build saved beside the spec, when there is one)",
    )
    build.set_defaults(handler=run_build)


def add_allowed_signers_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allowed-signers",
        type=Path,
        metavar="FILE",
        help="whose signatures to accept, in ssh-keygen's allowed-signers format "
        "(default: $DEPLOYER_ALLOWED_SIGNERS, else ~/.config/deployer/allowed_signers)",
    )


def add_bundle_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bundle",
        type=Path,
        metavar="FILE",
        help="install packages from this offline bundle (verified first; see bundle build)",
    )
    add_allowed_signers_argument(parser)


@contextlib.contextmanager
def opened_bundle(
    args: argparse.Namespace, loaded: LoadedEnvironment
) -> Iterator[LocalPackages | None]:
    """``--bundle``'s packages, verified and unpacked into a scratch folder for the command
    (None without the option); checked before any host is touched."""
    if args.bundle is None:
        yield None
        return
    from deployer.bundle.use import packages_for_run
    from deployer.bundle.verify import verify

    with tempfile.TemporaryDirectory(prefix="deployer-bundle-") as folder:
        verified = verify(args.bundle, allowed_signers(args.allowed_signers), Path(folder))
        yield packages_for_run(verified, loaded)


def bundle_coverage(path: Path | None, packages: LocalPackages | None) -> BundleCoverage | None:
    """What ``check --bundle`` compares each host with."""
    from deployer.checks.context import BundleCoverage

    if path is None or packages is None:
        return None
    return BundleCoverage(path.name, packages.arch, packages.releases)


def allowed_signers(given: Path | None) -> Path:
    if given is not None:
        return given
    if os.environ.get("DEPLOYER_ALLOWED_SIGNERS"):
        return Path(os.environ["DEPLOYER_ALLOWED_SIGNERS"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "deployer" / "allowed_signers"


def run_verify(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.bundle.verify import verify

    verified = verify(args.bundle, allowed_signers(args.allowed_signers))
    manifest = verified.manifest
    streams.say(
        f"{args.bundle}: OK - {manifest.product} {manifest.version} {manifest.arch}, "
        f"{len(manifest.files)} files, releases {', '.join(manifest.releases) or 'none'}, "
        f"signed by {verified.signer}",
        style="green",
    )
    streams.say(f"manifest sha256 {verified.digest}")
    return ExitCode.OK


def run_build(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.bundle.build import BuildOptions, build
    from deployer.bundle.repokey import default_home
    from deployer.lab import cache_dir_from
    from deployer.spec import load_environment

    loaded = load_environment(args.spec, str(args.spec))
    key = _signing_key(args.sign_key)
    options = BuildOptions(
        signing_key=key,
        gnupg_home=default_home(dict(os.environ), Path.home()),
        cache_dir=cache_dir_from(os.environ, Path.home()),
        output=args.output,
        arch=args.arch,
        os=tuple(args.os),
        rpms=_rpm_folders(args.rpms),
        wheels=None if args.no_wheels else _wheels(args.arch),
        image=_image(args.image, loaded, streams),
    )
    built = build(loaded, options, streams.say)
    size = built.path.stat().st_size / 1e6
    streams.say(f"wrote {built.path} ({size:.1f} MB)", style="green")
    streams.say(f"manifest sha256 {built.digest}")
    public = _public_line(key)
    if public:
        streams.say("Sites accept it with this line in their allowed-signers file:")
        streams.data(f"{os.environ.get('USER', 'engineer')} {public}")
    return ExitCode.OK


def _image(given: Path | None, loaded: LoadedEnvironment, streams: Streams) -> Path | None:
    """The image archive to carry: ``--image``, else under target kubernetes the one
    ``image build`` saved beside the spec; None (with a note) when there is none."""
    from deployer.executors.kubernetes.image import default_archive
    from deployer.spec.kube import ARCHIVE_SUFFIXES, KubernetesTarget, is_image_archive

    if given is not None:
        if not is_image_archive(given.name):
            endings = ", ".join(ARCHIVE_SUFFIXES)
            raise UsageError(f"--image {given}: not an image archive (its name ends in {endings})")
        if not given.is_file():
            raise UsageError(f"--image {given}: no such file")
        return given
    if not isinstance(loaded.env.target, KubernetesTarget):
        return None
    saved = default_archive(loaded)
    if saved.is_file():
        streams.say(f"carrying the product's image {saved} (deployer image build saved it)")
        return saved
    streams.say(
        f"note: no product image to carry ({saved} does not exist): run deployer image build "
        "first, or pass --image; without it the site builds the image from site/product/",
        style="yellow",
    )
    return None


def _signing_key(given: Path | None) -> Path:
    if given is not None:
        if not given.is_file():
            raise UsageError(f"--sign-key: no such file: {given}")
        return given
    for name in DEFAULT_KEYS:
        candidate = Path.home() / ".ssh" / name
        if candidate.is_file():
            return candidate
    raise UsageError(
        "no SSH key in ~/.ssh to sign with: make one with ssh-keygen, or pass --sign-key"
    )


def _public_line(key: Path) -> str:
    public = key if key.suffix == ".pub" else key.with_name(key.name + ".pub")
    if not public.is_file():
        return ""
    words = public.read_text(encoding="utf-8").split()
    return " ".join(words[:2])


def _rpm_folders(values: list[str]) -> dict[str, Path]:
    folders: dict[str, Path] = {}
    for value in values:
        release, sep, folder = value.partition("=")
        if not sep or not release or not folder:
            raise UsageError(f"--rpms {value}: expected RELEASE=DIR, e.g. el7=./rpms/el7")
        if not Path(folder).is_dir():
            raise UsageError(f"--rpms {value}: no such folder: {folder}")
        folders[release] = Path(folder)
    return folders


def _wheels(arch: str) -> Callable[[Path], None]:
    """The wheelhouse for the engineer's laptop: deployer and both engines, for the Python
    deployer runs under here."""
    from deployer.bundle.wheelhouse import WheelTarget, build_wheelhouse, source_checkout

    target = WheelTarget(arch)

    def fill(dest: Path) -> None:
        build_wheelhouse(dest, target, source_checkout())

    return fill
