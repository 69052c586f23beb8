package dev.cinnabar.server.command.cluster;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandInfo;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;

/**
 * CLUSTER, READONLY, READWRITE and ASKING of a standalone server (cluster-enabled no, the only
 * mode until the cluster is built): Redis 7.0 knows these commands there and answers each
 * (after its arity and subcommand checks, and the gate's) with "This instance has cluster
 * support disabled". Their metadata is in the table, so COMMAND lists them, scripts are refused
 * the noscript ones, and ACL rules name them, exactly as a standalone Redis does.
 */
public final class ClusterCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        for (String sub : CommandInfo.all().get("cluster").subcommands().keySet()) {
            t.bind("cluster", sub, c -> c.error(Errors.CLUSTER_DISABLED));
        }
        for (String name : new String[] {"readonly", "readwrite", "asking"}) {
            t.bind(name, c -> c.error(Errors.CLUSTER_DISABLED));
        }
    }
}
