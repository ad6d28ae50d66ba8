#!/usr/bin/env bash
# Usage: scripts/ensure-postgres.sh [DATABASE]          (default database: probatio)
#
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 for the `postgres` role without a
# password, and that DATABASE exists, so that
#     DATABASE_URL=postgres://postgres@127.0.0.1:5432/DATABASE
# works. Steps, each only when needed:
#   1. PostgreSQL absent: install it with apt-get (root only; otherwise print the command);
#   2. cluster stopped: start the newest cluster found under /etc/postgresql;
#   3. wait (bounded) until it accepts connections;
#   4. password refused over TCP: trust the `postgres` role from 127.0.0.1 only (root only);
#   5. create DATABASE if missing (Django's test runner creates test_DATABASE itself, which
#      needs CREATEDB: `postgres` is a superuser).
# Used by .ci/run; safe to run again (it changes nothing when all is in place).
set -euo pipefail

DB_NAME=${1:-probatio}
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
WAIT_SECONDS=${PROBATIO_PG_WAIT_SECONDS:-60}

log() { echo "ensure-postgres: $*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [ "$(id -u)" = "0" ]; }

ready() {
    command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
}

cluster_version() {
    # Newest major version with a `main` cluster configured.
    local dir
    dir=$(ls -d /etc/postgresql/*/main 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ]; then basename "$(dirname "$dir")"; fi
}

run_as_postgres() {
    if is_root; then
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}

psql_tcp() {
    psql -X -w -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 "$@"
}

# 1. Installed?
if ! ready && [ -z "$(cluster_version)" ]; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
        log "PostgreSQL est absent : installation avec apt-get ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    else
        die "PostgreSQL est absent. Installez-le : sudo apt-get update && sudo apt-get install -y postgresql"
    fi
    [ -n "$(cluster_version)" ] || die "aucun cluster PostgreSQL trouvé sous /etc/postgresql après l'installation"
fi

# 2. Running?
if ! ready; then
    version=$(cluster_version)
    [ -n "$version" ] || die "rien n'écoute sur $PG_HOST:$PG_PORT et aucun cluster local n'est configuré"
    log "démarrage du cluster PostgreSQL $version/main ..."
    if is_root || [ "$(id -un)" = "postgres" ]; then
        # "already running" (e.g. still starting up) is not an error here: step 3 decides.
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    else
        die "démarrez PostgreSQL : sudo pg_ctlcluster $version main start"
    fi
fi

# 3. Wait, bounded.
waited=0
until ready; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
        die "PostgreSQL ne répond pas sur $PG_HOST:$PG_PORT après ${WAIT_SECONDS} s (voir /var/log/postgresql/)"
    fi
    sleep 1
    waited=$((waited + 1))
done
log "PostgreSQL répond sur $PG_HOST:$PG_PORT."

# 4. Can the postgres role connect over TCP without a password?
if ! psql_tcp -c 'SELECT 1' >/dev/null 2>&1; then
    version=$(cluster_version)
    if is_root && [ -n "$version" ]; then
        hba=$(run_as_postgres "psql -X -At -c 'SHOW hba_file'")
        log "connexion sans mot de passe refusée : accès « trust » pour $PG_USER depuis $PG_HOST ($hba)"
        rule="host all $PG_USER $PG_HOST/32 trust"
        { echo "# Added by Probatio's scripts/ensure-postgres.sh (local tests only)"
          echo "$rule"
          cat "$hba"; } >"$hba.probatio-new"
        chown --reference="$hba" "$hba.probatio-new"
        chmod --reference="$hba" "$hba.probatio-new"
        mv "$hba.probatio-new" "$hba"
        run_as_postgres "psql -X -q -c 'SELECT pg_reload_conf()'" >/dev/null
        sleep 1
    fi
    psql_tcp -c 'SELECT 1' >/dev/null 2>&1 \
        || die "le rôle $PG_USER ne peut pas se connecter à $PG_HOST:$PG_PORT sans mot de passe (pg_hba.conf)"
fi

# 5. The database.
exists=$(psql_tcp -At -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
if [ "$exists" != "1" ]; then
    log "création de la base $DB_NAME ..."
    psql_tcp -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$PG_USER\""
fi
log "prêt : postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB_NAME"
