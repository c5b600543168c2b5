# Temporal's Java time-skipping test server, jars from Maven Central, started by @temporalio/testing
# through a wrapper that execs java (the SDK passes the port as the only argument).
TEST_SERVER_HOME="$CACHE_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
TEST_SERVER_BIN="$TEST_SERVER_HOME/bin/temporal-test-server"

test_server_install() {
  [ -x "$TEST_SERVER_BIN" ] && return 0
  command -v mvn >/dev/null || die "Maven is required to collect the Temporal test server"
  say "collecting Temporal test server $TEMPORAL_TEST_SERVER_VERSION with Maven (first run only)"
  rm -rf "$TEST_SERVER_HOME"
  mvn -q -B -f "$STACK_DIR/maven/temporal-test-server/pom.xml" -Dtemporal.test.server.version="$TEMPORAL_TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$TEST_SERVER_HOME/libs" \
    >"$RUN_DIR/test-server-install.log" 2>&1 || die "Maven could not collect the test server, see $RUN_DIR/test-server-install.log"
  mkdir -p "$TEST_SERVER_HOME/bin"
  # C1 only and the serial collector: the SDK gives the server a few seconds to listen.
  cat >"$TEST_SERVER_BIN.tmp" <<WRAPPER
#!/bin/sh
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \\
  -cp "$TEST_SERVER_HOME/libs/*" io.temporal.testserver.TestServer "\$@"
WRAPPER
  chmod +x "$TEST_SERVER_BIN.tmp"
  mv "$TEST_SERVER_BIN.tmp" "$TEST_SERVER_BIN"
}
