#!/bin/bash
# A throw-away PostgreSQL cluster with SiJaga's production profile (deploy/postgresql/sijaga.conf), to measure the
# import under it without touching the shared server (bench/README.md). Run as root; the cluster runs as postgres.
#
#   bench/pgprofile.sh start            # initdb in $PGPROF_DIR (default /work/pgprof), port $PGPROF_PORT (5434)
#   bench/pgprofile.sh bench [args]     # flock /work/bench.lock bench/import.py against it (extra args passed on)
#   bench/pgprofile.sh stop             # stop the cluster and delete its directory
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR=${PGPROF_DIR:-/work/pgprof}
PORT=${PGPROF_PORT:-5434}
BIN=${PGBIN:-/usr/lib/postgresql/15/bin}
URL="postgresql://postgres@127.0.0.1:$PORT/sijaga_bench_profile"
PY=${PYTHON:-$HERE/.venv/bin/python}
as_pg() { su postgres -s /bin/bash -c "$*"; }

case "${1:-}" in
start)
    install -d -o postgres -g postgres -m 700 "$DIR"
    as_pg "$BIN/initdb -D $DIR/data --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null"
    cp "$HERE/deploy/postgresql/sijaga.conf" "$DIR/data/sijaga.conf"
    chown postgres:postgres "$DIR/data/sijaga.conf"
    printf "include 'sijaga.conf'\nport = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" \
        "$PORT" "$DIR" >> "$DIR/data/postgresql.conf"
    as_pg "$BIN/pg_ctl -D $DIR/data -l $DIR/server.log -w start >/dev/null"
    as_pg "$BIN/psql -h 127.0.0.1 -p $PORT -Atc 'SHOW shared_buffers' postgres" | sed 's/^/shared_buffers /'
    ;;
bench)
    shift
    as_pg "$BIN/createdb -h 127.0.0.1 -p $PORT sijaga_bench_profile" 2>/dev/null || true
    # migrate and load the regions once, then the per-table settings of the profile, then the measured run
    PYTHONPATH="$HERE/src" DATABASE_URL="$URL" "$PY" -m sijaga migrate -v 0
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -f "$HERE/deploy/postgresql/tables.sql" sijaga_bench_profile
    cd "$HERE"
    PYTHONPATH="$HERE/src" flock /work/bench.lock "$PY" bench/import.py --database-url "$URL" "$@"
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atc "SELECT round((total_exec_time / 1000)::numeric, 1) || ' s  ' || calls
        || '×  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements
        ORDER BY total_exec_time DESC LIMIT 12" sijaga_bench_profile
    ;;
stop)
    as_pg "$BIN/pg_ctl -D $DIR/data -m fast -w stop >/dev/null" || true
    rm -rf "$DIR"
    ;;
*)
    sed -n 2,8p "$0"; exit 2 ;;
esac
