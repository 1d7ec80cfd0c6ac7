# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153 # variables shared with the other files scripts/stack.sh sources (checked whole with -x)
# Cassandra for scripts/stack.sh: one node from org.apache.cassandra:cassandra-all
# (stack/cassandra/pom.xml); configuration from stack/cassandra/cassandra.yaml and jvm17-server.options.
# The interface is described at the top of lib.sh.

CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT:-7199}
CASSANDRA_HEAP=${CASSANDRA_HEAP:-1G}
CASSANDRA_HEAP_INITIAL=${CASSANDRA_HEAP_INITIAL:-256M}
CASSANDRA_VERSION=${CASSANDRA_VERSION:-5.0.9}
CASSANDRA_START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
CASSANDRA_DC=datacenter1 # what SimpleSnitch reports
# periodic (Cassandra's default: acknowledged writes are synced every 10 s) or group (each write waits for an
# fsync, within a 15 ms window; `up --durable`).
CASSANDRA_COMMITLOG_SYNC=${CASSANDRA_COMMITLOG_SYNC:-periodic}
# Empty, or a compressor class such as LZ4Compressor. With compression, periodic mode marks the commit log
# only at each sync, so a killed node loses up to 10 s of acknowledged writes instead of up to 100 ms.
CASSANDRA_COMMITLOG_COMPRESSION=${CASSANDRA_COMMITLOG_COMPRESSION:-}

cassandra_instances() { echo cassandra; }
cassandra_port() { echo "$CASSANDRA_PORT"; }
cassandra_ports() { printf '%s\n' "$CASSANDRA_PORT:CQL" "$CASSANDRA_STORAGE_PORT:storage" "$CASSANDRA_JMX_PORT:JMX"; }
cassandra_log() { echo "$STACK_HOME/$1/logs/system.log"; }
cassandra_stdout() { echo "$STACK_HOME/$1/logs/stdout.log"; }
cassandra_timeout() { echo "$CASSANDRA_START_TIMEOUT"; }
cassandra_version() { echo "$CASSANDRA_VERSION"; }
cassandra_endpoint() {
  local what=
  secure && what="TLS with client certificates, password authentication, "
  echo "cassandra  127.0.0.1:$CASSANDRA_PORT (${what}local data center $CASSANDRA_DC)"
}
cassandra_env() {
  printf '%s\n' "export CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT" "export CASSANDRA_LOCAL_DC=$CASSANDRA_DC"
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
  local secure_opts=()
  CASSANDRA_DATA_DIR=$(data_dir "$s")
  mkdir -p "$home/conf" "$home/logs" "$CASSANDRA_DATA_DIR" "$home/triggers"
  if secure; then
    CASSANDRA_AUTHENTICATOR=PasswordAuthenticator
    CASSANDRA_AUTHORIZER=CassandraAuthorizer
    # The default superuser (cassandra/cassandra, which secure-setup.ts disables) at once, not 10 s later.
    secure_opts=(-Dcassandra.superuser_setup_delay_ms=0)
  fi
  render "$TEMPLATES/cassandra/cassandra.yaml" "$home/conf/cassandra.yaml" \
    CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_DATA_DIR CASSANDRA_AUTHENTICATOR CASSANDRA_AUTHORIZER
  if secure; then
    local STORE_PASSWORD
    STORE_PASSWORD=$(secret store)
    (umask 077 && render "$TEMPLATES/cassandra/cassandra-secure.yaml" "$home/conf/secure.yaml" SECURE_DIR STORE_PASSWORD)
    cat "$home/conf/secure.yaml" >>"$home/conf/cassandra.yaml"
    rm -f "$home/conf/secure.yaml"
    chmod 600 "$home/conf/cassandra.yaml"
  fi
  cassandra_commitlog_yaml >>"$home/conf/cassandra.yaml"
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
    -Dcassandra-foreground=yes \
    "-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT" -Dcom.sun.management.jmxremote.authenticate=false \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
}
