# shellcheck shell=bash
# Kafka for scripts/stack.sh: one KRaft node in combined mode (broker + controller) from
# org.apache.kafka:kafka_2.13 + kafka-tools (stack/kafka/pom.xml); configuration from
# stack/kafka/server.properties. The interface is described at the top of lib.sh.
# KAFKA_VERSION 4.x (the default) or 3.9.x, the Kafka of Confluent Platform 7.9 that compose.kafka.yaml
# runs: 3.x gets the static controller quorum CP 7.9 uses (controller.quorum.voters; storage formatted
# without --standalone), 4.x a dynamic one (controller.quorum.bootstrap.servers, --standalone).
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
kafka_ports() {
  printf '%s\n' "$KAFKA_PORT:client listener" "$KAFKA_CONTROLLER_PORT:controller listener"
  if secure; then printf '%s\n' "$KAFKA_MTLS_PORT:mutual TLS listener"; fi
}
kafka_log() { echo "$STACK_HOME/$1/logs/server.log"; }
kafka_stdout() { echo "$STACK_HOME/$1/logs/stdout.log"; }
kafka_timeout() { echo "$KAFKA_START_TIMEOUT"; }
kafka_version() { echo "$KAFKA_VERSION"; }
kafka_endpoint() {
  local h
  h=$(host_of "$1")
  if secure; then
    printf '%-10s %s\n' "$1" "$h:$KAFKA_PORT SASL_SSL, $h:$KAFKA_MTLS_PORT mutual TLS (controller $h:$KAFKA_CONTROLLER_PORT)"
  else
    printf '%-10s %s\n' "$1" "$h:$KAFKA_PORT (controller $h:$KAFKA_CONTROLLER_PORT)"
  fi
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
  KAFKA_QUORUM=$(kafka_quorum)
  if is_cluster; then
    KAFKA_RF=$CLUSTER_SIZE
    KAFKA_MIN_ISR=2
  else
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

# The major version, 3 or 4: KRaft's quorum settings and format flags differ.
kafka_major() {
  local major=${KAFKA_VERSION%%.*}
  [[ $major == 3 || $major == 4 ]] || die "kafka: KAFKA_VERSION=$KAFKA_VERSION: only 3.9.x and 4.x run in KRaft mode here"
  [[ $major == 4 || $KAFKA_VERSION == 3.9.* ]] ||
    die "kafka: KAFKA_VERSION=$KAFKA_VERSION: of the 3.x line only 3.9.x (KRaft without ZooKeeper as here)"
  echo "$major"
}

# The server.properties line naming the controller quorum (see the template).
# Cluster mode has the static quorum of its 3 nodes whatever the version (formatted without --standalone).
kafka_quorum() {
  if is_cluster; then
    local n voters=()
    for n in $(seq 1 "$CLUSTER_SIZE"); do voters+=("$n@127.0.0.$n:$KAFKA_CONTROLLER_PORT"); done
    echo "controller.quorum.voters=$(
      IFS=,
      echo "${voters[*]}"
    )"
  elif [[ $(kafka_major) == 3 ]]; then
    echo "controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT"
  else
    echo "controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT"
  fi
}

kafka_install() {
  kafka_major >/dev/null
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

# KRaft storage is formatted once; with 4.x the controller endpoint is written into it (--standalone), and
# in secure mode the SCRAM users (admin, the pipeline's user, one with no rights). The major version it was
# formatted with is kept beside it (no file: 4, from before 3.9 ran here): a 3.9 broker cannot read a 4.x
# metadata log.
kafka_format() { # kafka_format <instance>
  local s=$1 home=$STACK_HOME/$1 data major
  data=$(data_dir "$s")
  local formatted=$data/.stack-formatted
  major=$(kafka_major)
  if [[ ! -f $data/meta.properties ]]; then
    local cluster_id flags=() user
    # A static quorum (3.x, cluster mode) is formatted without a quorum option.
    [[ $major == 4 ]] && ! is_cluster && flags=(--standalone)
    if secure; then
      for user in admin "$SECURE_KAFKA_USER" "$SECURE_KAFKA_OUTSIDER"; do
        flags+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(secret "kafka-$user")]")
      done
    fi
    kafka_tools 256M
    if is_cluster; then
      cluster_id=$(kafka_cluster_id "$s")
    else
      cluster_id=$("${KAFKA_TOOLS[@]}" kafka.tools.StorageTool random-uuid 2>>"$(server_stdout "$s")") ||
        die "$s: StorageTool random-uuid failed"
    fi
    "${KAFKA_TOOLS[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$home/conf/server.properties" \
      "${flags[@]}" >"$home/logs/format.log" 2>&1 || {
      err "$s: formatting $data failed:"
      sed 's/^/  | /' "$home/logs/format.log" >&2
      exit 1
    }
    echo "controller-port=$KAFKA_CONTROLLER_PORT" >"$formatted"
    echo "$major" >"$data/.stack-kafka-major"
  elif [[ -f $formatted && "$(<"$formatted")" != "controller-port=$KAFKA_CONTROLLER_PORT" ]]; then
    die "$s: $data was formatted with $(<"$formatted"), not $KAFKA_CONTROLLER_PORT; \
use the same KAFKA_CONTROLLER_PORT or run: scripts/stack.sh down --wipe kafka"
  elif [[ "$(cat "$data/.stack-kafka-major" 2>/dev/null || echo 4)" != "$major" ]]; then
    die "$s: $data was formatted by Kafka $(cat "$data/.stack-kafka-major" 2>/dev/null || echo 4).x, not \
KAFKA_VERSION=$KAFKA_VERSION; use another STACK_HOME or run: scripts/stack.sh down --wipe kafka"
  fi
}

kafka_start() { # kafka_start <instance>
  local s=$1 home=$STACK_HOME/$1 KAFKA_DATA_DIR KAFKA_NODE_ID KAFKA_HOST KAFKA_QUORUM KAFKA_RF KAFKA_MIN_ISR
  kafka_major >/dev/null # dies on a version this stack cannot run
  KAFKA_DATA_DIR=$(data_dir "$s")
  kafka_settings "$s"
  mkdir -p "$home/conf" "$home/logs" "$KAFKA_DATA_DIR"
  render "$TEMPLATES/kafka/server.properties" "$home/conf/server.properties" \
    KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR KAFKA_NODE_ID KAFKA_HOST KAFKA_QUORUM KAFKA_RF KAFKA_MIN_ISR
  if secure; then
    local STORE_PASSWORD
    STORE_PASSWORD=$(secret store)
    (umask 077 && render "$TEMPLATES/kafka/server-secure.properties" "$home/conf/secure.properties" \
      KAFKA_PORT KAFKA_MTLS_PORT KAFKA_CONTROLLER_PORT SECURE_DIR STORE_PASSWORD)
    cat "$home/conf/secure.properties" >>"$home/conf/server.properties"
    rm -f "$home/conf/secure.properties"
    chmod 600 "$home/conf/server.properties"
  fi
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
