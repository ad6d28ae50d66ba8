#!/usr/bin/env bash
# A throwaway PostgreSQL primary and its streaming standby on loopback, to try the read replica
# on one machine (docs/deployment.md). Nothing of an existing server is touched: both clusters
# live in FOLDER, on free ports, run by the `postgres` user when started as root (FOLDER must
# then be reachable by that user, e.g. under /tmp).
#
#   scripts/loopback-replica.sh start FOLDER   # prints DATABASE_URL and DATABASE_REPLICA_URL
#   scripts/loopback-replica.sh stop FOLDER    # stops both and removes FOLDER
#
# Then, with the two variables exported: `manage.py migrate` (on the primary; the standby
# follows), `manage.py load_demo`, and the server. tests/services/test_replica.py builds the
# same pair for the test.
set -euo pipefail

action="${1:-}"
folder="${2:-}"
if [ -z "$action" ] || [ -z "$folder" ]; then
    echo "usage : $0 start|stop DOSSIER" >&2
    exit 2
fi

bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ ! -x "$bindir/initdb" ]; then
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
if [ ! -x "$bindir/initdb" ]; then
    echo "Programmes du serveur PostgreSQL (initdb, pg_basebackup) introuvables." >&2
    exit 1
fi

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
start)
    mkdir -p "$folder"
    folder="$(cd "$folder" && pwd)"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$folder"; fi
    primary_port="$(free_port)"
    standby_port="$(free_port)"
    as_postgres "$bindir/initdb" -D "$folder/primary" -U postgres -A trust -E UTF8 >/dev/null
    cat >>"$folder/primary/postgresql.conf" <<EOF
port = $primary_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$folder'
wal_level = replica
max_wal_senders = 4
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >>"$folder/primary/pg_hba.conf"
    as_postgres "$bindir/pg_ctl" -D "$folder/primary" -l "$folder/primary.log" -w start >/dev/null
    "$bindir/createdb" -h 127.0.0.1 -p "$primary_port" -U postgres probatio
    as_postgres "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
        -D "$folder/standby" -R -X stream --checkpoint=fast
    echo "port = $standby_port" >>"$folder/standby/postgresql.conf"
    as_postgres "$bindir/pg_ctl" -D "$folder/standby" -l "$folder/standby.log" -w start >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$primary_port/probatio"
    echo "export DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$standby_port/probatio"
    ;;
stop)
    for cluster in standby primary; do
        if [ -f "$folder/$cluster/postmaster.pid" ]; then
            as_postgres "$bindir/pg_ctl" -D "$folder/$cluster" -m fast -w stop >/dev/null
        fi
    done
    rm -rf "$folder"
    ;;
*)
    echo "usage : $0 start|stop DOSSIER" >&2
    exit 2
    ;;
esac
