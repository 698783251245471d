#!/usr/bin/env bash
# tools/realcloud/mem.sh -- RSS and PSS (MiB) of the test cloud's processes (each pid
# file's process group), per service and in total.  MariaDB and RabbitMQ are the
# machine's and not counted.
RUN=${TRICIRCLE_REALCLOUD_HOME:-/var/tmp/tricircle-realcloud}/run
tot_rss=0 tot_pss=0 n=0
printf '%-22s %5s %8s %8s\n' service procs RSS_MiB PSS_MiB
for f in "$RUN"/*.pid; do
    [[ -e $f ]] || continue
    rss=0 pss=0 c=0
    for p in $(ps -eo pid=,pgid= | awk -v g="$(cat "$f")" '$2==g{print $1}'); do
        r=$(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null)
        s=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
        rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0})) c=$((c + 1))
    done
    printf '%-22s %5d %8d %8d\n' "$(basename "$f" .pid)" "$c" $((rss / 1024)) $((pss / 1024))
    tot_rss=$((tot_rss + rss)) tot_pss=$((tot_pss + pss)) n=$((n + c))
done
printf '%-22s %5d %8d %8d\n' TOTAL "$n" $((tot_rss / 1024)) $((tot_pss / 1024))
