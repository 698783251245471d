#!/usr/bin/env bash
# tools/realcloud/down.sh [--from FILE] [--purge] -- stop the real-cloud test tier's
# processes (the pods', Keystone, the top's central Neutron and top Glance): all of those
# recorded under $TRICIRCLE_REALCLOUD_HOME/run, or only those named in FILE (one per
# line, as up.sh records them in $TRICIRCLE_REALCLOUD_STARTED).
# Data stays, so up.sh restarts quickly.  --purge also drops the databases, vhosts,
# configs, data and logs (the venv is kept).  Never touches MariaDB or RabbitMQ themselves.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cloud.env
source "$HERE/cloud.env"
RC_HOME=${TRICIRCLE_REALCLOUD_HOME:-/var/tmp/tricircle-realcloud}
RUN=$RC_HOME/run
FROM= PURGE=
while (($#)); do
    case $1 in
        --from) FROM=$2; shift 2 ;;
        --purge) PURGE=1; shift ;;
        *) echo "usage: $0 [--from FILE] [--purge]" >&2; exit 2 ;;
    esac
done

# up.sh starts every process with setsid: its pid is also the id of a process group
# holding it and its children (gunicorn and oslo.service workers).  TERM the group,
# KILL it after 15 s (nova and cinder daemons can ignore TERM for a while).
stop() {
    local name=$1 f=$RUN/$1.pid pid
    [[ -s $f ]] || return 0
    pid=$(cat "$f")
    if kill -TERM -- "-$pid" 2>/dev/null; then
        for _ in $(seq 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$pid" 2>/dev/null && echo "$name ($pid) ignored TERM for 15 s: killed"
        echo "stopped $name ($pid)"
    fi
    rm -f "$f"
}

if [[ -n $FROM ]]; then
    names=$(sort -u "$FROM" 2>/dev/null)
else
    names=$(for f in "$RUN"/*.pid; do [[ -e $f ]] && basename "$f" .pid; done)
fi
# services first, in parallel; Keystone last so nothing loses its token mid-stop
for n in $names; do [[ $n == keystone ]] || stop "$n" & done
wait
grep -qx keystone <<<"$names" && stop keystone

if [[ -n $PURGE ]]; then
    MYSQL=(mysql -uroot -h127.0.0.1 -P"$RC_MYSQL_PORT" --batch --skip-column-names)
    for d in $("${MYSQL[@]}" -e "show databases like '${RC_PREFIX//_/\\_}%'"); do "${MYSQL[@]}" -e "DROP DATABASE \`$d\`"; done
    for v in $(rabbitmqctl -q list_vhosts | grep "^$RC_PREFIX"); do rabbitmqctl -q delete_vhost "$v" >/dev/null; done
    rm -rf "$RC_HOME/data" "$RC_HOME/etc" "$RC_HOME/logs" "$RC_HOME/run" "$RC_HOME/lib" "$RC_HOME/clouds.yaml"
    echo "purged the test cloud's databases, vhosts and state under $RC_HOME (venv kept)"
fi
