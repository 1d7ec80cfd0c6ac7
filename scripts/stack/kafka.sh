# shellcheck shell=bash
# Kafka for scripts/stack.sh: one KRaft node in combined mode (broker + controller) from
# org.apache.kafka:kafka_2.13 + kafka-tools (stack/kafka/pom.xml); configuration from
# stack/kafka/server.properties. The interface is described at the top of lib.sh.
# Cluster mode: kafka-1..3 on 127.0.0.1..3, the same ports, each a combined broker + controller (a static
# 3-voter quorum). Combined nodes rather than 3 controllers + 3 brokers: half the JVMs on a small machine,
# and a quorum of 3 controllers still survives one dead node, which is what the fault tests kill.

KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
if is_cluster; then KAFKA_HEAP=${KAFKA_HEAP:-384M}; else KAFKA_HEAP=${KAFKA_HEAP:-512M}; fi
KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}

kafka_instances() { instance_names kafka; }
kafka_port() { echo "$KAFKA_PORT"; }
kafka_ports() { printf '%s\n' "$KAFKA_PORT:client listener" "$KAFKA_CONTROLLER_PORT:controller listener"; }
kafka_log() { echo "$STACK_HOME/$1/logs/server.log"; }
kafka_stdout() { echo "$STACK_HOME/$1/logs/stdout.log"; }
kafka_timeout() { echo "$KAFKA_START_TIMEOUT"; }
kafka_version() { echo "$KAFKA_VERSION"; }
kafka_endpoint() {
  local h
  h=$(host_of "$1")
  printf '%-10s %s\n' "$1" "$h:$KAFKA_PORT (controller $h:$KAFKA_CONTROLLER_PORT)"
}
kafka_env() {
  local s list=()
  for s in $(kafka_instances); do list+=("$(host_of "$s"):$KAFKA_PORT"); done
  echo "export KAFKA_BROKERS=$(
    IFS=,
    echo "${list[*]}"
  )"
  if is_cluster; then
    echo "export KAFKA_REPLICATION_FACTOR=$CLUSTER_SIZE"
    echo "export KAFKA_MIN_INSYNC_REPLICAS=2"
  fi
}

# The settings that differ between one node and a cluster, for the template's placeholders.
kafka_settings() { # kafka_settings <instance>: sets KAFKA_NODE_ID KAFKA_HOST KAFKA_QUORUM KAFKA_RF KAFKA_MIN_ISR
  KAFKA_NODE_ID=$(node_of "$1")
  KAFKA_HOST=$(host_of "$1")
  if is_cluster; then
    local n voters=()
    for n in $(seq 1 "$CLUSTER_SIZE"); do voters+=("$n@127.0.0.$n:$KAFKA_CONTROLLER_PORT"); done
    KAFKA_QUORUM="controller.quorum.voters=$(
      IFS=,
      echo "${voters[*]}"
    )"
    KAFKA_RF=$CLUSTER_SIZE
    KAFKA_MIN_ISR=2
  else
    KAFKA_QUORUM="controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT"
    KAFKA_RF=1
    KAFKA_MIN_ISR=1
  fi
}

# The cluster id all nodes of a cluster are formatted with (one node: each format makes its own).
kafka_cluster_id() {
  local f=$STACK_HOME/kafka/cluster-id
  if [[ ! -s $f ]]; then
    mkdir -p "$(dirname "$f")"
    "${KAFKA_TOOLS[@]}" kafka.tools.StorageTool random-uuid >"$f" 2>>"$(server_stdout "$1")" ||
      die "$1: StorageTool random-uuid failed"
  fi
  cat "$f"
}

kafka_install() {
  mvn_run kafka "$TEMPLATES/kafka/pom.xml" dependency:copy-dependencies \
    "-Dkafka.version=$KAFKA_VERSION" "-Dstack.lib=$1"
}

# The JVM command line of Kafka's tools (StorageTool, kafka-class) with their quiet logging.
kafka_tools() { # kafka_tools <heap> -> KAFKA_TOOLS array
  local home=$STACK_HOME/kafka
  mkdir -p "$home/conf"
  cp "$TEMPLATES/kafka/log4j2-tools.xml" "$home/conf/"
  KAFKA_TOOLS=("$JAVA" "-Xmx$1" -Djava.awt.headless=true -cp "$home/lib/*"
    "-Dlog4j2.configurationFile=$home/conf/log4j2-tools.xml")
}

# KRaft storage is formatted once; the controller endpoint is written into it (--standalone).
kafka_format() { # kafka_format <instance>
  local s=$1 home=$STACK_HOME/$1
  local data=$home/data formatted=$home/data/.stack-formatted
  if [[ ! -f $data/meta.properties ]]; then
    local cluster_id
    kafka_tools 256M
    local quorum=(--standalone) # a static quorum (cluster mode) is formatted without a quorum option
    if is_cluster; then
      cluster_id=$(kafka_cluster_id "$s")
      quorum=()
    else
      cluster_id=$("${KAFKA_TOOLS[@]}" kafka.tools.StorageTool random-uuid 2>>"$(server_stdout "$s")") ||
        die "$s: StorageTool random-uuid failed"
    fi
    "${KAFKA_TOOLS[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$home/conf/server.properties" \
      "${quorum[@]}" >"$home/logs/format.log" 2>&1 || {
      err "$s: formatting $data failed:"
      sed 's/^/  | /' "$home/logs/format.log" >&2
      exit 1
    }
    echo "controller-port=$KAFKA_CONTROLLER_PORT" >"$formatted"
  elif [[ -f $formatted && "$(<"$formatted")" != "controller-port=$KAFKA_CONTROLLER_PORT" ]]; then
    die "$s: $data was formatted with $(<"$formatted"), not $KAFKA_CONTROLLER_PORT; \
use the same KAFKA_CONTROLLER_PORT or run: scripts/stack.sh down --wipe kafka"
  fi
}

kafka_start() { # kafka_start <instance>
  local s=$1 home=$STACK_HOME/$1
  local KAFKA_DATA_DIR=$home/data KAFKA_NODE_ID KAFKA_HOST KAFKA_QUORUM KAFKA_RF KAFKA_MIN_ISR
  kafka_settings "$s"
  mkdir -p "$home/conf" "$home/logs" "$KAFKA_DATA_DIR"
  render "$TEMPLATES/kafka/server.properties" "$home/conf/server.properties" \
    KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR KAFKA_NODE_ID KAFKA_HOST KAFKA_QUORUM KAFKA_RF KAFKA_MIN_ISR
  cp "$TEMPLATES/kafka/log4j2.xml" "$home/conf/"
  kafka_format "$s"
  launch "$s" "$JAVA" "-Dstack.server=$s" "-Dstack.home=$STACK_HOME" \
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true "-Dkafka.logs.dir=$home/logs" \
    "-Dlog4j2.configurationFile=$home/conf/log4j2.xml" \
    -cp "$STACK_HOME/kafka/lib/*" kafka.Kafka "$home/conf/server.properties"
}

# `kafka-class <MainClass> [args...]`: a class on Kafka's classpath, e.g. a tool.
kafka_class() {
  (($# >= 1)) || die "usage: scripts/stack.sh kafka-class <MainClass> [args...]"
  find_java17
  install_server kafka >&2
  kafka_tools "${KAFKA_TOOLS_HEAP:-512M}"
  exec "${KAFKA_TOOLS[@]}" "$@"
}
