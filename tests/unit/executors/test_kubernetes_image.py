"""``deployer image build`` up to the container engine: which base it builds on, what it
refuses before starting one. The build itself runs on real podman in
tests/lab/test_product_image.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.executors.kubernetes.image import ImageBuildFailed, _loaded_name
from deployer.spec.kube import is_image_archive
from tests.unit.conftest import CliResult
from tests.unit.executors.kubeexample import EXAMPLE, spec_with


@pytest.mark.parametrize(
    ("value", "archive"),
    [
        ("images/tomcat-10.1.tar", True),
        ("/srv/images/tomcat.tar.gz", True),
        ("tomcat.tgz", True),
        ("tomcat.tar.xz", True),
        ("docker.io/library/tomcat:10.1-jre17", False),
        ("registry.plant.cn:5000/base/tomcat:10.1", False),
    ],
)
def test_an_archive_is_told_from_a_registry_reference_by_its_suffix(
    value: str, archive: bool
) -> None:
    assert is_image_archive(value) is archive


@pytest.mark.parametrize(
    ("output", "name"),
    [
        ("Getting image source signatures\nLoaded image: localhost/tomcat:10.1\n",
         "localhost/tomcat:10.1"),
        ("Loaded image(s): docker.io/library/tomcat:10.1-jre17\n",
         "docker.io/library/tomcat:10.1-jre17"),
        ("Loaded image ID: sha256:" + "a" * 64 + "\n", "sha256:" + "a" * 64),
    ],
)  # fmt: skip
def test_the_loaded_base_is_the_one_image_the_engine_names(output: str, name: str) -> None:
    assert _loaded_name(output, Path("base.tar")) == name


def test_an_archive_of_several_images_is_refused() -> None:
    output = "Loaded image: localhost/a:1\nLoaded image: localhost/b:1\n"
    with pytest.raises(ImageBuildFailed, match=r"base\.tar: expected one image"):
        _loaded_name(output, Path("base.tar"))


def test_without_podman_or_docker_the_build_says_what_to_install(
    cli: Callable[[list[str]], CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = cli(["image", "build", str(EXAMPLE)])
    assert result.code == ExitCode.ENGINE_UNAVAILABLE
    assert result.err_lines == [
        "error: building the image needs podman or docker; neither is installed "
        "(Debian and Ubuntu: apt-get install podman)"
    ]


def test_a_spec_without_a_base_image_is_refused_at_its_product(
    cli: Callable[[list[str]], CliResult], tmp_path: Path
) -> None:
    spec = spec_with(tmp_path, lambda data: data["product"].pop("base_image"))
    result = cli(["image", "build", str(spec)])
    assert result.code == ExitCode.INVALID_SPEC
    (line,) = result.err_lines
    assert line.startswith(f"{spec}:")
    assert line.endswith("product: building the image needs product.base_image")
