#!/usr/bin/env bash
# A real PostgreSQL 15 streaming replica on this machine, and the registry/dashboard reads against it (issue 18).
#
#   bench/replica.sh setup      # steps 1-4 below: replica on 127.0.0.1:5433, hot standby, streaming from :5432
#   bench/replica.sh status     # recovery state, replay lag, the primary's pg_stat_replication row
#   bench/replica.sh bench [ARGS]   # bench/replica.py: primary vs replica through sijaga.core.db_router
#   bench/replica.sh teardown [--hba]   # stop the replica, delete its data directory (and remove the hba line)
#
# Steps of `setup` (run as root or postgres; as root, the PostgreSQL commands run through `su postgres`):
#   1. the PRIMARY's pg_hba.conf gets `host replication postgres 127.0.0.1/32 trust` (a replication connection is
#      not covered by `host all all …`), then `SELECT pg_reload_conf()`. Reloading re-reads pg_hba.conf and
#      changes nothing for open sessions. In production use a dedicated `REPLICATION` role with scram-sha-256 from
#      the replica's address instead of `trust` (docs/scaling.md §3).
#   2. `pg_basebackup -X stream -R` copies the primary's data directory into $REPLICA_DIR and writes
#      `standby.signal` + `primary_conninfo` (no replication slot: a slot left behind by a stopped benchmark replica
#      would make the shared primary keep WAL forever).
#   3. a postgresql.conf and pg_hba.conf of its own in $REPLICA_DIR (Debian keeps the primary's in /etc): port
#      5433, hot_standby, hot_standby_feedback, max_standby_streaming_delay = 5min.
#   4. `pg_ctl start`, then wait until it accepts read-only connections and is in recovery.
# Needs: PostgreSQL 15 binaries in $PGBIN, the primary's wal_level >= replica and max_wal_senders > 0 (defaults).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/var/lib/postgresql/15/sijaga_replica}
REPLICA_LOG=${REPLICA_LOG:-/var/lib/postgresql/15/sijaga_replica.log}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HBA_LINE="host replication postgres 127.0.0.1/32 trust  # sijaga bench/replica.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-python}

primary() { psql -X -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -Atc "$1"; }
replica() { psql -X -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atc "$1"; }
as_pg() {
    if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}

setup() {
    # 1. replication entry in the primary's pg_hba.conf
    local hba
    hba=$(primary "SHOW hba_file")
    if ! grep -q "^host[[:space:]]\+replication[[:space:]]\+postgres[[:space:]]\+127.0.0.1/32" "$hba"; then
        echo "step 1: adding '$HBA_LINE' to $hba and reloading the primary"
        echo "$HBA_LINE" >>"$hba"
        primary "SELECT pg_reload_conf()" >/dev/null
    else
        echo "step 1: $hba already allows replication from 127.0.0.1"
    fi
    if replica "SELECT 1" >/dev/null 2>&1; then
        echo "a server already answers on port $REPLICA_PORT: nothing to do (teardown first to rebuild)"
        return
    fi
    # 2. base backup, streaming the WAL written meanwhile; -R makes it a standby of the primary
    if [ -e "$REPLICA_DIR" ]; then
        echo "$REPLICA_DIR exists but no server answers on $REPLICA_PORT: run teardown first" >&2
        exit 1
    fi
    echo "step 2: pg_basebackup of $PRIMARY_HOST:$PRIMARY_PORT ($(primary "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database")) into $REPLICA_DIR"
    local started=$SECONDS
    if [ "$(id -u)" = 0 ]; then  # the parent may belong to root: an empty directory owned by postgres is accepted
        install -d -o postgres -g postgres -m 700 "$REPLICA_DIR"
        touch "$REPLICA_LOG" && chown postgres:postgres "$REPLICA_LOG"
    fi
    as_pg "$PGBIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
        -X stream -R -c fast
    echo "        done in $((SECONDS - started)) s"
    configure
    start
}

configure() {
    # 3. its own configuration; a standby needs these at least as high as on the primary
    local same
    same=$(primary "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN ('max_connections',
        'max_worker_processes', 'max_prepared_transactions', 'max_locks_per_transaction', 'max_wal_senders')")
    as_pg tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
# written by bench/replica.sh: a hot standby of $PRIMARY_HOST:$PRIMARY_PORT
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 5min
shared_buffers = 128MB
logging_collector = off
$same
EOF
    as_pg tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    as_pg touch "$REPLICA_DIR/pg_ident.conf"
}

start() {
    # 4. start and wait for read-only connections
    echo "step 4: starting the standby on port $REPLICA_PORT (log $REPLICA_LOG)"
    as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_LOG" -w -t 120 start >/dev/null
    for _ in $(seq 60); do
        if [ "$(replica "SELECT pg_is_in_recovery()" 2>/dev/null)" = "t" ]; then
            status
            return
        fi
        sleep 1
    done
    echo "the standby did not come up: see $REPLICA_LOG" >&2
    exit 1
}

status() {
    echo "replica :$REPLICA_PORT in recovery: $(replica "SELECT pg_is_in_recovery()"), replay lag: $(replica \
        "SELECT COALESCE(round(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::numeric, 3)::text, 'none yet') || ' s since the last replayed commit; received = replayed: ' || (pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn())")"
    echo "primary's view: $(primary "SELECT application_name || ' ' || state || ', sync ' || sync_state || ', replay lag ' || COALESCE(replay_lag::text, '0') FROM pg_stat_replication")"
}

teardown() {
    if [ -e "$REPLICA_DIR/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop
    fi
    rm -rf "$REPLICA_DIR"
    echo "replica stopped and $REPLICA_DIR removed"
    if [ "${1:-}" = "--hba" ]; then
        local hba
        hba=$(primary "SHOW hba_file")
        sed -i '/# sijaga bench\/replica.sh$/d' "$hba"
        primary "SELECT pg_reload_conf()" >/dev/null
        echo "replication line removed from $hba, primary reloaded"
    fi
}

case "${1:-}" in
    setup) setup ;;
    status) status ;;
    bench) shift; "$PY" "$HERE/replica.py" --replica-url "postgresql://postgres@127.0.0.1:$REPLICA_PORT/${BENCH_DB:-sijaga_bench_registry}" "$@" ;;
    teardown) shift; teardown "$@" ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
esac
