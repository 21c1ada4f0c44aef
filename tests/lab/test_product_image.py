"""``deployer image build`` with real podman: the image the cluster would run serves the
product's health page with its version.

No registry is reachable, so the Tomcat base is made here the way a site without internet
brings one: an image archive. It is the lab's Debian 12 base with Tomcat and the JDK from the
vendor-like tarballs (tarballs.py), laid out as the official Tomcat images, saved once outside
the repository. The built image then runs as the Deployment's pod does: as the manifests' user,
with the ConfigMap's files and the context descriptor mounted where the manifests mount them,
Tomcat's writable folders empty, and no network but loopback (the database is out of reach, so
the page answers 503, with the version, saying the JDBC driver the image carries could not
connect). An offline bundle then carries that image archive, and the site loads it from the
verified, unpacked bundle.
"""

from __future__ import annotations

import json
import secrets
import shlex
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import ROOT, SCRATCH, cache_dir, deployer_cli
from tarballs import lab_tarballs

from deployer.bundle.manifest import file_digest
from deployer.bundle.verify import verify
from deployer.executors.kubernetes import render_manifests
from deployer.executors.kubernetes.manifests import RUN_AS
from deployer.lab.mirror import machine_mirror
from deployer.lab.overlay import absolutise
from deployer.lab.releases import release_named
from deployer.lab.rootfs import ensure_base
from deployer.spec import LoadedEnvironment, load_environment

pytestmark = pytest.mark.lab

EXAMPLE = ROOT / "examples" / "huadong-kubernetes.yml"
FOLDER = SCRATCH / "image"
#: Debian's MariaDB Connector/J (libmariadb-java), as the hosts' Tomcat gets it.
JDBC_DRIVER = "/usr/share/java/mariadb-java-client.jar"
BASE_NAME = "localhost/deployer-tests/tomcat:10.1-jre17"
#: These machines refuse podman's default limits (above the machine's own) and crun's
#: handling of their mixed cgroup versions; runc, with limits under the machine's, runs the
#: same image.
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
TOMCAT_FILE = """\
FROM {debian}
ADD tomcat-and-java.tar /
ENV JAVA_HOME=/opt/java/openjdk CATALINA_HOME=/usr/local/tomcat \\
    PATH=/usr/local/tomcat/bin:/opt/java/openjdk/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /usr/local/tomcat
EXPOSE 8080
CMD ["catalina.sh", "run"]
"""


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def podman_ok(*args: str) -> str:
    done = podman(*args)
    assert done.returncode == 0, f"podman {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def tomcat_base() -> Path:
    """The Tomcat base as an image archive, built once per lab base and kept for later runs."""
    debian = ensure_base(cache_dir(), machine_mirror(), release_named("debian-12"), print)
    archive = cache_dir().parent / "test-images" / f"tomcat-10.1-{debian.key}.tar"
    if archive.is_file():
        return archive
    tomcat, jdk = lab_tarballs(cache_dir().parent / "test-tarballs")
    context = FOLDER / "base-context"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    with tarfile.open(context / "tomcat-and-java.tar", "w") as layer:
        _moved(tomcat, layer, "usr/local/tomcat")
        _moved(jdk, layer, "opt/java/openjdk")
    debian_name = f"localhost/deployer-tests/debian:{debian.key}"
    podman_ok("import", str(debian.tarball), debian_name)
    (context / "Containerfile").write_text(TOMCAT_FILE.format(debian=debian_name))
    podman_ok("build", "--tag", BASE_NAME, str(context))
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".partial")
    podman_ok("save", "--format", "oci-archive", "--output", str(partial), BASE_NAME)
    partial.rename(archive)
    podman("rmi", BASE_NAME, debian_name)
    shutil.rmtree(context)
    return archive


def _moved(tarball: Path, layer: tarfile.TarFile, top: str) -> None:
    """Every member of ``tarball`` under ``top`` rather than the tarball's own top folder."""
    with tarfile.open(tarball) as source:
        for member in source.getmembers():
            parts = member.name.split("/", 1)
            member.name = f"{top}/{parts[1]}" if len(parts) == 2 else top
            member.uid = member.gid = 0
            member.uname = member.gname = "root"
            layer.addfile(member, source.extractfile(member) if member.isfile() else None)


@pytest.fixture(scope="module")
def spec(tomcat_base: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data = absolutise(data, EXAMPLE.parent)
    data["product"]["base_image"] = str(tomcat_base)
    data["product"]["jdbc_driver"] = JDBC_DRIVER
    FOLDER.mkdir(parents=True, exist_ok=True)
    written = FOLDER / EXAMPLE.name
    written.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return written


@pytest.fixture
def container() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        podman("rm", "--force", "--time", "0", name)


def test_the_built_image_serves_the_health_page_with_the_products_version(
    spec: Path, container: list[str]
) -> None:
    archive = FOLDER / "sample-erp-1.0.tar"
    archive.unlink(missing_ok=True)
    loaded = load_environment(spec)
    image = loaded.env.product.image
    assert image is not None
    built = deployer_cli("image", "build", str(spec), "-o", str(archive))
    assert built.returncode == 0, built.stdout + built.stderr
    assert f"{image} built on " in built.stdout
    # What is proven is the archive, as a site without internet loads it.
    podman_ok("rmi", "--force", image)
    assert image in podman_ok("load", "--input", str(archive))
    labels = json.loads(podman_ok("image", "inspect", "--format", "{{json .Labels}}", image))
    assert labels["org.opencontainers.image.version"] == "1.0"

    name = f"deployer-test-image-{time.time_ns()}"
    container.append(name)
    podman_ok("--runtime", "runc", "run", "--detach", "--name", name, *LIMITS,
              *_as_the_pod_runs(loaded), image)  # fmt: skip
    status, body = _health(name, loaded.env.product.health_path)
    assert (status, body["product"], body["version"]) == (503, "sample-erp", "1.0"), body
    # The driver is in the image: only the database host is out of reach.
    assert body["database"] == "unreachable", body
    assert "driver" not in body["error"].lower(), body


def _as_the_pod_runs(loaded: LoadedEnvironment) -> list[str]:
    """podman options for the Deployment's pod: its user, variables (secrets given random
    values), ConfigMap files and empty folders, mounted where its volumes are."""
    manifests = render_manifests(loaded)
    deployment = next(o for o in manifests.objects.values() if o["kind"] == "Deployment")
    config = next(o for o in manifests.objects.values() if o["kind"] == "ConfigMap")
    pod = deployment["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    files = FOLDER / "configmap"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    for key, text in config["data"].items():
        (files / key).write_text(text, encoding="utf-8")
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    options = ["--user", str(pod["securityContext"]["runAsUser"]), "--network", "none"]
    for mount in main["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            # What the kubelet makes of an emptyDir: an empty folder on the node, mode 0777.
            empty = FOLDER / f"volume-{mount['name']}"
            shutil.rmtree(empty, ignore_errors=True)
            empty.mkdir()
            empty.chmod(0o777)
            options += ["--volume", f"{empty}:{mount['mountPath']}"]
        elif "subPath" in mount:
            options += ["--volume", f"{files / mount['subPath']}:{mount['mountPath']}:ro"]
        else:
            items = FOLDER / f"volume-{mount['name']}"
            shutil.rmtree(items, ignore_errors=True)
            items.mkdir()
            for item in volume["configMap"]["items"]:
                shutil.copy(files / item["key"], items / item["path"])
            options += ["--volume", f"{items}:{mount['mountPath']}:ro"]
    for variable in main.get("env", []):
        value = variable.get("value", secrets.token_urlsafe(12))
        options += ["--env", f"{variable['name']}={value}"]
    assert pod["securityContext"]["runAsUser"] == RUN_AS
    return options


def _health(name: str, path: str) -> tuple[int, dict[str, Any]]:
    """The health page, asked from inside the container (its only network is loopback)."""
    ask = (
        "exec 3<>/dev/tcp/127.0.0.1/8080 || exit 7; "
        f"printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' {shlex.quote(path)} >&3; "
        "cat <&3"
    )
    deadline = time.monotonic() + 180
    while True:
        done = podman("exec", name, "bash", "-c", ask, timeout=60)
        head, _, body = done.stdout.partition("\n\n")  # text mode: \r\n read as \n
        if done.returncode == 0 and head.startswith("HTTP/") and body:
            return int(head.split()[1]), json.loads(body)
        if time.monotonic() > deadline:
            logs = podman("logs", "--tail", "40", name)
            pytest.fail(f"no health page within 180 s: {done.stderr}{logs.stdout}{logs.stderr}")
        time.sleep(2)


def test_an_offline_bundle_carries_the_built_image_for_the_site_to_load(
    spec: Path, tmp_path: Path
) -> None:
    archive = FOLDER / "sample-erp-1.0.tar"
    assert archive.is_file(), "the test before builds the image"
    # The cluster alone (no host, no database): the bundle is the image and the spec's files.
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["hosts"] = []
    del data["database"]
    data["product"]["base_image"] = "docker.io/library/tomcat:10.1-jre17"  # not carried
    alone = FOLDER / "cluster-only.yml"
    alone.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    key = tmp_path / "engineer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    kind, public = (tmp_path / "engineer.pub").read_text().split()[:2]
    allowed.write_text(f"engineer@example {kind} {public}\n")
    bundle = tmp_path / "erp.bundle.tar.gz"
    argv = ["bundle", "build", str(alone), "--no-wheels", "--sign-key", str(key)]
    done = deployer_cli(*argv, "--image", str(archive), "-o", str(bundle))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    verified = verify(bundle, allowed, unpack_to=tmp_path / "site")
    carried = {item.path: item for item in verified.manifest.files}
    assert carried["images/sample-erp-1.0.tar"].sha256 == file_digest(archive)[1]
    assert verified.root is not None
    image = data["product"]["image"]
    podman_ok("rmi", "--force", image)
    assert image in podman_ok("load", "--input", str(verified.root / "images" / archive.name))
