"""Finding the mounts a lab left behind, from /proc/self/mountinfo text."""

from __future__ import annotations

from pathlib import Path

from deployer.lab.mounts import mounts_under, parse_mountinfo

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:35 / /srv/my\\040specs/.deployer/lab/prod/hosts/app1/root rw - overlay lab rw
41 40 0:36 / /srv/my\\040specs/.deployer/lab/prod/hosts/app1/root/proc rw - proc proc rw
42 22 0:37 / /srv/my\\040specs/.deployer/lab/prod-2/hosts/app1/root rw - overlay deployer-lab rw
"""


def test_octal_escapes_are_decoded() -> None:
    assert "/srv/my specs/.deployer/lab/prod/hosts/app1/root" in parse_mountinfo(MOUNTINFO)


def test_mounts_under_a_folder_deepest_first_and_not_its_siblings() -> None:
    found = mounts_under(Path("/srv/my specs/.deployer/lab/prod"), MOUNTINFO)
    assert found == [
        "/srv/my specs/.deployer/lab/prod/hosts/app1/root/proc",
        "/srv/my specs/.deployer/lab/prod/hosts/app1/root",
    ]
