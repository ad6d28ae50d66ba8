#!/usr/bin/env bash
# Usage: scripts/ensure-debian-package.sh COMMAND PACKAGE [PACKAGE...]
#        scripts/ensure-debian-package.sh --python-module MODULE PACKAGE [PACKAGE...]
#
# Succeeds when COMMAND is on PATH (or when python3 can import MODULE). Otherwise installs the
# Debian PACKAGEs when it can (root with apt-get), or stops with the command to run.
set -euo pipefail

python_module=""
if [ "${1:-}" = "--python-module" ]; then
    python_module=${2:-}
    shift 2 || true
fi
if [ "$#" -lt 1 ] || { [ -z "$python_module" ] && [ "$#" -lt 2 ]; }; then
    echo "usage: $0 COMMAND PACKAGE [PACKAGE...] | --python-module MODULE PACKAGE [PACKAGE...]" >&2
    exit 2
fi

if [ -n "$python_module" ]; then
    wanted="le module Python « $python_module »"
    present() { "${PYTHON:-python3}" -c "import $python_module" >/dev/null 2>&1; }
else
    wanted="« $1 »"
    command_name=$1
    present() { command -v "$command_name" >/dev/null 2>&1; }
    shift
fi

if present; then
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "$wanted est absent : installation des paquets Debian $* ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
    if present; then
        exit 0
    fi
    echo "Les paquets $* sont installés mais $wanted reste introuvable." >&2
    exit 1
fi

echo "$wanted est introuvable. Installez-le puis relancez la commande :" >&2
echo "    sudo apt-get update && sudo apt-get install -y $*" >&2
exit 1
