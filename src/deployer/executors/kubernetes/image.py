"""The product's image: its WAR unpacked into Tomcat's ``webapps`` on the spec's base image,
built with podman or docker and saved as an OCI archive (for the plant's registry, or carried
to an offline site).

The base is a Tomcat image laid out as the official ones (``CATALINA_HOME`` at
/usr/local/tomcat), which is where the manifests mount the config and the writable folders.
It comes from a registry, or from an image archive next to the spec for sites that pull
nothing. No spec value is written into the build file: the base reaches it as a build
argument, the labels as options.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.executors.kubernetes.manifests import CATALINA_BASE, context_name
from deployer.spec import LoadedEnvironment
from deployer.spec.kube import is_image_archive
from deployer.spec.problems import SpecError
from deployer.spec.secrets import resolve_file

#: Tried in this order; the first one installed builds.
ENGINES = ("podman", "docker")

BUILD_FILE = f"""\
ARG BASE
FROM ${{BASE}}
COPY tomcat/ {CATALINA_BASE}/
"""


class NoContainerEngine(DeployerError):
    exit_code = ExitCode.ENGINE_UNAVAILABLE


class ImageBuildFailed(DeployerError):
    exit_code = ExitCode.APPLY_FAILED


@dataclass(frozen=True)
class BuiltImage:
    reference: str
    archive: Path
    base: str


Progress = Callable[[str], None]


def default_archive(loaded: LoadedEnvironment) -> Path:
    """Where ``image build`` saves the image, and where ``bundle build`` looks for it:
    ``.deployer/images/NAME-VERSION.tar`` beside the spec."""
    product = loaded.env.product
    return loaded.base_dir / ".deployer" / "images" / f"{product.name}-{product.version}.tar"


def container_engine() -> str:
    for name in ENGINES:
        found = shutil.which(name)
        if found:
            return found
    raise NoContainerEngine(
        "building the image needs podman or docker; neither is installed "
        "(Debian and Ubuntu: apt-get install podman)"
    )


def build_image(
    loaded: LoadedEnvironment, archive: Path, engine: str, progress: Progress
) -> BuiltImage:
    product = loaded.env.product
    if product.image is None or product.base_image is None:
        missing = "image" if product.image is None else "base_image"
        needs = f"building the image needs product.{missing}"
        raise SpecError([loaded.doc.problem(("product",), needs)])
    base = _base_reference(loaded, product.base_image, engine, progress)
    war = resolve_file(product.artifact, loaded.base_dir)
    with tempfile.TemporaryDirectory(prefix="deployer-image-") as scratch:
        context = Path(scratch)
        tomcat = context / "tomcat"
        # Tomcat's name for the context path ("erp", "ROOT", "a#b") is the folder's name.
        _unpack_war(war, tomcat / "webapps" / context_name(product.context_path))
        if product.jdbc_driver is not None:
            driver = resolve_file(product.jdbc_driver, loaded.base_dir)
            (tomcat / "lib").mkdir()
            shutil.copyfile(driver, tomcat / "lib" / driver.name)
        # What the image gets is owned by root and readable by all (the pods run as RUN_AS).
        for entry in [tomcat, *tomcat.rglob("*")]:
            entry.chmod(0o755 if entry.is_dir() else 0o644)
        (context / "Containerfile").write_text(BUILD_FILE)
        progress(f"building {product.image} on {base}")
        _engine(
            engine,
            ["build", "--file", str(context / "Containerfile"), "--tag", product.image,
             "--build-arg", f"BASE={base}",
             "--label", f"org.opencontainers.image.title={product.name}",
             "--label", f"org.opencontainers.image.version={product.version}",
             "--label", f"org.opencontainers.image.base.name={base}",
             str(context)],
            "build",
        )  # fmt: skip
    _require_tomcat_layout(engine, product.image, base)
    archive.parent.mkdir(parents=True, exist_ok=True)
    progress(f"saving {product.image} to {archive}")
    save = ["save", "--output", str(archive), product.image]
    if Path(engine).name == "podman":
        save[1:1] = ["--format", "oci-archive"]
    _engine(engine, save, "save")
    return BuiltImage(product.image, archive, base)


def _base_reference(
    loaded: LoadedEnvironment, base_image: str, engine: str, progress: Progress
) -> str:
    """The reference to build FROM: the registry reference as written, or what loading the
    archive named."""
    if not is_image_archive(base_image):
        return base_image
    path = resolve_file(base_image, loaded.base_dir)
    progress(f"loading the base image from {path}")
    loaded_text = _engine(engine, ["load", "--input", str(path)], "load the base image")
    return _loaded_name(loaded_text, path)


def _loaded_name(output: str, path: Path) -> str:
    """The image a ``load`` brought in: podman prints ``Loaded image: NAME`` (or
    ``Loaded image(s): NAME``), docker ``Loaded image: NAME`` or ``Loaded image ID: ID``."""
    names = [
        line.split(":", 1)[1].strip()
        for line in output.splitlines()
        if line.startswith(("Loaded image:", "Loaded image(s):", "Loaded image ID:"))
    ]
    if len(names) != 1 or not names[0]:
        raise ImageBuildFailed(f"{path}: expected one image in the archive, loading it said: "
                               f"{output.strip()[-300:] or 'nothing'}")  # fmt: skip
    return names[0]


def _require_tomcat_layout(engine: str, image: str, base: str) -> None:
    """The manifests run Tomcat from /usr/local/tomcat; a base laid out otherwise would give
    an image that never serves."""
    text = _engine(engine, ["image", "inspect", "--format", "{{json .Config.Env}}", image],
                   "inspect the image")  # fmt: skip
    try:
        variables = json.loads(text) or []
    except json.JSONDecodeError:
        variables = []
    if f"CATALINA_HOME={CATALINA_BASE}" not in variables:
        _engine(engine, ["rmi", image], "remove the image", check=False)
        raise ImageBuildFailed(
            f"base image {base} is not a Tomcat image laid out as the official ones "
            f"(CATALINA_HOME={CATALINA_BASE}); the pods run Tomcat from there"
        )


def _unpack_war(war: Path, target: Path) -> None:
    """The WAR unpacked: the pods do not own webapps/, so Tomcat cannot unpack it there.
    zipfile keeps every entry inside ``target``."""
    try:
        with zipfile.ZipFile(war) as unzipped:
            unzipped.extractall(target)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImageBuildFailed(f"{war}: cannot unpack the artifact: {exc}") from None


def _engine(engine: str, argv: Sequence[str], doing: str, *, check: bool = True) -> str:
    done = subprocess.run(  # noqa: S603 (an argument list, no shell)
        [engine, *argv], capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        raise ImageBuildFailed(
            f"{Path(engine).name} could not {doing} (exit {done.returncode}): " + " / ".join(said)
        )
    return done.stdout
