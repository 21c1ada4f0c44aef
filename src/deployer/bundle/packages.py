"""Which Debian packages a bundle carries for a release: what the roles install on the
spec's hosts of that release, named as ``roles/<role>/vars/<release>.yml`` name them (a unit
test compares the two), plus what Ansible itself needs on a host.

The closure of these names is resolved later by the release's own apt; this module only
says where it starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from deployer.checks.releases import find, offer_of
from deployer.errors import BundleError
from deployer.spec.environment import Environment, Host
from deployer.spec.sources import tarball_of

#: Ansible's apt module needs python3-apt on the host (it installs it with apt-get when it
#: is missing, which offline only the bundle can serve); xz-utils unpacks .tar.xz tarballs.
EVERY_HOST = ("python3-apt", "xz-utils")
#: The product role unpacks the WAR with unzip (roles/product/vars/debian-*.yml).
PRODUCT = ("unzip",)
#: The client next to the server (roles/mysql/vars/debian-*.yml), and the JDBC driver Tomcat
#: loads (roles/tomcat/vars/Debian.yml, __tomcat_jdbc_driver_files).
DATABASE_CLIENT = {"mariadb": "mariadb-client"}
JDBC_DRIVER = {"mariadb": "libmariadb-java"}


def debian_packages(env: Environment, hosts: Iterable[Host], release: str) -> tuple[str, ...]:
    """The packages the roles install on ``hosts`` (all of one release), sorted."""
    offer = offer_of(release)
    if offer is None:
        raise BundleError(f"deployer has no package catalog for {release}")
    wanted = set(EVERY_HOST)
    middleware, database = env.middleware, env.database
    engine = database.engine if database is not None else None
    for host in hosts:
        if "web" in host.roles and middleware.nginx is not None and offer.nginx is not None:
            wanted.add(offer.nginx.package)
        if "app" in host.roles:
            wanted.update(PRODUCT)
            wanted.update(_app_packages(env, release))
            if engine in JDBC_DRIVER:
                wanted.add(JDBC_DRIVER[engine])
        if database is not None and database.host == host.name and engine in offer.databases:
            assert engine is not None
            wanted.add(offer.databases[engine].package)
            wanted.update([DATABASE_CLIENT[engine]] if engine in DATABASE_CLIENT else [])
    return tuple(sorted(wanted))


def _app_packages(env: Environment, release: str) -> list[str]:
    offer = offer_of(release)
    assert offer is not None
    found: list[str] = []
    for name, wanted, offers in (
        ("jdk", env.middleware.jdk, offer.jdk),
        ("tomcat", env.middleware.tomcat, offer.tomcat),
    ):
        if wanted is None or tarball_of(wanted.source) is not None:
            continue
        packaged = find(offers, wanted.version)
        if packaged is None:
            raise BundleError(
                f"{release} packages no {name} {wanted.version} (spec middleware.{name})"
            )
        found.append(packaged.package)
    return found
