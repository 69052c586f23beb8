package dev.cinnabar.ops;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cinnabar systemd}: the design notes' {@code redis@.service} template for the instances
 * of a root, as {@code cinnabar@.service}: one unit per port (%i), Type=notify with the server
 * supervised by systemd (READY=1 once the dataset is loaded, so {@code systemctl start} returns
 * when the instance answers), the instance's own configuration, Restart=always, the user, a file
 * limit above maxclients; then the commands that enable and start each instance.
 */
@Command(name = "systemd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a cinnabar@.service template unit for the instances of a root (one unit per port: "
                + "cinnabar@PORT) and print the systemctl commands that enable and start them."})
final class Systemd implements Callable<Integer> {
    static final String UNIT = "cinnabar@.service";

    @Spec
    CommandSpec spec;

    @Option(names = "--instances", required = true, split = ",", paramLabel = "PORT",
            description = "The instances' ports (each has ROOT/instances/redis-PORT.conf).")
    List<Integer> ports = new ArrayList<>();

    @Option(names = "--root", description = "The instances' root, as given to instances create (default "
            + "${DEFAULT-VALUE}).")
    Path root = Path.of("/var/lib/cinnabar");

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write " + UNIT + " (default "
            + "${DEFAULT-VALUE}).")
    Path output = Path.of("/etc/systemd/system");

    @Option(names = "--user", description = "The user the servers run as (default ${DEFAULT-VALUE}).")
    String user = "redis";

    @Option(names = "--group", description = "Their group (default: the user's name).")
    String group;

    @Option(names = "--server", description = "The server program (default: this kit's cinnabar-server; "
            + "/usr/bin/redis-server works too).")
    String server = Instances.defaultServer();

    @Option(names = "--limit-nofile", description = "LimitNOFILE: open files (maxclients + 32 at least; default "
            + "${DEFAULT-VALUE}).")
    int limitNofile = 65535;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path root = this.root.toAbsolutePath().normalize();
        List<Instance> instances = Instance.all(root, ports);
        Path server = Path.of(this.server);
        if (!server.isAbsolute() || !Files.isExecutable(server)) {
            throw new IOException("the server program must be an absolute path to an executable: " + this.server);
        }
        Files.createDirectories(output);
        Path unit = output.resolve(UNIT);
        Files.writeString(unit, unit(root, server.toAbsolutePath().normalize()));
        out.println("Wrote " + unit.toAbsolutePath() + " (instances: " + instances.size() + ")");
        out.println("Make the instances' directories the service user's, then enable and start them (as root):");
        out.println("  chown -R " + user + ":" + (group == null ? user : group) + " " + root.resolve("data") + " "
                + root.resolve("log") + " " + root.resolve("run"));
        out.println("  systemctl daemon-reload");
        for (Instance i : instances) {
            out.println("  systemctl enable --now cinnabar@" + i.port());
        }
        out.println("Check them with: systemctl status 'cinnabar@*'  or  cinnabar instances status --root " + root);
        return 0;
    }

    /** The template unit's text. */
    String unit(Path root, Path server) {
        String home = System.getProperty("cinnabar.home", System.getenv("CINNABAR_HOME"));
        String javaHome = System.getenv("JAVA_HOME");
        StringBuilder u = new StringBuilder();
        u.append("# ").append(UNIT).append(": one Cinnabar instance per port (%i), written by `cinnabar systemd`.\n");
        u.append("# Its configuration: ").append(root).append("/instances/redis-%i.conf (cinnabar instances create).\n");
        u.append("# systemctl enable --now cinnabar@PORT; systemctl status cinnabar@PORT; journalctl -u cinnabar@PORT\n");
        u.append("[Unit]\n");
        u.append("Description=Cinnabar (Redis-compatible data store) on port %i\n");
        u.append("After=network.target\n");
        if (home != null) {
            u.append("Documentation=file:").append(Path.of(home).toAbsolutePath().normalize())
                    .append("/docs/deployment.md\n");
        }
        u.append('\n');
        u.append("[Service]\n");
        u.append("# READY=1 once the dataset is loaded and the ports are open (supervised systemd)\n");
        u.append("Type=notify\n");
        u.append("ExecStart=").append(server).append(' ').append(root)
                .append("/instances/redis-%i.conf --supervised systemd --daemonize no\n");
        u.append("# SIGTERM: the server saves (when save points are set) and exits; a large save may take long\n");
        u.append("TimeoutStartSec=600\n");
        u.append("TimeoutStopSec=0\n");
        u.append("Restart=always\n");
        u.append("RestartSec=10\n");
        u.append("User=").append(user).append('\n');
        u.append("Group=").append(group == null ? user : group).append('\n');
        u.append("LimitNOFILE=").append(limitNofile).append('\n');
        u.append("UMask=007\n");
        if (javaHome != null) {
            u.append("Environment=JAVA_HOME=").append(javaHome).append('\n');
        }
        u.append("# the JVM compiles code at run time: no MemoryDenyWriteExecute\n");
        u.append("NoNewPrivileges=true\n");
        u.append("PrivateTmp=true\n");
        u.append("ProtectSystem=full\n");
        u.append('\n');
        u.append("[Install]\n");
        u.append("WantedBy=multi-user.target\n");
        return u.toString();
    }
}
