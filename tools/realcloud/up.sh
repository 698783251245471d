#!/usr/bin/env bash
# tools/realcloud/up.sh -- start the real OpenStack 2026.1 test cloud on 127.0.0.1:
# one Keystone (regions: the top region + one per pod) and, per pod region, Placement,
# Nova (api, conductor, scheduler, compute with the fake virt driver), Neutron (ML2,
# no agents), Cinder (api, scheduler, volume with the fake driver) and Glance (file).
# The top region also runs a central Neutron and a top Glance: not in the catalog (the
# top's endpoints are the gateway's), the gateway passes network and image calls to them.
#
# Uses the machine's MariaDB (127.0.0.1:3306, root without password) and RabbitMQ
# (rabbitmqctl, one vhost per pod, one for the top).  Idempotent and cached: venv,
# configs, data, logs and pid files live under $TRICIRCLE_REALCLOUD_HOME (default
# /var/tmp/tricircle-realcloud); a second run skips what is installed, initialised or running.
#
# If $TRICIRCLE_REALCLOUD_STARTED names a file, the name of every process this run
# starts is appended to it, so that `down.sh --from FILE` stops exactly those.
# Facts (ports, regions, password) are in cloud.env beside this script.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cloud.env
source "$HERE/cloud.env"
RC_HOME=${TRICIRCLE_REALCLOUD_HOME:-/var/tmp/tricircle-realcloud}
STARTED=${TRICIRCLE_REALCLOUD_STARTED:-}
PASS=$RC_PASSWORD
PODS=($RC_PODS)
PY=${TRICIRCLE_REALCLOUD_PYTHON:-python3}
PKGS="keystone==29.1.0 nova==33.0.2 neutron==28.0.2 cinder==28.0.0 glance==32.0.0 openstack-placement==15.0.0 PyMySQL gunicorn"
UC=$HERE/upper-constraints-2026.1.txt
VENV=$RC_HOME/venv RUN=$RC_HOME/run LOG=$RC_HOME/logs ETC=$RC_HOME/etc DATA=$RC_HOME/data LIB=$RC_HOME/lib
mkdir -p "$RUN" "$LOG" "$ETC" "$DATA" "$LIB"
DB_USER=${RC_PREFIX}openstack
DB="mysql+pymysql://$DB_USER:$PASS@127.0.0.1:$RC_MYSQL_PORT/$RC_PREFIX"
KS_PORT=$RC_KEYSTONE_PORT
export PASS DB KS_PORT VENV LOG DATA

# one up.sh at a time per machine (two pytest sessions may start together)
exec 9>"$RC_HOME/up.lock"
flock -w 900 9 || { echo "up.sh: another up.sh holds $RC_HOME/up.lock" >&2; exit 1; }

T0=$(date +%s.%N)
el() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[$(el)s] $*"; }
die() { log "ERROR: $*" >&2; exit 1; }
phase_t=$T0
phase() { # append how long the phase that just ended took to timings.txt
    local now; now=$(date +%s.%N)
    awk -v a="$phase_t" -v b="$now" -v n="$1" 'BEGIN{printf "%-24s %6.1f s\n", n, b-a}' >>"$RC_HOME/timings.txt"
    phase_t=$now
}
echo "=== up.sh $(date -Is)" >>"$RC_HOME/timings.txt"

# Services run with the configs rendered when they started: a tier started from other
# templates (an older checkout's) is stopped first, so every service runs with these.
TEMPLATES_SHA=$(cat "$HERE"/templates/* | sha256sum | cut -d' ' -f1)
if [[ -s $RC_HOME/templates.sha && $(cat "$RC_HOME/templates.sha") != "$TEMPLATES_SHA" ]]; then
    log "the templates changed since the tier started: restarting it"
    bash "$HERE/down.sh" >/dev/null
fi
echo "$TEMPLATES_SHA" >"$RC_HOME/templates.sha"

# render TEMPLATE OUT [VAR=value ...]: replace @VAR@ from the environment; @KSA@ is the
# keystoneauth client block; with RC_APPEND=FILE that template is appended first.
render() {
    local t=$1 o=$2; shift 2
    mkdir -p "$(dirname "$o")"
    env "$@" TDIR="$HERE/templates" "$PY" - "$HERE/templates/$t" "$o" <<'EOF'
import os, re, sys
tdir = os.environ["TDIR"]
s = open(sys.argv[1]).read()
if os.environ.get("RC_APPEND"):
    s += "\n" + open(os.path.join(tdir, os.environ["RC_APPEND"])).read()
s = s.replace("@KSA@", open(os.path.join(tdir, "ksa-client.inc")).read().rstrip("\n"))
def rep(m):
    if m.group(1) not in os.environ:
        sys.exit("render: %s unset for %s" % (m.group(1), sys.argv[1]))
    return os.environ[m.group(1)]
open(sys.argv[2], "w").write(re.sub(r"@([A-Z][A-Z0-9_]*)@", rep, s))
EOF
}

alive() { local f=$RUN/$1.pid; [[ -s $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
# start NAME CMD...: detached in its own session (so down.sh can signal the group)
start() {
    local name=$1; shift
    if alive "$name"; then return 0; fi
    setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null 9>&- &  # 9>&-: not holding up.lock
    echo $! >"$RUN/$name.pid"
    [[ -z $STARTED ]] || echo "$name" >>"$STARTED"
    log "started $name (pid $!)"
}
# gunicorn_start NAME PORT MODULE [ENV=value ...]
gunicorn_start() {
    local name=$1 port=$2 module=$3; shift 3
    start "$name" env "$@" RC_WSGI_MODULE="$module" RC_WSGI_NAME="$name" \
        "$VENV/bin/gunicorn" --workers 1 --worker-class gthread --threads 8 \
        --bind "127.0.0.1:$port" --timeout 300 --graceful-timeout 5 \
        --pythonpath "$LIB" --name "$name" wsgi_shim:application
}
wait_http() { # URL TIMEOUT_S NAME
    local i
    for ((i = 0; i < $2 * 2; i++)); do
        curl -s -o /dev/null -m 5 "$1" && return 0
        alive "$3" || { tail -30 "$LOG/$3.log" >&2; die "$3 died, see $LOG/$3.log"; }
        sleep 0.5
    done
    die "$3 not answering on $1 after $2 s"
}
# an initialisation step is done when its marker exists and its databases existed
# before this run (a machine whose MariaDB was reset must initialise again)
done_mark() {
    local m=$1 db; shift
    [[ -e $DATA/.done-$m ]] || return 1
    for db in "$@"; do [[ " $EXISTING_DBS " == *" $RC_PREFIX$db "* ]] || return 1; done
}
mark() { touch "$DATA/.done-$1"; }

# ============================ 1. prerequisites + venv ============================
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }
MYSQL=(mysql -uroot -h127.0.0.1 -P"$RC_MYSQL_PORT" --batch --skip-column-names)
command -v mysql >/dev/null || die "no mysql client; the real-cloud tier needs the machine's MariaDB"
"${MYSQL[@]}" -e 'select 1' >/dev/null 2>&1 || die "MariaDB not reachable as root on 127.0.0.1:$RC_MYSQL_PORT"
command -v rabbitmqctl >/dev/null || die "no rabbitmqctl; the real-cloud tier needs the machine's RabbitMQ"
rabbitmqctl -q list_vhosts >/dev/null 2>&1 || die "RabbitMQ not reachable with rabbitmqctl"

STAMP="$PKGS $(cat "$UC" "$HERE/bindall/"* | md5sum | cut -d' ' -f1)"
if [[ "$(cat "$VENV/.installed" 2>/dev/null)" != "$STAMP" ]]; then
    log "pip install the services venv (~2 min)"
    "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip setuptools wheel >"$LOG/pip.log" 2>&1
    "$VENV/bin/pip" install -q -c "$UC" $PKGS >>"$LOG/pip.log" 2>&1 || die "pip failed, see $LOG/pip.log"
    # build the driver from a copy: setuptools writes build/ and *.egg-info beside it
    rm -rf "$RC_HOME/src" && mkdir -p "$RC_HOME/src" && cp -r "$HERE/bindall" "$RC_HOME/src/"
    "$VENV/bin/pip" install -q --no-build-isolation "$RC_HOME/src/bindall" >>"$LOG/pip.log" 2>&1
    echo "$STAMP" >"$VENV/.installed"
fi
cp "$HERE/wsgi_shim.py" "$HERE/cloudenv.py" "$LIB/"
phase venv

# ============================ 2. databases + vhosts ============================
EXISTING_DBS=" $("${MYSQL[@]}" -e 'show databases' | tr '\n' ' ') "
"${MYSQL[@]}" -e "CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PASS';
    CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$PASS';
    GRANT ALL PRIVILEGES ON \`${RC_PREFIX//_/\\_}%\`.* TO '$DB_USER'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON \`${RC_PREFIX//_/\\_}%\`.* TO '$DB_USER'@'localhost';"
dbs="keystone neutron_top glance_top"
for ((i = 1; i <= ${#PODS[@]}; i++)); do dbs+=" placement_r$i nova_api_r$i nova_cell0_r$i nova_cell1_r$i neutron_r$i cinder_r$i glance_r$i"; done
for d in $dbs; do "${MYSQL[@]}" -e "CREATE DATABASE IF NOT EXISTS $RC_PREFIX$d CHARACTER SET utf8mb4"; done
RMQ_USER=${RC_PREFIX}openstack
# read the list first: `grep -q` in a pipe can end rabbitmqctl with SIGPIPE (pipefail)
grep -q "^$RMQ_USER\b" <<<"$(rabbitmqctl -q list_users)" ||
    rabbitmqctl -q add_user "$RMQ_USER" "$PASS" >/dev/null
vhosts=$(rabbitmqctl -q list_vhosts)  # each rabbitmqctl call costs ~1 s: ask once
# one per pod, and the central Neutron's own (its API casts to agents nobody runs)
for vhost in $(seq -f "${RC_PREFIX}r%g" ${#PODS[@]}) "${RC_PREFIX}top"; do
    grep -qx "$vhost" <<<"$vhosts" && continue
    rabbitmqctl -q add_vhost "$vhost" >/dev/null
    rabbitmqctl -q set_permissions -p "$vhost" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
done
phase db+vhosts

# ============ 3. the top's central Neutron and top Glance (in the background) ============
# They need no Keystone until a request comes, so their DB syncs and starts run from here
# on, beside Keystone's start and the catalog (one core's work) and then beside the pods.
# neutron_up PORT / glance_up PORT: render, sync the DB once, start "$R-neutron-api" /
# "$R-glance-api"; R, REGION, TRANSPORT_URL, NOTIFY_NOVA, PROXY_HEADERS and SYNC_NICE (the
# DB sync's niceness) come from the caller
neutron_up() {
    local E=$ETC/$R
    mkdir -p "$DATA/$R/neutron/lock"
    render neutron.conf "$E/neutron/neutron.conf" SVC_USER=neutron RC_APPEND=authtoken.inc
    render ml2_conf.ini "$E/neutron/ml2_conf.ini"
    local NARGS="--config-file $E/neutron/neutron.conf --config-file $E/neutron/ml2_conf.ini"
    if ! done_mark "$R-neutron" "neutron_$R"; then
        nice -n "$SYNC_NICE" "$VENV/bin/neutron-db-manage" $NARGS upgrade heads \
            >"$LOG/$R-neutron-db-manage.log" 2>&1 ||
            die "$R neutron-db-manage failed, see $LOG/$R-neutron-db-manage.log"
        mark "$R-neutron"
    fi
    gunicorn_start "$R-neutron-api" "$1" neutron.wsgi.api RC_WSGI_ARGS="$NARGS"
}
glance_up() {
    local E=$ETC/$R
    mkdir -p "$DATA/$R"/glance/{images,staging,tasks,lock,cache}
    render glance-api.conf "$E/glance/glance-api.conf" SVC_USER=glance RC_APPEND=authtoken.inc
    if ! done_mark "$R-glance" "glance_$R"; then
        nice -n "$SYNC_NICE" "$VENV/bin/glance-manage" --config-file "$E/glance/glance-api.conf" \
            db_sync \
            >"$LOG/$R-glance-manage.log" 2>&1 || die "$R glance db_sync failed"
        mark "$R-glance"
    fi
    gunicorn_start "$R-glance-api" "$1" glance.wsgi.api OS_GLANCE_CONFIG_DIR="$E/glance"
}
# the top region's central Neutron and top Glance: no Nova to notify, behind the gateway;
# their DB syncs yield the CPU to Keystone's and the pods' (which the cloud waits for)
top_up() {
    export R=top REGION=$RC_TOP_REGION NOTIFY_NOVA=false PROXY_HEADERS=true SYNC_NICE=10
    export TRANSPORT_URL="rabbit://$RMQ_USER:$PASS@127.0.0.1:$RC_RABBIT_PORT/${RC_PREFIX}top"
    neutron_up "$RC_CENTRAL_NEUTRON_PORT"
    glance_up "$RC_TOP_GLANCE_PORT"
    wait_http "http://127.0.0.1:$RC_CENTRAL_NEUTRON_PORT/" 180 top-neutron-api
    wait_http "http://127.0.0.1:$RC_TOP_GLANCE_PORT/" 180 top-glance-api
    log "$REGION: central Neutron and top Glance ready"
}
top_up &
TOP_PID=$!

# ============================ 4. Keystone + catalog ============================
render keystone.conf "$ETC/keystone/keystone.conf"
KSM="$VENV/bin/keystone-manage --config-file $ETC/keystone/keystone.conf"
if ! done_mark keystone keystone; then
    log "initialise Keystone"
    mkdir -p "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
    {
        $KSM db_sync
        $KSM fernet_setup --keystone-user root --keystone-group root
        $KSM credential_setup --keystone-user root --keystone-group root
        $KSM bootstrap --bootstrap-password "$PASS" --bootstrap-username admin \
            --bootstrap-project-name admin --bootstrap-role-name admin \
            --bootstrap-service-name keystone --bootstrap-region-id "$RC_TOP_REGION" \
            --bootstrap-public-url "http://127.0.0.1:$KS_PORT/v3"
    } >>"$LOG/keystone-manage.log" 2>&1 || die "keystone-manage failed, see $LOG/keystone-manage.log"
    chmod 700 "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
    rm -f "$DATA/.done-catalog"
    mark keystone
fi
gunicorn_start keystone "$KS_PORT" keystone.wsgi.api OS_KEYSTONE_CONFIG_DIR="$ETC/keystone"
wait_http "http://127.0.0.1:$KS_PORT/v3" 120 keystone
CATALOG_STAMP=$(cat "$HERE/cloud.env" "$HERE/catalog.py" | md5sum | cut -d' ' -f1)
if [[ "$(cat "$DATA/.done-catalog" 2>/dev/null)" != "$CATALOG_STAMP" ]]; then
    TRICIRCLE_REALCLOUD_HOME=$RC_HOME PYTHONPATH=$LIB "$VENV/bin/python" "$HERE/catalog.py" \
        >>"$LOG/catalog.log" 2>&1 || die "catalog.py failed, see $LOG/catalog.log"
    echo "$CATALOG_STAMP" >"$DATA/.done-catalog"
fi
phase keystone+catalog

# ============================ 5. pods (in parallel) ============================
pod_up() {
    local i=$1 spec=${PODS[$(($1 - 1))]}
    export R=r$i REGION=${spec%%:*} AZ PB=${spec##*:} NOTIFY_NOVA=true PROXY_HEADERS=false SYNC_NICE=0
    AZ=${spec#*:}; AZ=${AZ%%:*}
    export TRANSPORT_URL="rabbit://$RMQ_USER:$PASS@127.0.0.1:$RC_RABBIT_PORT/${RC_PREFIX}$R"
    export GLANCE_PORT=${PB}292
    local E=$ETC/$R D=$DATA/$R
    mkdir -p "$D"/{nova/lock,nova/instances,cinder/lock,cinder/coordination}

    render placement.conf "$E/placement/placement.conf" SVC_USER=placement RC_APPEND=authtoken.inc
    if ! done_mark "$R-placement" "placement_$R"; then
        "$VENV/bin/placement-manage" --config-file "$E/placement/placement.conf" db sync \
            >"$LOG/$R-placement-manage.log" 2>&1 || die "$R placement db sync failed"
        mark "$R-placement"
    fi
    gunicorn_start "$R-placement-api" "${PB}778" placement.wsgi.api OS_PLACEMENT_CONFIG_DIR="$E/placement"

    render nova.conf "$E/nova/nova.conf" SVC_USER=nova RC_APPEND=authtoken.inc
    # nova-compute must not see the DB settings ("No DB access allowed in nova-compute")
    render nova-db.conf "$E/nova/nova-db.conf"
    cp "$VENV/etc/nova/api-paste.ini" "$E/nova/api-paste.ini"
    local NM="$VENV/bin/nova-manage --config-file $E/nova/nova.conf --config-file $E/nova/nova-db.conf"
    if ! done_mark "$R-nova" "nova_api_$R" "nova_cell0_$R" "nova_cell1_$R"; then
        {
            $NM api_db sync
            $NM cell_v2 map_cell0 --database_connection "${DB}nova_cell0_$R?charset=utf8"
            $NM cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' || $NM cell_v2 create_cell --name cell1
            $NM db sync
        } >>"$LOG/$R-nova-manage.log" 2>&1 || die "$R nova-manage failed, see $LOG/$R-nova-manage.log"
        rm -f "$DATA/.done-$R-hosts"
        mark "$R-nova"
    fi
    for svc in conductor scheduler; do
        start "$R-nova-$svc" "$VENV/bin/nova-$svc" --config-file "$E/nova/nova.conf" \
            --config-file "$E/nova/nova-db.conf" --log-file "$LOG/$R-nova-$svc.log"
    done
    local compute_since=
    alive "$R-nova-compute" || compute_since=$(date -u '+%F %T')
    start "$R-nova-compute" "$VENV/bin/nova-compute" --config-file "$E/nova/nova.conf" --log-file "$LOG/$R-nova-compute.log"
    # nova's WSGI app reads paste from the FIRST file of OS_NOVA_CONFIG_FILES
    gunicorn_start "$R-nova-api" "${PB}774" nova.wsgi.osapi_compute OS_NOVA_CONFIG_DIR="$E/nova" \
        OS_NOVA_CONFIG_FILES="api-paste.ini;nova.conf;nova-db.conf"

    neutron_up "${PB}696"

    render cinder.conf "$E/cinder/cinder.conf" SVC_USER=cinder RC_APPEND=authtoken.inc
    if ! done_mark "$R-cinder" "cinder_$R"; then
        "$VENV/bin/cinder-manage" --config-file "$E/cinder/cinder.conf" db sync \
            >"$LOG/$R-cinder-manage.log" 2>&1 || die "$R cinder db sync failed"
        mark "$R-cinder"
    fi
    for svc in scheduler volume; do
        start "$R-cinder-$svc" "$VENV/bin/cinder-$svc" --config-file "$E/cinder/cinder.conf" --log-file "$LOG/$R-cinder-$svc.log"
    done
    gunicorn_start "$R-cinder-api" "${PB}776" cinder.wsgi.api RC_WSGI_ARGS="--config-file $E/cinder/cinder.conf"

    glance_up "${PB}292"

    wait_http "http://127.0.0.1:${PB}778/" 180 "$R-placement-api"
    wait_http "http://127.0.0.1:${PB}774/" 180 "$R-nova-api"
    wait_http "http://127.0.0.1:${PB}696/" 180 "$R-neutron-api"
    wait_http "http://127.0.0.1:${PB}776/" 180 "$R-cinder-api"
    wait_http "http://127.0.0.1:${PB}292/" 180 "$R-glance-api"
    # the first start of nova-compute registers the host; map it into cell1 once
    if [[ ! -e $DATA/.done-$R-hosts ]]; then
        local n
        for n in $(seq 90); do
            $NM cell_v2 discover_hosts >/dev/null 2>&1 || true
            if $NM cell_v2 list_hosts 2>/dev/null | grep -q "$R-compute1"; then mark "$R-hosts"; break; fi
            alive "$R-nova-compute" || die "$R-nova-compute died, see $LOG/$R-nova-compute.log"
            sleep 2
        done
        [[ -e $DATA/.done-$R-hosts ]] || die "$R-compute1 never registered, see $LOG/$R-nova-compute.log"
    fi
    # a restarted compute counts as down (NoValidHost) until its first heartbeat
    if [[ -n $compute_since ]]; then
        local beat=
        for n in $(seq 90); do
            beat=$("${MYSQL[@]}" -e "SELECT count(*) FROM ${RC_PREFIX}nova_cell1_$R.services
                WHERE \`binary\`='nova-compute' AND updated_at >= '$compute_since'")
            [[ $beat -ge 1 ]] && break
            sleep 1
        done
        [[ $beat -ge 1 ]] || die "$R-nova-compute sent no heartbeat, see $LOG/$R-nova-compute.log"
    fi
    log "$REGION ($AZ) ready"
}
pids=("$TOP_PID")
for ((i = 1; i <= ${#PODS[@]}; i++)); do
    pod_up "$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "a region failed to come up (see above and $LOG/)"; done
phase regions
printf '%-24s %6s s\n' TOTAL "$(el)" >>"$RC_HOME/timings.txt"
log "test cloud up: identity http://127.0.0.1:$KS_PORT/v3, pods ${PODS[*]}, top $RC_TOP_REGION -> $RC_GATEWAY_URL"
log "behind the gateway: central Neutron http://127.0.0.1:$RC_CENTRAL_NEUTRON_PORT, top Glance http://127.0.0.1:$RC_TOP_GLANCE_PORT"
log "CLI: OS_CLIENT_CONFIG_FILE=$RC_HOME/clouds.yaml openstack --os-cloud admin-r1 ...   stop: $HERE/down.sh"
