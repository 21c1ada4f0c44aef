"""Time ``deployer bundle``: a cold build (no package fetched before), a warm build (the
packages cached), the bundle's size, and ``verify``.

Baselines, in the same run: ``tar czf`` of the warm build's tree (what packing the same
files costs with nothing resolved, indexed or signed), ``tar xzf`` plus
``sha256sum -c SHA256SUMS`` (what an engineer without deployer does to check a bundle), and,
with ``--apply``, the first apply of the example to fresh lab hosts through the lab's package
proxy (its cache warm) against the same apply to offline lab hosts with ``--bundle``.

The builds use a temporary cache whose base root filesystems are the lab cache's own (linked,
never changed), so the cold figure includes fetching every package from the machine's
Debian mirror. Run as root: ``python bench/bundle.py [--wheels] [--apply]``. The last line is
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from deployer import lab
from deployer.bundle.build import BuildOptions, build
from deployer.bundle.verify import verify
from deployer.bundle.wheelhouse import WheelTarget, build_wheelhouse, source_checkout
from deployer.lab import cache_dir_from
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.spec import load_environment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-bundle"
SECRETS = {"HUADONG_DB_ADMIN_PASSWORD": "bench Adm1n", "HUADONG_DB_APP_PASSWORD": "bench app"}


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _key(folder: Path) -> tuple[Path, Path]:
    key = folder / "signer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = (folder / "signer.pub").read_text().split()
    allowed = folder / "allowed_signers"
    allowed.write_text(f"bench {public[0]} {public[1]}\n")
    return key, allowed


def _wheelhouse(dest: Path) -> None:
    build_wheelhouse(dest, WheelTarget("x86_64"), source_checkout())


def _options(work: Path, key: Path, wheels: bool) -> BuildOptions:
    cache = work / "cache"
    cache.mkdir(exist_ok=True)
    shared = cache_dir_from(os.environ, Path.home())
    if not (cache / "rootfs").exists():
        (cache / "rootfs").symlink_to(shared / "rootfs")
    return BuildOptions(
        signing_key=key,
        gnupg_home=work / "gnupg",
        cache_dir=cache,
        output=work / "out" / "sample.bundle.tar.gz",
        wheels=_wheelhouse if wheels else None,
    )


def _apply_seconds(spec: Path, offline: bool, extra: list[str]) -> float:
    """A first apply of ``spec`` to a fresh lab (offline or through the proxy), timed."""
    subnet = str(free_subnet())
    lab.down(spec)
    options = lab.UpOptions(cache_dir=cache_dir_from(os.environ, Path.home()), subnet=subnet)
    lab.up(spec, replace(options, offline=offline))
    try:
        argv = [sys.executable, "-m", "deployer", "apply", str(spec), "--lab", "-y", *extra]
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env={**os.environ, **SECRETS})
        return time.perf_counter() - started
    finally:
        lab.down(spec)


def bench_apply(bundle: Path, allowed: Path) -> dict[str, float]:
    spec = derive_spec(
        EXAMPLE, WORK / "apply" / EXAMPLE.name, [("app1", ["web", "app"]), ("db1", ["db"])], "db1"
    )
    proxied = _apply_seconds(spec, offline=False, extra=[])
    from_bundle = _apply_seconds(
        spec, offline=True, extra=["--bundle", str(bundle), "--allowed-signers", str(allowed)]
    )
    return {
        "apply_proxy_s": round(proxied, 1),
        "apply_bundle_s": round(from_bundle, 1),
        "apply_bundle_vs_proxy": round(from_bundle / proxied, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", action="store_true", help="include the wheelhouse")
    parser.add_argument("--apply", action="store_true", help="also time apply with and without")
    args = parser.parse_args()
    os.environ.update(SECRETS)
    loaded = load_environment(EXAMPLE)
    with tempfile.TemporaryDirectory(prefix="deployer-bench-bundle-", dir="/var/tmp") as scratch:
        work = Path(scratch)
        key, allowed = _key(work)
        options = _options(work, key, args.wheels)
        quiet: Callable[[str], None] = lambda _: None  # noqa: E731
        cold = timed(lambda: build(loaded, options, quiet))
        warm = timed(lambda: build(loaded, options, quiet))
        bundle = options.output
        assert bundle is not None
        size_mb = bundle.stat().st_size / 1e6
        unpacked = work / "unpacked"
        ours_verify = timed(lambda: verify(bundle, allowed, unpack_to=unpacked))
        tree = next(unpacked.iterdir())
        tar_pack = timed(
            lambda: subprocess.run(
                ["tar", "czf", str(work / "plain.tar.gz"), "-C", str(unpacked), tree.name],
                check=True,
            )
        )
        plain = work / "plain"
        plain.mkdir()

        def by_hand() -> None:
            subprocess.run(["tar", "xzf", str(bundle), "-C", str(plain)], check=True)
            subprocess.run(
                ["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=plain / tree.name, check=True
            )

        hand_verify = timed(by_hand)
        applied = bench_apply(bundle, allowed) if args.apply else {}
    figures = {
        "build_cold_s": round(cold, 2),
        "build_warm_s": round(warm, 2),
        "tar_czf_s": round(tar_pack, 2),
        "warm_build_vs_tar": round(warm / tar_pack, 2),
        "bundle_mb": round(size_mb, 1),
        "verify_unpack_s": round(ours_verify, 2),
        "tar_xzf_sha256sum_s": round(hand_verify, 2),
        "verify_vs_by_hand": round(ours_verify / hand_verify, 2),
        "wheels": args.wheels,
        **applied,
    }
    print(
        f"build: cold {cold:.1f} s, warm {warm:.1f} s; tar czf of the same tree {tar_pack:.1f} s "
        f"(warm build = {figures['warm_build_vs_tar']}x)"
    )
    print(f"bundle: {size_mb:.1f} MB")
    print(
        f"verify + unpack {ours_verify:.2f} s; tar xzf + sha256sum -c {hand_verify:.2f} s "
        f"({figures['verify_vs_by_hand']}x)"
    )
    if applied:
        print(
            f"apply: through the proxy {applied['apply_proxy_s']} s, from the bundle "
            f"{applied['apply_bundle_s']} s ({applied['apply_bundle_vs_proxy']}x)"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
