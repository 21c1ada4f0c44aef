#!/usr/bin/env bash
# Install what deployer and its tests need on a Debian/Ubuntu machine, then a venv in .venv.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Python, the lab's building blocks (namespaces, debootstrap, nspawn, an apt
# cache for lab hosts, sshd/ssh, nftables to fence the lab bridge), ruby for checking the
# Vagrantfile.
PACKAGES=(
  python3 python3-venv python3-pip python3-dev gcc
  iproute2 debootstrap systemd-container apt-cacher-ng tini nftables
  openssh-client openssh-server curl ca-certificates ruby
  # The Vagrantfile is checked with `vagrant validate --ignore-provider` (no VM is started).
  vagrant
  # The sample product's runtime tests run its pages and migrations on the real programs.
  default-jre-headless libtomcat10-java libeclipse-jdt-core-java libmariadb-java
  mariadb-server-core mariadb-client
  # The probe is tested under the shells customer hosts have; fixup scripts are linted.
  dash busybox posh shellcheck
  # The signable HTML report is checked in a real headless browser, with CJK fonts.
  chromium fonts-noto-cjk
  # Offline bundles: Debian repositories indexed with dpkg-scanpackages and signed with gpg.
  dpkg-dev gnupg
  # An RPM bundle's test builds a tiny RPM with rpmbuild.
  rpm
  # Hand-over documents are turned into PDF by LibreOffice; their tests read the PDF back
  # (pdftotext) and render its first page (pdftoppm).
  libreoffice-writer-nogui poppler-utils
  # The product's image is built and run with podman; runc runs it where crun cannot.
  podman runc
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  # policy-rc.d may forbid starting services; the lab starts its own apt cache by PID.
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
