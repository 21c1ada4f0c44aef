"""Where the product lives on an app host, and what its service is called: one answer for
the variables handed to the roles and for the rollback plan that reads the live release."""

from __future__ import annotations

from dataclasses import dataclass

from deployer.spec.environment import Environment
from deployer.spec.sources import tarball_of

#: The product role's record of a release's artifact and version, inside each release.
RELEASE_MARKER = "WEB-INF/deployer-release.json"


@dataclass(frozen=True)
class ProductLayout:
    root: str  # releases/, current and shared/ live here
    context_path: str
    service: str  # the application server's systemd unit
    #: Tomcat's own log files (catalina.DATE.log, and localhost.DATE.log, where the product's
    #: uncaught exceptions go): the package's /var/log/tomcat<major>, or the tarball's logs/.
    tomcat_logs: str


def product_layout(env: Environment) -> ProductLayout:
    tomcat = env.middleware.tomcat
    major = (tomcat.version if tomcat else "10").split(".")[0]
    tarball = tomcat is not None and tarball_of(tomcat.source) is not None
    logs = "/opt/tomcat/logs" if tarball else f"/var/log/tomcat{major}"
    return ProductLayout(
        f"/opt/{env.product.name}", env.product.context_path, f"tomcat{major}", logs
    )
