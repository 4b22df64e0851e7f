#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages OpenMU needs to build, test and demo,
# when any of them is missing. Sourced by scripts/test and scripts/demo.

OPENMU_PACKAGES=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
  libssl-dev openssl libglib2.0-dev libjson-glib-dev libpcsclite-dev
  pcscd vsmartcard-vpcd vsmartcard-vpicc python3-pycryptodome pcsc-tools opensc
  python3 git desktop-file-utils appstream
  libgtk-3-dev xvfb dbus at-spi2-core python3-dogtail python3-pyatspi python3-gi
  gir1.2-gtk-3.0 libatk-adaptor fonts-dejavu-core adwaita-icon-theme
)

openmu_install_deps() {
  local missing=()
  local p
  for p in "${OPENMU_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "error: packages missing (${missing[*]}) and not root; install them as root" >&2
      return 1
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds a build directory: openmu_build DIR [meson options...]
openmu_build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}
