#!/bin/sh
# Runs a service and stops it when its liveness check keeps failing, so that the container exits
# and compose's restart policy starts it again: compose restarts a container only when its main
# process exits, never because its healthcheck says unhealthy. docker-compose.yml makes this the
# entrypoint (PID 1) of ingest, the trainer and the workers, in front of the image's own entrypoint.
#
#   liveness-watchdog.sh URL COMMAND [ARG...]
#
# Starts COMMAND, then polls URL (curl; an HTTP error such as Quarkus's 503 for DOWN is a failure)
# every LIVENESS_WATCHDOG_INTERVAL seconds (10). Failures count only once URL has answered UP:
# a JVM that is still starting is left alone (what a Kubernetes startup probe would time out
# is not judged here). After LIVENESS_WATCHDOG_FAILURES failed polls in a row (3) it sends the
# service SIGTERM, SIGKILL LIVENESS_WATCHDOG_GRACE seconds later (30) if it is still there, and
# exits non-zero. SIGTERM and SIGINT (docker stop, Ctrl-C) go to the service; the script exits
# with the service's status, within one interval of the service ending by itself.
# Checked by deploy/src/test/java/io/alexstream/deploy/LivenessWatchdogTest.java.

if [ "$#" -lt 2 ]; then
  echo "usage: $0 URL COMMAND [ARG...]" >&2
  exit 64
fi
url=$1
shift
interval=${LIVENESS_WATCHDOG_INTERVAL:-10}
limit=${LIVENESS_WATCHDOG_FAILURES:-3}
timeout=${LIVENESS_WATCHDOG_TIMEOUT:-5}
grace=${LIVENESS_WATCHDOG_GRACE:-30}

if ! command -v curl >/dev/null 2>&1; then
  echo "liveness-watchdog: no curl in this image, so $url is not watched; only an exit restarts the service" >&2
  exec "$@"
fi

"$@" &
app=$!
stopping=
sleeper=
forward() {
  stopping=1
  kill -TERM "$app" 2>/dev/null
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
}
trap forward TERM INT

# The service's exit status; wait returns early (above 128) when a trapped signal arrives.
reap() {
  while :; do
    wait "$app"
    status=$?
    kill -0 "$app" 2>/dev/null || return "$status"
  done
}

answered=
failures=0
while [ -z "$stopping" ] && kill -0 "$app" 2>/dev/null; do
  sleep "$interval" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
  if [ -n "$stopping" ] || ! kill -0 "$app" 2>/dev/null; then
    break
  fi
  if curl -fsS -o /dev/null --max-time "$timeout" "$url" 2>/dev/null; then
    answered=1
    failures=0
  elif [ -n "$answered" ]; then
    failures=$((failures + 1))
    echo "liveness-watchdog: $url failed ($failures of $limit in a row)" >&2
    if [ "$failures" -ge "$limit" ]; then
      echo "liveness-watchdog: stopping the service (pid $app) so that the container exits and is restarted" >&2
      kill -TERM "$app" 2>/dev/null
      waited=0
      while kill -0 "$app" 2>/dev/null && [ "$waited" -lt "$grace" ]; do
        sleep 1
        waited=$((waited + 1))
      done
      kill -KILL "$app" 2>/dev/null
      reap
      status=$?
      # non-zero whatever the service answered, so that restart: on-failure restarts it too
      [ "$status" -eq 0 ] && status=1
      exit "$status"
    fi
  fi
done

reap
exit $?
