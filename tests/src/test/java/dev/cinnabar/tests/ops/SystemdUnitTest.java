package dev.cinnabar.tests.ops;

import static dev.cinnabar.tests.ops.ReplicationCheckTest.cinnabar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import dev.cinnabar.tests.ops.ReplicationCheckTest.Result;
import io.netty.channel.epoll.Epoll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cinnabar systemd}: the cinnabar@.service template for a root's instances passes
 * {@code systemd-analyze verify} (its shape is checked as well, for hosts without systemd), and its
 * ExecStart line, run as systemd runs a Type=notify unit, reports READY=1 and STOPPING=1.
 */
class SystemdUnitTest {
    @Test
    void templateUnitForTheInstancesOfARoot(@TempDir Path tmp) throws Exception {
        System.setProperty("cinnabar.home", ServerProcess.repositoryRoot().toString());
        Path template = tmp.resolve("redis.conf");
        Files.writeString(template, "bind 127.0.0.1\nport 6379\ndaemonize yes\npidfile /var/run/redis_6379.pid\n"
                + "logfile \"\"\ndir ./\nsave \"\"\nappendonly no\n");
        Path root = tmp.resolve("host");
        int base = Ports.freeRun(2);
        Result create = cinnabar("instances", "create", "--count", "2", "--base-port", Integer.toString(base),
                "--template", template.toString(), "--root", root.toString());
        assertThat(create.code()).as(create.out()).isZero();
        Path units = tmp.resolve("units");
        Result r = cinnabar("systemd", "--instances", base + "," + (base + 1), "--root", root.toString(), "--output",
                units.toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("Wrote " + units.resolve("cinnabar@.service"), "systemctl daemon-reload",
                "systemctl enable --now cinnabar@" + base + "\n", "systemctl enable --now cinnabar@" + (base + 1) + "\n",
                "chown -R redis:redis " + root.resolve("data"));
        String unit = Files.readString(units.resolve("cinnabar@.service"));
        String server = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        String exec = server + " " + root + "/instances/redis-%i.conf --supervised systemd --daemonize no";
        assertThat(unit).contains("[Unit]\n", "[Service]\n", "\nType=notify\n", "\nExecStart=" + exec + "\n",
                "\nRestart=always\n", "\nUser=redis\n", "\nGroup=redis\n", "\nLimitNOFILE=65535\n",
                "[Install]\nWantedBy=multi-user.target\n").doesNotContain("MemoryDenyWriteExecute=");
        // every line is a comment, a section or a key=value pair
        for (String line : unit.split("\n")) {
            assertThat(line).matches("|#.*|\\[(Unit|Service|Install)\\]|[A-Z][A-Za-z]+=\\S.*");
        }
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            Path instance = units.resolve("cinnabar@" + base + ".service");
            Files.copy(units.resolve("cinnabar@.service"), instance);
            Tools.Run verify = Tools.run(List.of("/usr/bin/systemd-analyze", "verify", instance.toString()), null, 60,
                    Map.of());
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            assertThat(verify.stderr()).as(verify.toString()).doesNotContain("cinnabar@");
        }

        // the unit's ExecStart for the first instance, as systemd starts it (NOTIFY_SOCKET set)
        Assumptions.assumeTrue(Epoll.isAvailable(), "needs Linux's native transport");
        List<String> cmd = Arrays.asList(exec.replace("%i", Integer.toString(base)).split(" "));
        List<String> messages = SupervisionTest.notifications(cmd, base, tmp.resolve("notify.sock"));
        assertThat(messages).contains("READY=1\n", "process_supervised:systemd", "STOPPING=1\n");

        Result missing = cinnabar("systemd", "--instances", Integer.toString(base + 2), "--root", root.toString(),
                "--output", units.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.out()).contains("no instance with port " + (base + 2));
    }
}
