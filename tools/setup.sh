#!/usr/bin/env bash
# Installs every build, run and test dependency of xdplb from Debian's packages and mounts bpffs.
# Idempotent: safe to run again at any time. Needs root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "tools/setup.sh: run as root (it installs packages and mounts /sys/fs/bpf)" >&2
  exit 1
fi

packages=(
  # build
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libnl-3-dev libnl-route-3-dev libspdlog-dev libfmt-dev libcli11-dev doctest-dev
  libasio-dev libssl-dev nlohmann-json3-dev prometheus-cpp-dev libcivetweb-dev libsystemd-dev
  # man pages (help2man: xdplbd(8), xdplbctl(8); pandoc: xdplb.conf(5)) and the .deb (tools/package.sh)
  help2man pandoc man-db dpkg-dev
  # run
  iproute2 iputils-ping ethtool procps psmisc kmod openssl util-linux
  # test: peers, traffic, dissectors
  python3 python3-pytest python3-pytest-xdist python3-scapy keepalived frr tshark nginx-light dnsmasq-base
  curl iperf3 wrk hping3 netsniff-ng xdp-tools gnuplot-nox nftables
  # test: the rules are YAML (promtool: below)
  python3-yaml
  systemd  # systemd-analyze verify of the unit (tests/package)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#packages[@]} packages present"
fi

# promtool checks the alert rules. Debian ships it only with the Prometheus server, whose unit a
# systemd machine would start listening on :9090: take the one binary out of the package instead.
promtool=/usr/local/lib/xdplb-test/promtool
if [ ! -x "$promtool" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  [ -d /var/lib/apt/lists ] && ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -qq
  (cd "$scratch" && apt-get download -qq prometheus 2>/dev/null && dpkg-deb -x prometheus_*.deb root)
  install -D -m 0755 "$scratch/root/usr/bin/promtool" "$promtool"
  rm -rf "$scratch"
  trap - EXIT
  echo "setup: promtool from Debian's prometheus package at $promtool"
fi

if ! mount -t bpf | grep -q ' /sys/fs/bpf '; then
  mount -t bpf bpf /sys/fs/bpf
  echo "setup: mounted bpffs at /sys/fs/bpf"
fi
