# shellcheck shell=bash
# Cassandra for scripts/stack.sh: one node from org.apache.cassandra:cassandra-all
# (stack/cassandra/pom.xml); configuration from stack/cassandra/cassandra.yaml and jvm17-server.options.
# The interface is described at the top of lib.sh.
# Cluster mode: cassandra-1..3 on 127.0.0.1..3 (same CQL and storage ports; JMX CASSANDRA_JMX_PORT + 100 per
# node, since JMX binds every loopback address), one data centre (datacenter1) and racks rack1..rack3 with
# GossipingPropertyFileSnitch, every node a seed. A fresh cluster's nodes 2 and 3 start once node 1
# gossips, so that they join one ring instead of each founding its own.

CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT:-7199}
if is_cluster; then CASSANDRA_HEAP=${CASSANDRA_HEAP:-768M}; else CASSANDRA_HEAP=${CASSANDRA_HEAP:-1G}; fi
CASSANDRA_HEAP_INITIAL=${CASSANDRA_HEAP_INITIAL:-256M}
CASSANDRA_VERSION=${CASSANDRA_VERSION:-5.0.9}
CASSANDRA_START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
CASSANDRA_DC=datacenter1 # what SimpleSnitch reports; cluster mode names it so too
# periodic (Cassandra's default: acknowledged writes are synced every 10 s) or group (each write waits for an
# fsync, within a 15 ms window; `up --durable`).
CASSANDRA_COMMITLOG_SYNC=${CASSANDRA_COMMITLOG_SYNC:-periodic}
# Empty, or a compressor class such as LZ4Compressor. With compression, periodic mode marks the commit log
# only at each sync, so a killed node loses up to 10 s of acknowledged writes instead of up to 100 ms.
CASSANDRA_COMMITLOG_COMPRESSION=${CASSANDRA_COMMITLOG_COMPRESSION:-}

cassandra_instances() { instance_names cassandra; }
cassandra_jmx_port() { echo $((CASSANDRA_JMX_PORT + ($(node_of "$1") - 1) * 100)); }
cassandra_port() { echo "$CASSANDRA_PORT"; }
cassandra_ports() { printf '%s\n' "$CASSANDRA_PORT:CQL" "$CASSANDRA_STORAGE_PORT:storage" "$(cassandra_jmx_port "$1"):JMX"; }
cassandra_log() { echo "$STACK_HOME/$1/logs/system.log"; }
cassandra_stdout() { echo "$STACK_HOME/$1/logs/stdout.log"; }
cassandra_timeout() { echo "$CASSANDRA_START_TIMEOUT"; }
cassandra_version() { echo "$CASSANDRA_VERSION"; }
cassandra_endpoint() {
  local what='' rack=''
  secure && what="TLS with client certificates, password authentication, "
  is_cluster && rack=", rack rack$(node_of "$1")"
  printf '%-10s %s\n' "$1" "$(host_of "$1"):$CASSANDRA_PORT (${what}local data center $CASSANDRA_DC$rack)"
}
cassandra_env() {
  local s list=()
  for s in $(cassandra_instances); do list+=("$(host_of "$s"):$CASSANDRA_PORT"); done
  printf '%s\n' "export CASSANDRA_CONTACT_POINTS=$(
    IFS=,
    echo "${list[*]}"
  )" "export CASSANDRA_LOCAL_DC=$CASSANDRA_DC"
  if is_cluster; then
    printf '%s\n' "export CASSANDRA_REPLICATION=\"{'class': 'NetworkTopologyStrategy', '$CASSANDRA_DC': $CLUSTER_SIZE}\"" \
      "export CASSANDRA_CONSISTENCY=local_quorum"
  fi
}

# The topology settings, for the template's placeholders.
cassandra_settings() { # sets CASSANDRA_HOST CASSANDRA_SEEDS CASSANDRA_SNITCH
  CASSANDRA_HOST=$(host_of "$1")
  if is_cluster; then
    local n seeds=()
    for n in $(seq 1 "$CLUSTER_SIZE"); do seeds+=("127.0.0.$n:$CASSANDRA_STORAGE_PORT"); done
    CASSANDRA_SEEDS=$(
      IFS=,
      echo "${seeds[*]}"
    )
    CASSANDRA_SNITCH=GossipingPropertyFileSnitch
  else
    CASSANDRA_SEEDS=127.0.0.1:$CASSANDRA_STORAGE_PORT
    CASSANDRA_SNITCH=SimpleSnitch
  fi
}

# A node of a fresh cluster other than the first waits until node 1 gossips (its storage port is open).
cassandra_wait_for_first() { # cassandra_wait_for_first <instance>
  is_cluster && [[ $(node_of "$1") != 1 && ! -d $(data_dir "$1")/data ]] || return 0
  for _ in $(seq 1 "$CASSANDRA_START_TIMEOUT"); do
    port_in_use "$CASSANDRA_STORAGE_PORT" 127.0.0.1 && return 0
    sleep 1
  done
  die "$1: cassandra-1 did not open 127.0.0.1:$CASSANDRA_STORAGE_PORT within ${CASSANDRA_START_TIMEOUT}s"
}

cassandra_commitlog_yaml() { # the commit log settings, from CASSANDRA_COMMITLOG_SYNC and _COMPRESSION
  case $CASSANDRA_COMMITLOG_SYNC in
    periodic) printf '%s\n' 'commitlog_sync: periodic' 'commitlog_sync_period: 10000ms' ;;
    group) printf '%s\n' 'commitlog_sync: group' 'commitlog_sync_group_window: 15ms' ;;
    *) die "CASSANDRA_COMMITLOG_SYNC=$CASSANDRA_COMMITLOG_SYNC: expected periodic or group" ;;
  esac
  [[ -z $CASSANDRA_COMMITLOG_COMPRESSION ]] ||
    printf '%s\n' 'commitlog_compression:' "  - class_name: $CASSANDRA_COMMITLOG_COMPRESSION"
}

cassandra_install() {
  mvn_run cassandra "$TEMPLATES/cassandra/pom.xml" dependency:copy-dependencies \
    "-Dcassandra.version=$CASSANDRA_VERSION" "-Dstack.lib=$1"
}

cassandra_start() { # cassandra_start <instance>
  local s=$1 home=$STACK_HOME/$1 lib=$STACK_HOME/cassandra/lib
  local CASSANDRA_DATA_DIR CASSANDRA_AUTHENTICATOR=AllowAllAuthenticator CASSANDRA_AUTHORIZER=AllowAllAuthorizer
  local CASSANDRA_HOST CASSANDRA_SEEDS CASSANDRA_SNITCH secure_opts=()
  CASSANDRA_DATA_DIR=$(data_dir "$s")
  cassandra_settings "$s"
  cassandra_wait_for_first "$s"
  mkdir -p "$home/conf" "$home/logs" "$CASSANDRA_DATA_DIR" "$home/triggers"
  if secure; then
    CASSANDRA_AUTHENTICATOR=PasswordAuthenticator
    CASSANDRA_AUTHORIZER=CassandraAuthorizer
    # The default superuser (cassandra/cassandra, which secure-setup.ts disables) at once, not 10 s later.
    secure_opts=(-Dcassandra.superuser_setup_delay_ms=0)
  fi
  render "$TEMPLATES/cassandra/cassandra.yaml" "$home/conf/cassandra.yaml" \
    CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_DATA_DIR CASSANDRA_AUTHENTICATOR CASSANDRA_AUTHORIZER \
    CASSANDRA_HOST CASSANDRA_SEEDS CASSANDRA_SNITCH
  if secure; then
    local STORE_PASSWORD
    STORE_PASSWORD=$(secret store)
    (umask 077 && render "$TEMPLATES/cassandra/cassandra-secure.yaml" "$home/conf/secure.yaml" SECURE_DIR STORE_PASSWORD)
    cat "$home/conf/secure.yaml" >>"$home/conf/cassandra.yaml"
    rm -f "$home/conf/secure.yaml"
    chmod 600 "$home/conf/cassandra.yaml"
  fi
  cassandra_commitlog_yaml >>"$home/conf/cassandra.yaml"
  printf '%s\n' "dc=$CASSANDRA_DC" "rack=rack$(node_of "$s")" >"$home/conf/cassandra-rackdc.properties"
  cp "$TEMPLATES/cassandra/logback.xml" "$home/conf/logback.xml"
  local jamm opts=()
  jamm=$(find "$lib" -maxdepth 1 -name 'jamm-*.jar' | head -n 1)
  [[ -n $jamm ]] || die "$s: no jamm jar in $lib (needed as -javaagent)"
  mapfile -t opts < <(grep -E '^-' "$TEMPLATES/cassandra/jvm17-server.options")
  MALLOC_ARENA_MAX=4 launch "$s" "$JAVA" "-Dstack.server=$s" "-Dstack.home=$STACK_HOME" \
    "${opts[@]}" "${secure_opts[@]}" \
    "-Xms$CASSANDRA_HEAP_INITIAL" "-Xmx$CASSANDRA_HEAP" \
    "-XX:OnOutOfMemoryError=kill -9 %p" "-XX:HeapDumpPath=$home/logs" \
    "-javaagent:$jamm" \
    "-Dcassandra.config=file://$home/conf/cassandra.yaml" \
    "-Dcassandra.storagedir=$CASSANDRA_DATA_DIR" \
    "-Dcassandra.logdir=$home/logs" \
    "-Dcassandra.triggers_dir=$home/triggers" \
    "-Dlogback.configurationFile=file://$home/conf/logback.xml" \
    "-Dcassandra-rackdc.properties=file://$home/conf/cassandra-rackdc.properties" \
    -Dcassandra-foreground=yes \
    "-Dcassandra.jmx.local.port=$(cassandra_jmx_port "$s")" -Dcom.sun.management.jmxremote.authenticate=false \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
}
