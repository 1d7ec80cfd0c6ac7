#!/usr/bin/env bash
# Local stack for userstream: Kafka (KRaft), Apicurio Registry (Confluent-compatible API) and Cassandra,
# all on 127.0.0.1, from Maven Central, with no Docker.
#
# Usage:
#   scripts/stack.sh up [kafka|registry|cassandra ...]    start (default: all three); idempotent; returns
#                                                         when each server answers a real request
#   scripts/stack.sh down [--wipe] [server ...]           stop what this script started (pid files);
#                                                         --wipe also deletes data and logs
#   scripts/stack.sh status [server ...]                  running/ready/stopped, port, pid, log file
#   scripts/stack.sh env                                  `export X=...` lines for the services: eval them
#   scripts/stack.sh kafka-class <MainClass> [args...]    run a class on Kafka's classpath, e.g.
#                                                         org.apache.kafka.tools.ProducerPerformance
#   scripts/stack.sh install [server ...]                 only resolve and copy the jars
# npm wrappers: npm run stack:up | stack:down | stack:status | stack:env
#
# Versions (Maven Central; the first `up` downloads into the local Maven repository ~/.m2, the cache, and
# copies the jars into $STACK_HOME; later runs work offline):
#   Kafka      org.apache.kafka:kafka_2.13 + kafka-tools         stack/kafka/pom.xml
#   Registry   io.apicurio:apicurio-registry-app:tar.gz:all      stack/registry/pom.xml
#   Cassandra  org.apache.cassandra:cassandra-all                stack/cassandra/pom.xml
#
# Environment (defaults in brackets):
#   STACK_HOME               jars, config, data, logs, pid files [<repo>/.stack]
#   KAFKA_PORT               Kafka client listener [9092]
#   KAFKA_CONTROLLER_PORT    KRaft controller listener [9093]
#   REGISTRY_PORT            Apicurio Registry HTTP [8081]
#   REGISTRY_MANAGEMENT_PORT Quarkus management interface (health, metrics) [9000]; 3.0.9 has none, 3.3.x
#                            opens it
#   CASSANDRA_PORT           CQL native transport [9042]
#   CASSANDRA_STORAGE_PORT   Cassandra internode (storage) port [7000]
#   CASSANDRA_JMX_PORT       Cassandra JMX, bound to loopback only [7199]
#   KAFKA_HEAP               Kafka -Xmx/-Xms [512M]
#   REGISTRY_HEAP            Registry -Xmx [384M]
#   CASSANDRA_HEAP           Cassandra -Xmx [1G]
#   CASSANDRA_HEAP_INITIAL   Cassandra -Xms [256M]; Cassandra mlock()s the memory it holds at start, so a
#                            smaller initial heap keeps its resident memory low
#   KAFKA_VERSION [4.4.0]  APICURIO_VERSION [3.0.9]  CASSANDRA_VERSION [5.0.9]
#   KAFKA_START_TIMEOUT [120]  REGISTRY_START_TIMEOUT [120]  CASSANDRA_START_TIMEOUT [180]  (seconds)
#   STOP_TIMEOUT             seconds between TERM and KILL on `down` [60]
#   JAVA17_HOME              Java 17 to run all three (Cassandra 5.0 needs 11 or 17)
#                            [/usr/lib/jvm/java-17-openjdk-amd64, else another Java 17 found]
#   REGISTRY_JAVA_HOME       Java for the registry only, e.g. a Java 21+ for APICURIO_VERSION=3.3.x [JAVA17_HOME]
#   MVN                      Maven command [mvn];  MAVEN_REPO_LOCAL  other local repository (-Dmaven.repo.local)
#   NODE                     Node.js >= 22.18 for the readiness probes [<repo>/.tools/node/bin/node, else node]
#
# Layout: $STACK_HOME/<server>/{lib,conf,data,logs}, $STACK_HOME/run/<server>.pid.
# Every server listens on 127.0.0.1 only. `down` stops only processes whose pid file this script wrote and
# whose command line carries this STACK_HOME.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_HOME=${STACK_HOME:-$REPO_ROOT/.stack}
mkdir -p "$STACK_HOME"
STACK_HOME=$(cd "$STACK_HOME" && pwd)
TEMPLATES=$REPO_ROOT/stack
RUN_DIR=$STACK_HOME/run

KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9000}
CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT:-7199}
KAFKA_HEAP=${KAFKA_HEAP:-512M}
REGISTRY_HEAP=${REGISTRY_HEAP:-384M}
CASSANDRA_HEAP=${CASSANDRA_HEAP:-1G}
CASSANDRA_HEAP_INITIAL=${CASSANDRA_HEAP_INITIAL:-256M}
KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
APICURIO_VERSION=${APICURIO_VERSION:-3.0.9}
CASSANDRA_VERSION=${CASSANDRA_VERSION:-5.0.9}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-120}
CASSANDRA_START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
MVN=${MVN:-mvn}
CASSANDRA_DC=datacenter1 # what SimpleSnitch reports

ALL_SERVERS=(kafka registry cassandra)

say() { printf '%s\n' "$*"; }
err() { printf 'stack: %s\n' "$*" >&2; }
die() {
  err "$*"
  exit 1
}

# ---------------------------------------------------------------------------------------------- helpers

server_port() { # the port clients use
  case $1 in
    kafka) echo "$KAFKA_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
    cassandra) echo "$CASSANDRA_PORT" ;;
  esac
}

server_ports() { # "port:what" for every port a server binds (checked before anything starts)
  case $1 in
    kafka) printf '%s\n' "$KAFKA_PORT:client listener" "$KAFKA_CONTROLLER_PORT:controller listener" ;;
    registry)
      printf '%s\n' "$REGISTRY_PORT:HTTP"
      # 3.0.x (the default) opens no management interface; later 3.x builds do.
      [[ $APICURIO_VERSION == 2.* || $APICURIO_VERSION == 3.0.* ]] || printf '%s\n' "$REGISTRY_MANAGEMENT_PORT:management"
      ;;
    cassandra) printf '%s\n' "$CASSANDRA_PORT:CQL" "$CASSANDRA_STORAGE_PORT:storage" "$CASSANDRA_JMX_PORT:JMX" ;;
  esac
}

server_log() { # the log to read first
  case $1 in
    kafka) echo "$STACK_HOME/kafka/logs/server.log" ;;
    registry) echo "$STACK_HOME/registry/logs/registry.log" ;;
    cassandra) echo "$STACK_HOME/cassandra/logs/system.log" ;;
  esac
}

server_stdout() { # where the process's stdout and stderr go (the registry logs only there)
  if [[ $1 == registry ]]; then echo "$STACK_HOME/registry/logs/registry.log"; else echo "$STACK_HOME/$1/logs/stdout.log"; fi
}

server_timeout() {
  case $1 in
    kafka) echo "$KAFKA_START_TIMEOUT" ;;
    registry) echo "$REGISTRY_START_TIMEOUT" ;;
    cassandra) echo "$CASSANDRA_START_TIMEOUT" ;;
  esac
}

endpoint() {
  case $1 in
    kafka) echo "kafka      127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)" ;;
    registry) echo "registry   http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 (Confluent-compatible API)" ;;
    cassandra) echo "cassandra  127.0.0.1:$CASSANDRA_PORT (local data center $CASSANDRA_DC)" ;;
  esac
}

SERVERS=()
parse_servers() { # sets SERVERS to the servers named in "$@", or all of them
  SERVERS=()
  if (($# == 0)); then
    SERVERS=("${ALL_SERVERS[@]}")
    return
  fi
  local s
  for s in "$@"; do
    case $s in
      kafka | registry | cassandra) SERVERS+=("$s") ;;
      *) die "unknown server '$s' (expected: ${ALL_SERVERS[*]})" ;;
    esac
  done
}

tail_log() { # the last lines of a server's logs, indented, for error messages
  local s=$1 f files
  files=("$(server_log "$s")")
  [[ $(server_stdout "$s") != "${files[0]}" ]] && files+=("$(server_stdout "$s")")
  for f in "${files[@]}"; do
    if [[ -s $f ]]; then
      printf '  --- last lines of %s ---\n' "$f" >&2
      tail -n 25 "$f" | sed 's/^/  | /' >&2
    fi
  done
}

port_in_use() { # true if something accepts connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() { # best effort: which process listens on port $1
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
}

# ------------------------------------------------------------------------------------------- processes

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The pid of a running server this script started with this STACK_HOME, or nothing. A pid file whose
# process is gone (or is some other program now) is removed.
running_pid() {
  local s=$1 f pid
  f=$(pid_file "$s")
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-Dstack.home=$STACK_HOME" &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-Dstack.server=$s"; then
    echo "$pid"
  else
    rm -f "$f"
  fi
}

rss_of() { # resident memory of a pid, e.g. "512 MiB"
  local kb
  kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  [[ -n $kb ]] && echo "$((kb / 1024)) MiB" || echo "?"
}

# Starts "$@" (a java command line) detached from this shell's session, output to the server's stdout
# log, and records its pid. The inner shell writes its own pid and then execs java, so the pid file
# holds java's pid whatever setsid does.
launch() {
  local s=$1
  shift
  local out
  out=$(server_stdout "$s")
  mkdir -p "$RUN_DIR" "$(dirname "$out")"
  : >"$out"
  # shellcheck disable=SC2016 # $$ and $0 belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(pid_file "$s")" "$@" >>"$out" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do
    [[ -s $(pid_file "$s") ]] && return 0
    sleep 0.1
  done
  die "$s: could not start (no pid file written)"
}

# ----------------------------------------------------------------------------------------------- tools

JAVA=
find_java17() {
  local candidates=() c v
  if [[ -n ${JAVA17_HOME:-} ]]; then
    candidates=("$JAVA17_HOME/bin/java")
  else
    candidates=(/usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/*17*/bin/java)
    [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
    c=$(command -v java 2>/dev/null || true)
    [[ -n $c ]] && candidates+=("$c")
  fi
  for c in "${candidates[@]}"; do
    [[ -x $c ]] || continue
    v=$("$c" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    if [[ $v == 17 ]]; then
      JAVA=$c
      return 0
    fi
  done
  if [[ -n ${JAVA17_HOME:-} ]]; then
    die "Java 17 not found: JAVA17_HOME=$JAVA17_HOME has no bin/java of version 17"
  fi
  die "Java 17 not found (looked in /usr/lib/jvm/java-17-openjdk-amd64, /usr/lib/jvm/*17*, JAVA_HOME, PATH). \
Cassandra 5.0 needs Java 11 or 17; install openjdk-17-jre-headless or set JAVA17_HOME."
}

registry_java() {
  if [[ -n ${REGISTRY_JAVA_HOME:-} ]]; then
    [[ -x $REGISTRY_JAVA_HOME/bin/java ]] || die "registry: REGISTRY_JAVA_HOME=$REGISTRY_JAVA_HOME has no bin/java"
    echo "$REGISTRY_JAVA_HOME/bin/java"
  else
    echo "$JAVA"
  fi
}

NODE_BIN=
find_node() {
  local c major minor
  for c in ${NODE:-} "$REPO_ROOT/.tools/node/bin/node" "$(command -v node 2>/dev/null || true)"; do
    [[ -n $c && -x $c ]] || continue
    IFS=. read -r major minor _ <<<"$("$c" --version 2>/dev/null | tr -d v)"
    if [[ $major =~ ^[0-9]+$ ]] && ((major > 22 || (major == 22 && minor >= 18))); then
      NODE_BIN=$c
      break
    fi
  done
  [[ -n $NODE_BIN ]] || die "Node.js >= 22.18 not found for the readiness probes (run scripts/ensure-node.sh, or set NODE)"
  [[ -d $REPO_ROOT/node_modules/kafkajs && -d $REPO_ROOT/node_modules/cassandra-driver ]] ||
    die "node_modules lacks kafkajs/cassandra-driver (needed by the readiness probes): run npm ci"
}

probe() { # probe <server> [probe.ts options...]
  local s=$1
  shift
  # --no-warnings: kafkajs 2.2 trips Node 24's TimeoutNegativeWarning on every connect
  "$NODE_BIN" --no-warnings "$REPO_ROOT/scripts/stack/probe.ts" "$s" --port "$(server_port "$s")" "$@"
}

mvn_run() { # mvn_run <server> <pom> <args...>: offline first (cache), then online; output to a log
  local s=$1 pom=$2
  shift 2
  local log=$STACK_HOME/$s/logs/maven.log
  mkdir -p "$(dirname "$log")"
  local args=(-B -f "$pom")
  [[ -n ${MAVEN_REPO_LOCAL:-} ]] && args+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  if "$MVN" "${args[@]}" -o "$@" >"$log" 2>&1; then
    return 0
  fi
  say "$s: downloading from Maven Central into the local Maven repository (first run) ..."
  if ! "$MVN" "${args[@]}" "$@" >"$log" 2>&1; then
    err "$s: Maven could not resolve the jars; the end of $log:"
    grep -E 'ERROR|BUILD' "$log" | head -n 15 | sed 's/^/  | /' >&2
    exit 1
  fi
}

local_repo() {
  if [[ -n ${MAVEN_REPO_LOCAL:-} ]]; then echo "$MAVEN_REPO_LOCAL"; else echo "$HOME/.m2/repository"; fi
}

# ------------------------------------------------------------------------------------------- provision

# Each server's jars live in $STACK_HOME/<server>/lib with a marker naming what was resolved; a changed
# version or POM resolves again.
install_stamp() {
  local s=$1 version
  case $s in
    kafka) version=$KAFKA_VERSION ;;
    registry) version=$APICURIO_VERSION ;;
    cassandra) version=$CASSANDRA_VERSION ;;
  esac
  echo "$version $(cksum <"$TEMPLATES/$s/pom.xml" | cut -d' ' -f1)"
}

installed() {
  local s=$1 marker=$STACK_HOME/$1/lib/.installed
  [[ -f $marker && "$(<"$marker")" == "$(install_stamp "$s")" ]]
}

need_maven() {
  command -v "$MVN" >/dev/null 2>&1 ||
    die "$1: Maven ('$MVN') not found; it resolves the jars from Maven Central the first time (apt-get install maven, or set MVN)"
}

install_server() {
  local s=$1
  installed "$s" && return 0
  need_maven "$s"
  local lib=$STACK_HOME/$s/lib tmp=$STACK_HOME/$s/lib.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp"
  case $s in
    kafka)
      mvn_run kafka "$TEMPLATES/kafka/pom.xml" dependency:copy-dependencies \
        "-Dkafka.version=$KAFKA_VERSION" "-Dstack.lib=$tmp"
      ;;
    cassandra)
      mvn_run cassandra "$TEMPLATES/cassandra/pom.xml" dependency:copy-dependencies \
        "-Dcassandra.version=$CASSANDRA_VERSION" "-Dstack.lib=$tmp"
      ;;
    registry)
      mvn_run registry "$TEMPLATES/registry/pom.xml" dependency:get "-Dapicurio.version=$APICURIO_VERSION"
      local archive
      archive=$(local_repo)/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
      [[ -f $archive ]] || die "registry: Maven reported success but $archive is missing"
      tar -xzf "$archive" -C "$tmp"
      ;;
  esac
  install_stamp "$s" >"$tmp/.installed"
  rm -rf "$lib"
  mv "$tmp" "$lib"
  say "$s: jars in $lib"
}

# Replaces __NAME__ placeholders in a template with the values of the variables of that name.
render() { # render <template> <output> NAME...
  local in=$1 out=$2 name script=()
  shift 2
  for name in "$@"; do
    script+=(-e "s|__${name}__|${!name}|g")
  done
  mkdir -p "$(dirname "$out")"
  sed "${script[@]}" "$in" >"$out"
}

# ----------------------------------------------------------------------------------------------- start

start_kafka() {
  local home=$STACK_HOME/kafka
  local KAFKA_DATA_DIR=$home/data
  mkdir -p "$home/conf" "$home/logs" "$KAFKA_DATA_DIR"
  render "$TEMPLATES/kafka/server.properties" "$home/conf/server.properties" \
    KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR
  cp "$TEMPLATES/kafka/log4j2.xml" "$TEMPLATES/kafka/log4j2-tools.xml" "$home/conf/"
  local tools=("$JAVA" -Xmx256M -cp "$home/lib/*" "-Dlog4j2.configurationFile=$home/conf/log4j2-tools.xml")
  # KRaft storage is formatted once; the controller endpoint is written into it (--standalone).
  local formatted=$KAFKA_DATA_DIR/.stack-formatted
  if [[ ! -f $KAFKA_DATA_DIR/meta.properties ]]; then
    local cluster_id
    cluster_id=$("${tools[@]}" kafka.tools.StorageTool random-uuid 2>>"$(server_stdout kafka)") ||
      die "kafka: StorageTool random-uuid failed"
    "${tools[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$home/conf/server.properties" \
      --standalone >"$home/logs/format.log" 2>&1 || {
      err "kafka: formatting $KAFKA_DATA_DIR failed:"
      sed 's/^/  | /' "$home/logs/format.log" >&2
      exit 1
    }
    echo "controller-port=$KAFKA_CONTROLLER_PORT" >"$formatted"
  elif [[ -f $formatted && "$(<"$formatted")" != "controller-port=$KAFKA_CONTROLLER_PORT" ]]; then
    die "kafka: $KAFKA_DATA_DIR was formatted with $(<"$formatted"), not $KAFKA_CONTROLLER_PORT; \
use the same KAFKA_CONTROLLER_PORT or run: scripts/stack.sh down --wipe kafka"
  fi
  launch kafka "$JAVA" -Dstack.server=kafka "-Dstack.home=$STACK_HOME" \
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true "-Dkafka.logs.dir=$home/logs" \
    "-Dlog4j2.configurationFile=$home/conf/log4j2.xml" \
    -cp "$home/lib/*" kafka.Kafka "$home/conf/server.properties"
}

start_registry() {
  local home=$STACK_HOME/registry
  mkdir -p "$home/data" "$home/logs" "$home/tmp"
  local app=$home/lib launcher
  if [[ -f $app/quarkus-run.jar ]]; then
    launcher=$app/quarkus-run.jar # 3.x fast-jar layout
  else
    launcher=$(find "$app" -maxdepth 1 -name '*-runner.jar' | head -n 1) # 3.0.x / 2.x legacy-jar layout
  fi
  [[ -n $launcher && -f $launcher ]] || die "registry: no quarkus-run.jar or *-runner.jar in $app"
  local java
  java=$(registry_java)
  # Storage: H2 in a file under data/, so schema ids survive restarts as the Kafka data does
  # (the default is H2 in memory). stdout is the log: Quarkus logs to the console.
  launch registry "$java" -Dstack.server=registry "-Dstack.home=$STACK_HOME" \
    "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -Djava.awt.headless=true "-Djava.io.tmpdir=$home/tmp" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MANAGEMENT_PORT" \
    "-Dapicurio.datasource.url=jdbc:h2:file:$home/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    "-Dapicurio.import.work-dir=$home/tmp" "-Dapicurio.storage.snapshot.location=$home/tmp" \
    -Dquarkus.log.level=INFO \
    -jar "$launcher"
}

start_cassandra() {
  local home=$STACK_HOME/cassandra
  local CASSANDRA_DATA_DIR=$home/data
  mkdir -p "$home/conf" "$home/logs" "$CASSANDRA_DATA_DIR" "$home/triggers"
  render "$TEMPLATES/cassandra/cassandra.yaml" "$home/conf/cassandra.yaml" \
    CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_DATA_DIR
  cp "$TEMPLATES/cassandra/logback.xml" "$home/conf/logback.xml"
  local jamm opts=()
  jamm=$(find "$home/lib" -maxdepth 1 -name 'jamm-*.jar' | head -n 1)
  [[ -n $jamm ]] || die "cassandra: no jamm jar in $home/lib (needed as -javaagent)"
  mapfile -t opts < <(grep -E '^-' "$TEMPLATES/cassandra/jvm17-server.options")
  MALLOC_ARENA_MAX=4 launch cassandra "$JAVA" -Dstack.server=cassandra "-Dstack.home=$STACK_HOME" \
    "${opts[@]}" \
    "-Xms$CASSANDRA_HEAP_INITIAL" "-Xmx$CASSANDRA_HEAP" \
    "-XX:OnOutOfMemoryError=kill -9 %p" "-XX:HeapDumpPath=$home/logs" \
    "-javaagent:$jamm" \
    "-Dcassandra.config=file://$home/conf/cassandra.yaml" \
    "-Dcassandra.storagedir=$CASSANDRA_DATA_DIR" \
    "-Dcassandra.logdir=$home/logs" \
    "-Dcassandra.triggers_dir=$home/triggers" \
    "-Dlogback.configurationFile=file://$home/conf/logback.xml" \
    -Dcassandra-foreground=yes \
    "-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT" -Dcom.sun.management.jmxremote.authenticate=false \
    -cp "$home/lib/*" org.apache.cassandra.service.CassandraDaemon
}

# Waits for a server to answer; on failure prints what failed, where, and the log tail.
wait_ready() {
  local s=$1 pid=$2 timeout rc=0 out
  timeout=$(server_timeout "$s")
  out=$(probe "$s" --timeout "$timeout" ${pid:+--pid "$pid"} 2>&1) || rc=$?
  if ((rc == 0)); then
    say "$out (ready ${SECONDS}s into this run)"
    return 0
  fi
  local port
  port=$(server_port "$s")
  if ((rc == 2)); then
    err "$s (port $port): the process exited before it was ready."
  else
    err "$s (port $port): not ready within ${timeout}s."
  fi
  err "  $out"
  tail_log "$s"
  return 1
}

cmd_up() {
  local servers=() s
  parse_servers "$@"
  servers=("${SERVERS[@]}")
  find_java17
  find_node
  local to_start=() pids=()
  for s in "${servers[@]}"; do
    local pid
    pid=$(running_pid "$s")
    if [[ -n $pid ]]; then
      say "$s: already running (pid $pid)"
    else
      to_start+=("$s")
    fi
  done
  # Every port of every server to start must be free before anything starts.
  local conflicts=() line port what owner
  for s in "${to_start[@]}"; do
    while IFS= read -r line; do
      port=${line%%:*}
      what=${line#*:}
      if port_in_use "$port"; then
        owner=$(port_owner "$port")
        conflicts+=("$s: port $port ($what) on 127.0.0.1 is already in use${owner:+ by $owner}")
      fi
    done < <(server_ports "$s")
  done
  if ((${#conflicts[@]} > 0)); then
    for line in "${conflicts[@]}"; do err "$line"; done
    die "nothing started; free the port(s) or choose others (see the top of scripts/stack.sh)"
  fi
  for s in "${to_start[@]}"; do install_server "$s"; done
  local t0=$SECONDS
  # Slowest first: Cassandra boots while Kafka formats its storage (first run) and starts.
  for s in cassandra registry kafka; do
    [[ " ${to_start[*]} " == *" $s "* ]] || continue
    say "$s: starting (log $(server_log "$s"))"
    "start_$s"
  done
  # Wait for all of them at once; each waits until its server answers a real request.
  local tmp failed=()
  tmp=$(mktemp -d)
  local pid
  for s in "${servers[@]}"; do
    # Straight from the pid file: running_pid drops the file of a server that already died, and the wait
    # would then last its whole timeout instead of reporting that the process exited.
    pid=$(cat "$(pid_file "$s")" 2>/dev/null || true)
    ( wait_ready "$s" "$pid" >"$tmp/$s.out" 2>"$tmp/$s.err" && touch "$tmp/$s.ok" ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for s in "${servers[@]}"; do
    cat "$tmp/$s.out"
    if [[ ! -f $tmp/$s.ok ]]; then
      cat "$tmp/$s.err" >&2
      failed+=("$s")
    fi
  done
  rm -rf "$tmp"
  if ((${#failed[@]} > 0)); then
    # A server that this call started and that never became ready is stopped again.
    for s in "${failed[@]}"; do
      if [[ " ${to_start[*]} " == *" $s "* ]]; then stop_servers "$s" >/dev/null; fi
    done
    die "not ready: ${failed[*]}"
  fi
  if ((${#to_start[@]} > 0)); then say "started ${to_start[*]} in $((SECONDS - t0))s"; fi
  say "ready:"
  for s in "${servers[@]}"; do
    say "  $(endpoint "$s")  pid $(running_pid "$s"), RSS $(rss_of "$(running_pid "$s")")"
  done
  say "settings for the services: eval \"\$(scripts/stack.sh env)\" (not in the shell you run docker compose from)"
}

# ------------------------------------------------------------------------------------------------ stop

stop_servers() { # TERM all, wait, KILL what is left after STOP_TIMEOUT
  local s pid names=() pids=()
  for s in "$@"; do
    pid=$(running_pid "$s")
    if [[ -z $pid ]]; then
      say "$s: not running"
      continue
    fi
    say "$s: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    names+=("$s")
    pids+=("$pid")
  done
  local deadline=$((SECONDS + STOP_TIMEOUT)) i alive killed=0
  while :; do
    alive=0
    for i in "${!pids[@]}"; do
      [[ -n ${pids[$i]} ]] || continue
      if kill -0 "${pids[$i]}" 2>/dev/null; then
        alive=1
      else
        say "${names[$i]}: stopped"
        rm -f "$(pid_file "${names[$i]}")"
        pids[i]=
      fi
    done
    ((alive)) || break
    if ((SECONDS >= deadline && killed)); then
      for i in "${!pids[@]}"; do
        # E.g. a zombie no init reaps: bounded, so that a CI cleanup cannot hang on it.
        [[ -n ${pids[$i]} ]] && err "${names[$i]}: pid ${pids[$i]} still there 10s after KILL; giving up"
      done
      return 1
    fi
    if ((SECONDS >= deadline)); then
      killed=1
      for i in "${!pids[@]}"; do
        [[ -n ${pids[$i]} ]] || continue
        err "${names[$i]}: still running after ${STOP_TIMEOUT}s, sending KILL to ${pids[$i]}"
        kill -KILL "${pids[$i]}" 2>/dev/null || true
      done
      deadline=$((SECONDS + 10))
    fi
    sleep 0.3
  done
}

cmd_down() {
  local wipe=0 args=() s
  for s in "$@"; do
    case $s in
      --wipe) wipe=1 ;;
      *) args+=("$s") ;;
    esac
  done
  local servers=()
  parse_servers "${args[@]}"
  servers=("${SERVERS[@]}")
  stop_servers "${servers[@]}"
  if ((wipe)); then
    for s in "${servers[@]}"; do
      rm -rf "${STACK_HOME:?}/$s/data" "${STACK_HOME:?}/$s/logs" "${STACK_HOME:?}/$s/tmp"
      say "$s: data and logs deleted"
    done
  fi
}

# ---------------------------------------------------------------------------------------------- status

cmd_status() {
  local servers=() s pid state
  parse_servers "$@"
  servers=("${SERVERS[@]}")
  find_node
  printf '%-10s %-22s %-6s %-8s %-9s %s\n' SERVER STATE PORT PID RSS LOG
  for s in "${servers[@]}"; do
    pid=$(running_pid "$s")
    if [[ -z $pid ]]; then
      state=stopped
    elif probe "$s" --quiet >/dev/null 2>&1; then
      state="running, ready"
    else
      state="running, not ready"
    fi
    printf '%-10s %-22s %-6s %-8s %-9s %s\n' "$s" "$state" "$(server_port "$s")" "${pid:--}" \
      "$([[ -n $pid ]] && rss_of "$pid" | tr -d ' ' || echo -)" "$(server_log "$s")"
  done
}

cmd_env() {
  cat <<EOF
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
export CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT
export CASSANDRA_LOCAL_DC=$CASSANDRA_DC
EOF
}

cmd_kafka_class() {
  (($# >= 1)) || die "usage: scripts/stack.sh kafka-class <MainClass> [args...]"
  find_java17
  install_server kafka >&2
  local home=$STACK_HOME/kafka
  mkdir -p "$home/conf"
  cp "$TEMPLATES/kafka/log4j2-tools.xml" "$home/conf/"
  exec "$JAVA" "-Xmx${KAFKA_TOOLS_HEAP:-512M}" -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$home/conf/log4j2-tools.xml" -cp "$home/lib/*" "$@"
}

cmd_install() {
  local s
  parse_servers "$@"
  for s in "${SERVERS[@]}"; do install_server "$s"; done
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# One up/down/install at a time per STACK_HOME (fd 9 holds the lock; servers do not inherit it).
lock_stack() {
  exec 9>"$STACK_HOME/.lock"
  flock -w 900 9 || die "another scripts/stack.sh is still working on $STACK_HOME (lock $STACK_HOME/.lock)"
}

main() {
  local cmd=${1:-}
  (($# > 0)) && shift
  case $cmd in
    up | down | install) lock_stack ;;
  esac
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    kafka-class) cmd_kafka_class "$@" ;;
    install) cmd_install "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
