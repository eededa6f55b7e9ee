#!/usr/bin/env bash
# A Python 3.13 system from Debian's packages, for testing the course on Colab's Python.
#
# Colab's default runtime runs Python 3.13; a Debian 12 machine has 3.11. This script builds a
# Debian 13 (trixie) root folder with mmdebstrap (about 3 minutes, once) and runs commands in it
# through chroot, so CI can install and run the course on the Python 3.13 that Debian ships.
#
#   tools/py313_root.sh build                  # build the root if it is missing or broken; print its path
#   tools/py313_root.sh run [--bind DIR:AT]... -- COMMAND...
#                                              # run COMMAND in the root (as root, HOME=/root)
#
# `run` bind-mounts /proc and /dev, a fresh /tmp (removed afterwards), pip's cache (kept in the
# cache folder below, so repeated CI runs do not download torch again) and every --bind DIR:AT (DIR of this machine, seen at AT in
# the root); everything is unmounted when the command ends, however it ends. The machine's CA
# bundle, resolv.conf and /etc/pip.conf are copied in before each run. The command runs with a
# clean environment: PATH, HOME, LANG and the settings that reach PyPI (PIP_INDEX_URL,
# PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST, PIP_DEFAULT_TIMEOUT, PIP_CERT, proxies) pass through, and
# nothing that names this machine's own files (PIP_FIND_LINKS, PIP_CONSTRAINT, a pip config
# outside /etc/pip.conf): the root's pip takes every package from the registry, as Colab's does.
# Further variables pass with --env NAME (repeatable).
#
# The root lives in ${NATIVE4K_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/native4k-lab}/py313-trixie and is
# reused while it is valid (its stamp names the same package list and python3.13 -m venv works
# there). Needs root (chroot, mount) and mmdebstrap (`apt-get install -y mmdebstrap`).
set -euo pipefail

SUITE=trixie
PYTHON=python3.13
# python3-venv and pip for the course's own venv; ca-certificates for HTTPS; the libraries the GUI
# build opencv-python loads (Colab has them: libxcb, libGL, GLib, libSM, libXext).
INCLUDE="python3,python3-venv,python3-pip,ca-certificates,libxcb1,libgl1,libglib2.0-0t64,libsm6,libxext6"
CACHE="${NATIVE4K_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/native4k-lab}"
ROOTFS="$CACHE/py313-$SUITE"
PIP_CACHE="$CACHE/pip-py313"
STAMP="$ROOTFS/.native4k-lab-root"
STAMP_TEXT="mmdebstrap --variant=apt --include=$INCLUDE $SUITE"

die() { echo "py313_root: $*" >&2; exit 1; }

valid() {  # the root exists, was built with today's package list, and makes a venv
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ] \
        && chroot "$ROOTFS" "$PYTHON" -c "import ensurepip, venv, ssl" >/dev/null 2>&1
}

build() {
    [ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, chroot and mount)"
    if valid; then
        echo "$ROOTFS"
        return
    fi
    command -v mmdebstrap >/dev/null 2>&1 || die "needs mmdebstrap (apt-get install -y mmdebstrap)"
    mkdir -p "$CACHE"
    local tmp="$ROOTFS.partial"
    release_stale_mounts "$ROOTFS"  # never delete through a mount a killed run left behind
    release_stale_mounts "$tmp"
    rm -rf --one-file-system "$tmp" "$ROOTFS"
    local start=$SECONDS
    echo "py313_root: building a Debian $SUITE root in $ROOTFS (a few minutes, once) ..." >&2
    mmdebstrap --variant=apt --include="$INCLUDE" "$SUITE" "$tmp" >&2
    echo "$STAMP_TEXT" >"$tmp/.native4k-lab-root"
    mv "$tmp" "$ROOTFS"
    valid || die "the new root in $ROOTFS cannot run $PYTHON -m venv"
    echo "py313_root: root built in $((SECONDS - start)) s" >&2
    echo "$ROOTFS"
}

release_stale_mounts() {  # release_stale_mounts DIR: unmount whatever is mounted at or under DIR
    local target
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts | sort -r \
        | while read -r target; do umount -l "$target"; done
}

MOUNTED=()
RUN_TMP=""
unmount_all() {  # innermost first; lazily, so a process still holding a file cannot keep a mount
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount -l "${MOUNTED[$i]}" 2>/dev/null || echo "py313_root: could not unmount ${MOUNTED[$i]}" >&2
    done
    MOUNTED=()
    # this run's /tmp (pip unpacks GBs there), removed only once nothing is mounted over the root
    if [ -n "$RUN_TMP" ] && ! grep -q " $ROOTFS/" /proc/self/mounts; then
        rm -rf --one-file-system "$RUN_TMP"
        RUN_TMP=""
    fi
}

bind() {  # bind SOURCE TARGET-IN-ROOT: SOURCE and the mounts below it, seen at TARGET in the root
    local target="$ROOTFS$2"
    if [ -d "$1" ]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")" && touch "$target"; fi
    mount --rbind "$1" "$target"
    MOUNTED+=("$target")
    # a slave copy: unmounting it later cannot propagate back to the machine's own mounts
    mount --make-rslave "$target"
}

copy_in() {  # copy_in FILE: the machine's FILE at the same place in the root, when it exists
    [ -e "$1" ] || return 0
    mkdir -p "$ROOTFS$(dirname "$1")"
    rm -f "$ROOTFS$1"  # resolv.conf may be a symlink in the root
    cp -L "$1" "$ROOTFS$1"
}

run() {
    local -a binds=() env_names=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --bind) binds+=("$2"); shift 2 ;;
            --env) env_names+=("$2"); shift 2 ;;
            --) shift; break ;;
            *) die "unknown option $1 (usage: run [--bind DIR:AT]... [--env NAME]... -- COMMAND...)" ;;
        esac
    done
    [ $# -gt 0 ] || die "run needs a command after --"
    build >/dev/null
    release_stale_mounts "$ROOTFS"  # left by a run that was killed (kill -9) before it could clean up
    copy_in /etc/ssl/certs/ca-certificates.crt
    copy_in /etc/resolv.conf
    copy_in /etc/pip.conf
    mkdir -p "$PIP_CACHE"
    trap unmount_all EXIT INT TERM
    bind /proc /proc
    bind /dev /dev
    bind "$PIP_CACHE" /root/.cache/pip
    RUN_TMP="$(mktemp -d "$CACHE/tmp.XXXXXX")"  # a /tmp of its own: the root stays as it was built
    chmod 1777 "$RUN_TMP"
    bind "$RUN_TMP" /tmp
    local pair
    for pair in "${binds[@]}"; do
        bind "${pair%%:*}" "${pair#*:}"
    done
    local -a env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
    local name
    for name in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT \
        PIP_DISABLE_PIP_VERSION_CHECK http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
        "${env_names[@]}"; do
        [ -n "${!name+set}" ] && env+=("$name=${!name}")
    done
    # PIP_CERT names a file: pass it on only when it was copied into the root.
    if [ -n "${PIP_CERT:-}" ] && [ -e "$ROOTFS$PIP_CERT" ]; then env+=("PIP_CERT=$PIP_CERT"); fi
    local rc=0
    chroot "$ROOTFS" /usr/bin/env -i "${env[@]}" "$@" || rc=$?
    unmount_all
    trap - EXIT INT TERM
    return "$rc"
}

case "${1:-}" in
    build) build ;;
    run) shift; run "$@" ;;
    *) die "usage: $0 build | run [--bind DIR:AT]... [--env NAME]... -- COMMAND..." ;;
esac
