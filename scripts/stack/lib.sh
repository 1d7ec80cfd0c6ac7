# shellcheck shell=bash
# Common part of scripts/stack.sh: settings, output, ports, processes (pid files, start, stop), Java, Node,
# Maven and templates. Sourced by scripts/stack.sh before the per-server files (kafka.sh, registry.sh,
# cassandra.sh), which define for each server S:
#   S_instances                 the instances to run (today one, named S; a cluster mode adds more)
#   S_port I / S_ports I        the client port / "port:what" for every port instance I binds
#   S_log I / S_stdout I        the log to read first / where the process's stdout and stderr go
#   S_timeout                   seconds `up` waits for it
#   S_version / S_install DIR   what install resolves (for the marker) / resolve the jars into DIR
#   S_start I                   write I's configuration and launch it (see launch)
#   S_endpoint I                one line for `up`'s summary
#   S_env                       `export X=...` lines for the services
# An instance is what has a pid file, a home ($STACK_HOME/<instance>) and a -Dstack.server=<instance>
# marker on its command line; its server is the part of its name before the first '-' (kafka-2 -> kafka).

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_HOME=${STACK_HOME:-$REPO_ROOT/.stack}
mkdir -p "$STACK_HOME"
STACK_HOME=$(cd "$STACK_HOME" && pwd)
TEMPLATES=$REPO_ROOT/stack
RUN_DIR=$STACK_HOME/run
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
MVN=${MVN:-mvn}

ALL_SERVERS=(kafka registry cassandra)

# Layout: "single" (one node per server, the default) or "cluster" (`up --cluster`: 3 Kafka brokers and 3
# Cassandra nodes on 127.0.0.1-3, one registry). `up` remembers it in $STACK_HOME/layout, so a later plain
# `up` brings back whatever node of that cluster is down; `up --single` or `down --wipe` forget it. (Apart
# from the plain/secure mode of secure.sh: STACK_MODE, $RUN_DIR/mode.)
LAYOUT_FILE=$STACK_HOME/layout
STACK_LAYOUT=single
[[ -f $LAYOUT_FILE ]] && STACK_LAYOUT=$(<"$LAYOUT_FILE")
# set by scripts/stack.sh from --cluster/--single
[[ -n ${STACK_LAYOUT_ARG:-} ]] && STACK_LAYOUT=$STACK_LAYOUT_ARG
[[ $STACK_LAYOUT == single || $STACK_LAYOUT == cluster ]] || STACK_LAYOUT=single
CLUSTER_SIZE=3
is_cluster() { [[ $STACK_LAYOUT == cluster ]]; }
# The instances of a server: "S" alone, or S-1..S-3 in cluster mode (for the servers that cluster).
instance_names() { if is_cluster; then seq -f "$1-%g" 1 "$CLUSTER_SIZE"; else echo "$1"; fi; }
node_of() { [[ $1 == *-* ]] && echo "${1##*-}" || echo 1; }  # kafka-2 -> 2, kafka -> 1
host_of() { echo "127.0.0.$(node_of "$1")"; }                 # each node on its own loopback address

say() { printf '%s\n' "$*"; }
err() { printf 'stack: %s\n' "$*" >&2; }
die() {
  err "$*"
  exit 1
}

# ------------------------------------------------------------------------------------ servers, instances

server_of() { echo "${1%%-*}"; } # the server an instance belongs to

# Per-instance accessors, dispatched to the server's file.
server_port() { "$(server_of "$1")_port" "$1"; }
server_host() { if [[ $(server_of "$1") == registry ]]; then echo 127.0.0.1; else host_of "$1"; fi; }
server_ports() { "$(server_of "$1")_ports" "$1"; }
server_log() { "$(server_of "$1")_log" "$1"; }
server_stdout() { "$(server_of "$1")_stdout" "$1"; }
server_timeout() { "$(server_of "$1")_timeout"; }
endpoint() { "$(server_of "$1")_endpoint" "$1"; }

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
      # One node of a cluster, e.g. `up cassandra-2` after a fault test killed it.
      kafka-[1-9] | cassandra-[1-9]) if is_cluster && ((${s##*-} <= CLUSTER_SIZE)); then SERVERS+=("$s"); else
        die "unknown server '$s': nodes kafka-N and cassandra-N (N = 1..$CLUSTER_SIZE) exist in cluster mode only"
      fi ;;
      *) die "unknown server '$s' (expected: ${ALL_SERVERS[*]}, or kafka-N, cassandra-N in cluster mode)" ;;
    esac
  done
}

INSTANCES=()
instances_of() { # sets INSTANCES to the instances of the servers "$@", in that order
  INSTANCES=()
  local s i
  for s in "$@"; do
    if [[ $s == *-* ]]; then
      INSTANCES+=("$s") # already an instance
    else
      for i in $("${s}_instances"); do INSTANCES+=("$i"); done
    fi
  done
}

tail_log() { # the last lines of an instance's logs, indented, for error messages
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

port_in_use() { # true if something accepts connections on ${2:-127.0.0.1}:$1
  (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

port_owner() { # best effort: which process listens on port $1
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
}

# ------------------------------------------------------------------------------------------- processes

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The pid of a running instance this script started with this STACK_HOME, or nothing. A pid file whose
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

# Starts "$@" (a command line carrying -Dstack.server=<instance> -Dstack.home=$STACK_HOME) detached from
# this shell's session, output to the instance's stdout log, and records its pid. The inner shell writes
# its own pid and then execs the command, so the pid file holds its pid whatever setsid does.
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

stop_servers() { # stop_servers <instance>...: TERM all, wait, KILL what is left after STOP_TIMEOUT
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

# Runs a Node.js script of the stack with only PATH, HOME and "$1" (newline-separated NAME=value lines) in
# its environment: client settings the caller may have exported (e.g. a secure stack's, from `env`) must not
# change what it does.
stack_node() { # stack_node <env lines> <script> [args...]
  local lines=$1 envs=()
  shift
  [[ -n $lines ]] && mapfile -t envs <<<"$lines"
  # --no-warnings: kafkajs 2.2 trips Node 24's TimeoutNegativeWarning on every connect.
  # --conditions=source: @userstream/shared from its TypeScript sources.
  env -i "PATH=$PATH" "HOME=$HOME" "${envs[@]}" "$NODE_BIN" --no-warnings --conditions=source "$@"
}

probe() { # probe <instance> [probe.ts options...]
  local s=$1 lines=
  shift
  if secure && [[ $s != registry ]]; then lines=$(probe_env "$s"); fi
  stack_node "$lines" "$REPO_ROOT/scripts/stack/probe.ts" "$(server_of "$s")" --host "$(server_host "$s")" \
    --port "$(server_port "$s")" "$@"
}

# ------------------------------------------------------------------------------------- jars from Maven

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

# Each server's jars live in $STACK_HOME/<server>/lib (shared by its instances) with a marker naming what
# was resolved; a changed version or POM resolves again.
install_stamp() {
  echo "$("${1}_version") $(cksum <"$TEMPLATES/$1/pom.xml" | cut -d' ' -f1)"
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
  "${s}_install" "$tmp"
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

# One up/down/install at a time per STACK_HOME (fd 9 holds the lock; servers do not inherit it).
lock_stack() {
  exec 9>"$STACK_HOME/.lock"
  flock -w 900 9 || die "another scripts/stack.sh is still working on $STACK_HOME (lock $STACK_HOME/.lock)"
}
