# shellcheck shell=bash
# Set-up shared by scripts/test and scripts/demo.  Source it, then call
#
#     sscard_bootstrap strict    # missing Debian packages that can't be installed: fail
#     sscard_bootstrap lenient   # ... only warn (the demo's embedded defaults don't need them)
#
# It is idempotent and quick when nothing is missing:
#   1. finds Python 3.11+ (python3.11, else python3; SSCARD_PYTHON overrides);
#   2. installs the Debian packages the tests need (apt-get when root, else says exactly
#      what to run);
#   3. creates ./.venv (recreates it if broken) and runs `pip install -e .[extras]` only
#      when pyproject.toml (or the extras, or the Python) changed since the last install.
# It also defines sscard_ensure_pcscd, which starts pcscd (with the vpcd virtual readers)
# for tests that talk to real PC/SC.

# Resolve the repository root from this file's own location, whatever the caller's cwd.
SSCARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SSCARD_VENV="${SSCARD_ROOT}/.venv"
SSCARD_STAMP="${SSCARD_VENV}/.sscard-install-stamp"

# Debian packages (see docs/architecture.md, "System packages").  gcc builds pyscard
# (with swig and libpcsclite-dev); pkg-config lets the build find libpcsclite; wrk drives
# bench/identify.py.
SSCARD_DEB_PACKAGES=(
    pcscd libpcsclite-dev swig vsmartcard-vpcd softhsm2 chromium pcsc-tools opensc
    gcc pkg-config wrk
)
# Extras installed into the venv; the pcsc extra builds pyscard, which needs the packages.
SSCARD_EXTRAS_FULL="dev,pcsc,serial,pkcs11"
SSCARD_EXTRAS_NO_PCSC="dev,serial,pkcs11"

SSCARD_PYTHON_BIN=""
SSCARD_DEB_OK=0

sscard_log() { printf '[setup] %s\n' "$*" >&2; }
sscard_warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
sscard_die() {
    printf '[setup] ERROR: %s\n' "$*" >&2
    return 1
}

# --- 1. Python ---------------------------------------------------------------------
_sscard_python_ok() {
    # True when "$1" runs and is CPython 3.11 or newer.
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

sscard_find_python() {
    local candidate
    for candidate in ${SSCARD_PYTHON:+"$SSCARD_PYTHON"} python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && _sscard_python_ok "$candidate"; then
            # Use the real interpreter, not a pyenv shim, so the venv survives shim changes.
            SSCARD_PYTHON_BIN="$("$candidate" -c 'import sys; print(sys.executable)')"
            return 0
        fi
    done
    sscard_die "Python 3.11 or newer not found (tried ${SSCARD_PYTHON:+$SSCARD_PYTHON, }python3.11, python3)." \
        "Install it (e.g. 'apt-get install python3.11' or pyenv) or set SSCARD_PYTHON=/path/to/python3.11."
}

# --- 2. Debian packages --------------------------------------------------------------
sscard_missing_deb_packages() {
    # Prints the packages of SSCARD_DEB_PACKAGES that are not fully installed.
    local pkg status
    for pkg in "${SSCARD_DEB_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == ii* ]] || printf '%s\n' "$pkg"
    done
}

_sscard_apt_install() {
    # apt-get update once, then install "$@".  When no init system runs (containers,
    # CI), a temporary policy-rc.d stops the packages' maintainer scripts from trying to
    # start services (pcscd) and failing; pcscd is started by sscard_ensure_pcscd instead.
    local policy=/usr/sbin/policy-rc.d ours=0 rc=0
    if [[ ! -e "$policy" && ! -d /run/systemd/system ]]; then
        printf '#!/bin/sh\n# sscard bootstrap: temporary, do not start services\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        ours=1
    fi
    sscard_log "apt-get update"
    if ! apt-get update -qq; then
        rc=1
    else
        sscard_log "apt-get install $* (this can take a few minutes)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "$@" >/dev/null || rc=$?
    fi
    if ((ours)) && grep -q 'sscard bootstrap' "$policy" 2>/dev/null; then
        rm -f "$policy"
    fi
    return "$rc"
}

sscard_ensure_deb_packages() {
    # $1: strict|lenient.  Sets SSCARD_DEB_OK=1 when every package is installed.
    local mode="$1" missing
    SSCARD_DEB_OK=0
    if ! command -v dpkg-query >/dev/null 2>&1; then
        if [[ "$mode" == strict ]]; then
            sscard_die "not a Debian-based system (no dpkg-query): install the equivalents of" \
                "${SSCARD_DEB_PACKAGES[*]} by hand."
            return 1
        fi
        sscard_warn "no dpkg-query: can't check the system packages; continuing without them."
        return 0
    fi
    missing="$(sscard_missing_deb_packages | tr '\n' ' ')"
    missing="${missing% }"
    if [[ -z "$missing" ]]; then
        SSCARD_DEB_OK=1
        return 0
    fi
    if [[ "$(id -u)" -eq 0 ]]; then
        # shellcheck disable=SC2086  # word splitting of the package list is intended
        if _sscard_apt_install $missing; then
            missing="$(sscard_missing_deb_packages | tr '\n' ' ')"
            missing="${missing% }"
            if [[ -z "$missing" ]]; then
                sscard_log "Debian packages installed."
                SSCARD_DEB_OK=1
                return 0
            fi
        fi
        if [[ "$mode" == strict ]]; then
            sscard_die "could not install Debian packages: ${missing} (see apt-get's messages above)."
            return 1
        fi
        sscard_warn "could not install Debian packages: ${missing}; continuing without them."
        return 0
    fi
    printf '[setup] missing Debian packages; run:\n    sudo apt-get install %s\n' "$missing" >&2
    if [[ "$mode" == strict ]]; then
        sscard_die "missing Debian packages (command above); the tests need them."
        return 1
    fi
    sscard_warn "continuing without them: the demo's embedded defaults don't need them" \
        "(the pcsc extra, pyscard, is skipped until they are installed)."
    return 0
}

# --- 3. virtualenv -----------------------------------------------------------------
_sscard_venv_ok() {
    [[ -x "${SSCARD_VENV}/bin/python" ]] \
        && _sscard_python_ok "${SSCARD_VENV}/bin/python" \
        && "${SSCARD_VENV}/bin/python" -m pip --version >/dev/null 2>&1
}

_sscard_hash() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d' ' -f1
    else
        "$SSCARD_PYTHON_BIN" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
    fi
}

sscard_ensure_venv() {
    # $1: the extras to install, e.g. dev,pcsc,serial,pkcs11
    local extras="$1" want have=""
    if [[ -e "$SSCARD_VENV" ]] && ! _sscard_venv_ok; then
        sscard_warn "${SSCARD_VENV} is broken (no working python/pip); recreating it."
        rm -rf "$SSCARD_VENV"
    fi
    if [[ ! -e "$SSCARD_VENV" ]]; then
        sscard_log "creating ${SSCARD_VENV} with ${SSCARD_PYTHON_BIN}"
        "$SSCARD_PYTHON_BIN" -m venv "$SSCARD_VENV" || {
            sscard_die "could not create the virtualenv (on Debian: apt-get install python3-venv)."
            return 1
        }
    fi
    want="$( {
        cat "${SSCARD_ROOT}/pyproject.toml"
        printf '\nextras=%s\n' "$extras"
        "${SSCARD_VENV}/bin/python" -c 'import sys; print(sys.version)'
    } | _sscard_hash)"
    [[ -f "$SSCARD_STAMP" ]] && have="$(cat "$SSCARD_STAMP")"
    if [[ "$want" == "$have" ]]; then
        return 0
    fi
    sscard_log "installing the project into .venv: pip install -e '.[${extras}]' (first time: a few minutes)"
    rm -f "$SSCARD_STAMP"
    # pip's output goes to a log; on failure it is shown without this machine's harmless
    # find-links warnings ("Location 'file:///...' is ignored").
    if ! (cd "$SSCARD_ROOT" && "${SSCARD_VENV}/bin/python" -m pip install -q \
        --disable-pip-version-check -e ".[${extras}]") >"${SSCARD_VENV}/pip-install.log" 2>&1; then
        grep -v "^WARNING: Location 'file://" "${SSCARD_VENV}/pip-install.log" >&2 || true
        sscard_die "pip install -e '.[${extras}]' failed (messages above; full log:" \
            "${SSCARD_VENV}/pip-install.log)."
        return 1
    fi
    printf '%s\n' "$want" >"$SSCARD_STAMP"
    sscard_log "project installed."
}

# --- PC/SC daemon (for tests that use real pcscd + vpcd) -----------------------------
sscard_pcscd_running() {
    local pidfile=/run/pcscd/pcscd.pid pid
    if [[ -S /run/pcscd/pcscd.comm && -r "$pidfile" ]]; then
        pid="$(tr -dc '0-9' <"$pidfile" 2>/dev/null || true)"  # pcscd pads it with NULs
        [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && return 0
    fi
    return 1
}

sscard_ensure_pcscd() {
    # Starts pcscd as a daemon unless it already runs.  Debian's vsmartcard-vpcd makes
    # pcscd load /usr/lib/pcsc/drivers/serial/libifdvpcd.so (via /etc/reader.conf.d/vpcd),
    # giving readers "Virtual PCD 00 00" (vpcd port 35963) and "Virtual PCD 00 01" (35964).
    local pcscd_bin i
    if sscard_pcscd_running; then
        return 0
    fi
    pcscd_bin="$(command -v pcscd 2>/dev/null || true)"
    [[ -z "$pcscd_bin" && -x /usr/sbin/pcscd ]] && pcscd_bin=/usr/sbin/pcscd
    if [[ -z "$pcscd_bin" ]]; then
        sscard_die "pcscd not found: install the Debian package pcscd (and vsmartcard-vpcd)."
        return 1
    fi
    if [[ ! -e /etc/reader.conf.d/vpcd ]]; then
        sscard_warn "/etc/reader.conf.d/vpcd is missing: pcscd will have no virtual readers" \
            "(install vsmartcard-vpcd)."
    fi
    sscard_log "starting ${pcscd_bin}"
    "$pcscd_bin" || {
        sscard_die "${pcscd_bin} failed to start."
        return 1
    }
    for ((i = 0; i < 50; i++)); do
        sscard_pcscd_running && return 0
        sleep 0.1
    done
    sscard_die "pcscd did not come up within 5 s (no /run/pcscd/pcscd.comm)."
}

# --- all of it -----------------------------------------------------------------------
sscard_bootstrap() {
    # $1: strict (tests, CI) or lenient (demo).
    local mode="${1:-strict}" extras
    case "$mode" in
        strict | lenient) ;;
        *)
            sscard_die "sscard_bootstrap: mode must be strict or lenient, not '${mode}'"
            return 1
            ;;
    esac
    sscard_find_python || return 1
    sscard_ensure_deb_packages "$mode" || return 1
    extras="$SSCARD_EXTRAS_FULL"
    if ((!SSCARD_DEB_OK)); then
        extras="$SSCARD_EXTRAS_NO_PCSC"
    fi
    sscard_ensure_venv "$extras" || return 1
}
