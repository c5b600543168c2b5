# Apache Kafka in KRaft mode (one node, broker + controller), jars collected from Maven Central.
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"

kafka_install() {
  [ -f "$KAFKA_HOME/.complete" ] && return 0
  command -v mvn >/dev/null || die "Maven is required to collect the Kafka jars"
  command -v java >/dev/null || die "Java 17 is required to run Kafka"
  say "collecting Kafka $KAFKA_VERSION jars with Maven (first run only)"
  rm -rf "$KAFKA_HOME/libs"
  mvn -q -B -f "$STACK_DIR/maven/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >"$RUN_DIR/kafka-install.log" 2>&1 ||
    die "Maven could not collect Kafka $KAFKA_VERSION, see $RUN_DIR/kafka-install.log"
  touch "$KAFKA_HOME/.complete"
}

kafka_host() { local b="${REBOUND_KAFKA_BROKERS%%,*}"; echo "${b%:*}"; }
kafka_port() { local b="${REBOUND_KAFKA_BROKERS%%,*}"; echo "${b##*:}"; }

KAFKA_JAVA=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$STACK_DIR/kafka-log4j2.yaml" "-Dkafka.logs.dir=$RUN_DIR" -cp "$KAFKA_HOME/libs/*")

kafka_write_config() {
  local dir="$DATA_DIR/kafka"
  mkdir -p "$dir/logs"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$(kafka_host):$REBOUND_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$(kafka_host):$(kafka_port),CONTROLLER://$(kafka_host):$REBOUND_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$(kafka_host):$(kafka_port)
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/logs
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.consumer.min.session.timeout.ms=6000
group.classic.min.session.timeout.ms=6000
PROPS
}

kafka_format() {
  [ -f "$DATA_DIR/kafka/logs/meta.properties" ] && return 0
  say "formatting Kafka KRaft storage"
  local cluster_id
  cluster_id="$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$DATA_DIR/kafka/server.properties" \
    >"$RUN_DIR/kafka-format.log" 2>&1 || die "Kafka storage format failed, see $RUN_DIR/kafka-format.log"
}

kafka_ready() { node "$STACK_DIR/kafka-ready.js" "$REBOUND_KAFKA_BROKERS"; }

kafka_start() {
  if pid_alive kafka; then return 0; fi
  require_free_port "$(kafka_host)" "$(kafka_port)" REBOUND_KAFKA_BROKERS
  require_free_port "$(kafka_host)" "$REBOUND_KAFKA_CONTROLLER_PORT" REBOUND_KAFKA_CONTROLLER_PORT
  kafka_write_config
  kafka_format
  start_detached kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$DATA_DIR/kafka/server.properties"
}

kafka_wait() { wait_until 90 kafka kafka_ready || die "Kafka did not serve metadata in 90s, see $RUN_DIR/kafka.log"; }

kafka_stop() { stop_pidfile kafka 30; }
