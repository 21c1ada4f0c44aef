"""A verified bundle as a run uses it: its packages for the hosts, after checking that the
spec is the one it was built for and still names the files it carries."""

from __future__ import annotations

from deployer.bundle.build import PACKAGES
from deployer.bundle.sitefiles import differences, site_files
from deployer.bundle.verify import VerifiedBundle
from deployer.errors import BundleError
from deployer.run.packages import LocalPackages
from deployer.spec.loader import LoadedEnvironment


def packages_for_run(verified: VerifiedBundle, loaded: LoadedEnvironment) -> LocalPackages:
    manifest, where = verified.manifest, str(verified.path)
    product = loaded.env.product
    if (manifest.product, manifest.version) != (product.name, product.version):
        raise BundleError(
            f"{where}: a bundle of {manifest.product} {manifest.version}; the spec deploys "
            f"{product.name} {product.version}"
        )
    problems = differences(site_files(loaded), manifest.by_path())
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BundleError(f"{where}: not built from this spec's files: {problems[0]}{more}")
    assert verified.root is not None, "a bundle is unpacked before a run uses it"
    prefix = f"{PACKAGES}/"
    sums = {
        entry.path.removeprefix(prefix): entry.sha256
        for entry in manifest.files
        if entry.path.startswith(prefix)
    }
    folder = verified.root / PACKAGES
    releases = tuple(r for r in manifest.releases if (folder / r / "InRelease").is_file())
    return LocalPackages(verified.digest, manifest.arch, folder, releases, sums)
