#!/usr/bin/env bash
# A team's MLflow tracking server for xstilts: runs and metrics in PostgreSQL, artifacts (configurations,
# predictions, figures) in a directory or a bucket that only the server touches (clients up- and download
# them through the server: proxied artifacts), and MLflow's basic-auth app (a user name and password per
# person). See docs/team.md.
#
#   export MLFLOW_FLASK_SERVER_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')  # keep it
#   export MLFLOW_AUTH_ADMIN_PASSWORD='...'   # creates the user `admin` on the first start only
#   export PGPASSWORD='...'                   # or ~/.pgpass: the database password never goes in the URL
#   scripts/tracking_server.sh --backend-store-uri postgresql://mlflow@db.example.org:5432/mlflow \
#       --artifacts-destination /srv/mlflow-artifacts        # or s3://bucket/prefix (needs boto3 + AWS_* vars)
#
# Options (defaults in brackets):
#   --backend-store-uri URI      runs, params, metrics, tags: postgresql://USER@HOST[:PORT]/DB (required)
#   --artifacts-destination D    artifact store: a directory (made absolute, created) or s3://... (required)
#   --host ADDR                  interface to listen on [127.0.0.1]; 0.0.0.0 serves other machines: put it
#                                behind TLS (a reverse proxy) then, basic auth sends passwords in clear text
#   --port N                     [5000]
#   --workers N                  uvicorn worker processes [2]
#   --auth-db URI                users and permissions [the backend store: own tables, own migrations]
#   --default-permission P       what every user may do in an experiment someone else created: READ, EDIT,
#                                MANAGE or NO_PERMISSIONS [EDIT: the team logs runs into the shared
#                                experiments xstilts-smoke and xstilts-paper]
#   --auth-cache-seconds N       a verified password is trusted for N s per worker [60; MLflow's default 0
#                                hashes it again on every request, ~0.1 s of CPU each: a report makes
#                                hundreds]. A changed or deleted password may work for up to N s more
#   --no-auth                    no basic-auth app (only behind an authenticating proxy)
#   -- ARGS...                   passed on to `mlflow server` (e.g. -- --allowed-hosts mlflow.example.org)
#
# Clients (any xstilts command, dvc repro, mlflow run): export MLFLOW_TRACKING_URI=http://HOST:PORT,
# MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD. The server runs in the foreground (exec): stop it
# with Ctrl-C or SIGTERM. Needs: pip install 'mlflow[auth]' 'psycopg[binary]' (PYTHON: the interpreter
# with them [python3]).
set -euo pipefail

die() { echo "tracking_server.sh: $*" >&2; exit 2; }

backend="" artifacts="" host=127.0.0.1 port=5000 workers=2 auth_db="" permission=EDIT auth=1 auth_cache=60
while [ $# -gt 0 ]; do
  case "$1" in
    --backend-store-uri) backend=${2-}; shift 2 ;;
    --artifacts-destination) artifacts=${2-}; shift 2 ;;
    --host) host=${2-}; shift 2 ;;
    --port) port=${2-}; shift 2 ;;
    --workers) workers=${2-}; shift 2 ;;
    --auth-db) auth_db=${2-}; shift 2 ;;
    --default-permission) permission=${2-}; shift 2 ;;
    --auth-cache-seconds) auth_cache=${2-}; shift 2 ;;
    --no-auth) auth=0; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -n "$backend" ] || die "--backend-store-uri is required (postgresql://USER@HOST/DB)"
[ -n "$artifacts" ] || die "--artifacts-destination is required (a directory or s3://...)"
case "$backend" in
  sqlite:*) die "--backend-store-uri $backend: a SQLite file is not a team store (one writer at a time, and it" \
                "corrupts on a network drive); use PostgreSQL" ;;
  *://*) ;;
  *) die "--backend-store-uri $backend: not a database URL (postgresql://USER@HOST/DB)" ;;
esac
# a password in a URL is visible to every user of this host (ps) and lands in logs: refuse it
shopt -s nocasematch
for uri in "$backend" ${auth_db:+"$auth_db"}; do
  rest=${uri#*://} query=""
  before_at=${rest%%@*}
  case "$rest" in *\?*) query=${rest#*\?} ;; esac
  if { [ "$before_at" != "$rest" ] && [[ "$before_at" == *:* ]]; } || [[ "$query" =~ (^|[\&\;])[a-z]*(pass|pwd)[a-z]*= ]]; then
    die "a database URL carries a password (visible to every user of this host in ps): leave it out and set" \
        "PGPASSWORD or use ~/.pgpass"
  fi
done
shopt -u nocasematch
case "$port" in ''|*[!0-9]*) die "--port $port: not a port number" ;; esac
case "$workers" in ''|*[!0-9]*|0) die "--workers $workers: not a positive number" ;; esac
case "$auth_cache" in ''|*[!0-9]*) die "--auth-cache-seconds $auth_cache: not a number of seconds" ;; esac
case "$permission" in READ|EDIT|MANAGE|NO_PERMISSIONS) ;; *) die "--default-permission $permission: one of READ, EDIT, MANAGE, NO_PERMISSIONS" ;; esac
case "$artifacts" in
  *://*) ;;
  *) mkdir -p "$artifacts" && artifacts=$(cd "$artifacts" && pwd) ;;  # the server resolves it, not the clients
esac

python=${PYTHON:-python3}
args=(--backend-store-uri "$backend" --artifacts-destination "$artifacts" --serve-artifacts
      --host "$host" --port "$port" --workers "$workers")
if [ "$auth" = 1 ]; then
  [ -n "${MLFLOW_FLASK_SERVER_SECRET_KEY:-}" ] || die "set MLFLOW_FLASK_SERVER_SECRET_KEY (a long random string, the" \
    "same at every start and for every server of this store)"
  "$python" -c 'import flask_wtf' 2>/dev/null || die "the basic-auth app needs: pip install 'mlflow[auth]'"
  # MLflow's basic_auth.ini with this store's database and default permission (no secret in it: the admin's
  # first password comes from MLFLOW_AUTH_ADMIN_PASSWORD, the database password from PGPASSWORD/~/.pgpass)
  MLFLOW_AUTH_CONFIG_PATH=$(mktemp "${TMPDIR:-/tmp}/xstilts-mlflow-auth.XXXXXX")
  export MLFLOW_AUTH_CONFIG_PATH
  cat > "$MLFLOW_AUTH_CONFIG_PATH" <<EOF
[mlflow]
default_permission = $permission
database_uri = ${auth_db:-$backend}
admin_username = ${MLFLOW_AUTH_ADMIN_USERNAME:-admin}
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
auth_cache_ttl_seconds = $auth_cache
EOF
  args+=(--app-name basic-auth)
fi
echo "tracking_server.sh: MLflow server on http://$host:$port (store $backend," \
     "artifacts $artifacts, auth $([ "$auth" = 1 ] && echo "basic, default permission $permission" || echo off))" >&2
exec "$python" -m mlflow server "${args[@]}" "$@"
