package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.stress.ServerProcess;
import dev.cinnabar.tests.tls.TlsSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a start of bin/cinnabar-server loads (docs/operations.md, "Start-up time"): the JVM's
 * class-loading log (-Xlog:class+load) of a server started, answering PING, and stopped. A start
 * without TLS loads no TLS class (neither Netty's nor the JDK's, nor netty-tcnative), nothing
 * of Jackson (the command and configuration tables are read by util.Json), and no locale data (the log's date is formatted by hand, not by DateTimeFormatter);
 * a start that runs no script loads nothing of LuaJ, and Netty's logging starts no java.util.logging;
 * a start with a TLS port does load the TLS classes, so the log shows what it should.
 */
class StartupClassesTest {

    /** The class names the start loaded (a server with the directives given, stopped after PING). */
    private static List<String> classesLoaded(String... directives) throws Exception {
        Path dir = Files.createTempDirectory("startup-classes");
        Path log = dir.resolve("classes.log");
        String opts = "-Xlog:class+load=info:file=" + log + ":none";
        try (ServerProcess s = ServerProcess.cinnabarWithJavaOpts(opts, directives)) {
            assertThat(s.client().call("PING").asText()).isEqualTo("PONG");
        }
        List<String> names = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.split(" ")[0])
                .toList();
        Files.delete(log);
        Files.delete(dir);
        assertThat(names).as("the log lists the server's classes").contains("dev.cinnabar.server.Main");
        return names;
    }

    @Test
    void aStartWithoutTlsLoadsNoTlsClassNoJacksonAndNoLocaleData() throws Exception {
        List<String> names = classesLoaded();
        assertThat(names).filteredOn(n -> n.startsWith("io.netty.handler.ssl.") || n.startsWith("sun.security.ssl.")
                || n.startsWith("io.netty.internal.tcnative.")).isEmpty();
        assertThat(names).filteredOn(n -> n.startsWith("com.fasterxml.jackson.")).isEmpty();
        assertThat(names).filteredOn(n -> n.startsWith("java.time.format.")
                || n.startsWith("sun.util.locale.provider.")).isEmpty();
    }

    @Test
    void aStartThatRunsNoScriptLoadsNoLuaAndNettyLogsWithoutStartingJavaUtilLogging() throws Exception {
        List<String> names = classesLoaded();
        // the first command's gate, the memory cron and SHUTDOWN ask whether a script runs: LuaJ's
        // classes (not archivable, so parsed and verified at each start) only come with a script
        assertThat(names).filteredOn(n -> n.startsWith("org.luaj.")).isEmpty();
        assertThat(names).doesNotContain("dev.cinnabar.server.scripting.SandboxGlobals");
        // Netty's loggers without its search for SLF4J and Log4J, and java.util.logging untouched
        // until Netty logs at INFO or above (net.NettyLogging)
        assertThat(names).doesNotContain("io.netty.util.internal.logging.JdkLogger",
                "io.netty.util.internal.logging.Log4JLogger", "java.util.logging.LogManager$RootLogger");
    }

    @Test
    void aStartWithATlsPortLoadsTheTlsClasses() throws Exception {
        List<String> settings = TlsSupport.settings(Ports.free());
        String[] args = new String[settings.size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = i % 2 == 0 ? "--" + settings.get(i) : settings.get(i);
        }
        List<String> names = classesLoaded(args);
        assertThat(names).contains("io.netty.handler.ssl.SslContext");
    }
}
