#!/usr/bin/env bash
# Local stack for userstream: Kafka (KRaft), Apicurio Registry (Confluent-compatible API) and Cassandra,
# all on 127.0.0.1, from Maven Central, with no Docker.
#
# Usage:
#   scripts/stack.sh up [--secure] [--durable] [--cluster|--single] [server ...]
#                                                         start kafka, registry, cassandra (default: all
#                                                         three); idempotent; returns when each server answers
#                                                         a real request. --secure: TLS and authentication
#                                                         everywhere (below; one node only, not with
#                                                         --cluster); --durable: Cassandra fsyncs each write
#                                                         before acknowledging it (commitlog_sync: group);
#                                                         --cluster: 3 Kafka brokers and 3 Cassandra nodes on
#                                                         127.0.0.1-3 (the layout is remembered: a later `up`
#                                                         restarts whichever node is down); --single: one node
#   scripts/stack.sh pid <server> [n]                     the pid of node n (1..3 in cluster mode)
#   scripts/stack.sh down [--wipe] [server ...]           stop what this script started (pid files);
#                                                         --wipe also deletes data and logs
#   scripts/stack.sh status [server ...]                  running/ready/stopped, port, pid, log file
#   scripts/stack.sh env                                  `export X=...` lines for the services: eval them
#                                                         (in secure mode with file paths for every secret)
#   scripts/stack.sh kafka-class <MainClass> [args...]    run a class on Kafka's classpath, e.g.
#                                                         org.apache.kafka.tools.ProducerPerformance
#   scripts/stack.sh install [server ...]                 only resolve and copy the jars
# npm wrappers: npm run stack:up [-- --secure] | stack:down | stack:status | stack:env
#
# Secure mode (up --secure; docs/security.md): a throw-away CA, certificates and random passwords in
# $STACK_HOME/secure (kept until down --wipe); Kafka's client listener is SASL_SSL with SCRAM-SHA-512 users
# and the StandardAuthorizer (prefix ACLs: user userstream on topics and groups users_created*; user
# outsider has no rights), plus a mutual-TLS listener on KAFKA_MTLS_PORT [9094]; Cassandra requires TLS with
# a client certificate, PasswordAuthenticator and CassandraAuthorizer (roles userstream_consumer,
# userstream_creator, userstream_reader); the registry is served over HTTPS with basic auth by a small proxy
# (scripts/stack/registry-proxy.ts: Apicurio 3.0.9 has no simple basic auth) on REGISTRY_PORT, Apicurio
# itself moving to REGISTRY_INTERNAL_PORT [8082] on 127.0.0.1. Its data is kept apart (data-secure/).
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
#   CASSANDRA_COMMITLOG_SYNC periodic or group [periodic; group with up --durable]
#   CASSANDRA_COMMITLOG_COMPRESSION  a commit log compressor class, e.g. LZ4Compressor [none]
#   CASSANDRA_HEAP_INITIAL   Cassandra -Xms [256M]; Cassandra mlock()s the memory it holds at start, so a
#                            smaller initial heap keeps its resident memory low
#   KAFKA_VERSION [4.4.0]  APICURIO_VERSION [3.0.9]  CASSANDRA_VERSION [5.0.9]
#                            KAFKA_VERSION may also be 3.9.x, the Kafka of the Confluent Platform 7.9
#                            that compose runs (scripts/ci/kafka-lane.sh tests against it)
#   KAFKA_START_TIMEOUT [120]  REGISTRY_START_TIMEOUT [120]  CASSANDRA_START_TIMEOUT [180]  (seconds)
#   STOP_TIMEOUT             seconds between TERM and KILL on `down` [60]
#   JAVA17_HOME              Java 17 to run all three (Cassandra 5.0 needs 11 or 17)
#                            [/usr/lib/jvm/java-17-openjdk-amd64, else another Java 17 found]
#   REGISTRY_JAVA_HOME       Java for the registry only, e.g. a Java 21+ for APICURIO_VERSION=3.3.x [JAVA17_HOME]
#   MVN                      Maven command [mvn];  MAVEN_REPO_LOCAL  other local repository (-Dmaven.repo.local)
#   NODE                     Node.js >= 22.18 for the readiness probes [<repo>/.tools/node/bin/node, else node]
#
# Cluster mode: the same ports on 127.0.0.1, .2 and .3 (Cassandra's JMX: CASSANDRA_JMX_PORT + 0/100/200);
# KAFKA_HEAP defaults to 384M and CASSANDRA_HEAP to 768M there; `env` adds the replication settings. It
# runs with KAFKA_VERSION=3.9.x too (the quorum is static either way); not with --secure (refused).
# Files: $STACK_HOME/<server>/{lib,conf,data,logs}, $STACK_HOME/run/<server>.pid; in cluster mode the
# instances kafka-1..3 and cassandra-1..3 have their own $STACK_HOME/<instance>, jars in <server>/lib.
# Every server listens on loopback only (127.0.0.1; .2, .3 in cluster mode). `down` stops only processes whose pid file this script wrote and
# whose command line carries this STACK_HOME.
#
# Code: this file only dispatches. scripts/stack/lib.sh holds what all servers share (processes, Java,
# Maven, templates), scripts/stack/{kafka,registry,cassandra}.sh one server each, scripts/stack/commands.sh
# the commands, scripts/stack/probe.ts the readiness probe.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# The layout an `up` asks for (single or cluster) must be known before the server files set their defaults.
if [[ ${1:-} == up ]]; then
  for arg in "$@"; do
    case $arg in
      --cluster) STACK_LAYOUT_ARG=cluster ;;
      --single) STACK_LAYOUT_ARG=single ;;
    esac
  done
fi
STACK_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/stack" && pwd)
# shellcheck source=stack/lib.sh
source "$STACK_LIB/lib.sh"
# shellcheck source=stack/kafka.sh
source "$STACK_LIB/kafka.sh"
# shellcheck source=stack/registry.sh
source "$STACK_LIB/registry.sh"
# shellcheck source=stack/cassandra.sh
source "$STACK_LIB/cassandra.sh"
# shellcheck source=stack/secure.sh
source "$STACK_LIB/secure.sh"
# shellcheck source=stack/commands.sh
source "$STACK_LIB/commands.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | grep -v '^# shellcheck' | sed 's/^# \{0,1\}//'
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
    pid) cmd_pid "$@" ;;
    kafka-class) kafka_class "$@" ;;
    install) cmd_install "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
