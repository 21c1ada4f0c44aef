"""The spec's own files a bundle carries: the product artifact, its templates, the schemas'
migrations, the support matrix, the middleware tarballs, and under target kubernetes the base
image archive and the JDBC driver the product's image is built from. They go under ``site/`` by the
field that names them (``site/product/artifact/app.war``, ``site/database/schemas/erp/
migrations/V1__init.sql``), not by where the spec keeps them: the same spec moved to another
folder, or a lab's copy of it, still finds them, and an engineer can take them out."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deployer.bundle.manifest import BundleFile, file_digest
from deployer.errors import BundleError
from deployer.spec.kube import KubernetesTarget, is_image_archive
from deployer.spec.loader import LoadedEnvironment
from deployer.spec.secrets import resolve_file
from deployer.spec.sources import tarball_of

SITE = "site"


@dataclass(frozen=True)
class SiteFile:
    field: str  # where the spec names it: product.artifact, database.schemas[0].migrations
    source: Path  # on this machine
    member: str  # its path in the bundle, below the top folder


def site_files(loaded: LoadedEnvironment) -> list[SiteFile]:
    """Every file the spec references for apply and rollback, folders expanded."""
    found: list[SiteFile] = []
    for field, base, locator in _locators(loaded):
        source = resolve_file(locator, loaded.base_dir)
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                member = f"{SITE}/{base}/{path.relative_to(source).as_posix()}"
                found.append(SiteFile(field, path, member))
        else:
            found.append(SiteFile(field, source, f"{SITE}/{base}/{source.name}"))
    return found


def _locators(loaded: LoadedEnvironment) -> Iterator[tuple[str, str, str]]:
    """(the field as messages name it, its folder in the bundle, the spec's path)."""
    env = loaded.env
    yield "matrix", "matrix", env.matrix
    yield "product.artifact", "product/artifact", env.product.artifact
    if env.product.templates:
        yield "product.templates", "product/templates", env.product.templates
    for index, schema in enumerate(env.database.schemas if env.database else []):
        if schema.migrations:
            field = f"database.schemas[{index}].migrations"
            yield field, f"database/schemas/{schema.name}/migrations", schema.migrations
    for name, middleware in (("jdk", env.middleware.jdk), ("tomcat", env.middleware.tomcat)):
        tarball = tarball_of(middleware.source) if middleware is not None else None
        if tarball:
            yield f"middleware.{name}.source.tarball", f"middleware/{name}", tarball
    if isinstance(env.target, KubernetesTarget):  # what `image build` needs at the site
        base = env.product.base_image
        if base is not None and is_image_archive(base):
            yield "product.base_image", "product/base_image", base
        if env.product.jdbc_driver is not None:
            yield "product.jdbc_driver", "product/jdbc_driver", env.product.jdbc_driver


def copy_into(files: list[SiteFile], tree: Path) -> None:
    for item in files:
        target = tree.joinpath(*item.member.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.source, target)


def differences(files: list[SiteFile], carried: dict[str, BundleFile]) -> list[str]:
    """Each spec file the bundle does not carry as it is now, as ``field: path: why``."""
    problems: list[str] = []
    for item in files:
        entry = carried.get(item.member)
        if entry is None:
            problems.append(f"{item.field}: {item.source}: not in the bundle")
            continue
        try:
            size, sha256 = file_digest(item.source)
        except OSError as exc:
            raise BundleError(f"{item.field}: {item.source}: {exc.strerror}") from exc
        if (size, sha256) != (entry.size, entry.sha256):
            problems.append(f"{item.field}: {item.source}: differs from the bundle's copy")
    return problems
