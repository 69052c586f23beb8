package dev.cinnabar.server.command;

import java.util.List;

/** The command families that bind handlers into the table. One line per family. */
public final class Families {
    private Families() {
    }

    public static List<CommandFamily> all() {
        return List.of(
                new dev.cinnabar.server.command.scripting.ScriptingCommands(),
                new dev.cinnabar.server.command.scripting.FunctionCommands(),
                new dev.cinnabar.server.command.connection.ConnectionCommands(),
                new dev.cinnabar.server.acl.AclCommands(),
                new dev.cinnabar.server.command.introspection.IntrospectionCommands(),
                new dev.cinnabar.server.command.string.StringCommands(),
                new dev.cinnabar.server.command.generic.KeyCommands(),
                new dev.cinnabar.server.command.bitmap.BitmapCommands(),
                new dev.cinnabar.server.command.hyperloglog.HyperLogLogCommands(),
                new dev.cinnabar.server.command.geo.GeoCommands(),
                new dev.cinnabar.server.command.generic.ExpireCommands(),
                new dev.cinnabar.server.command.server.ServerCommands(),
                new dev.cinnabar.server.command.server.AofCommands(),
                new dev.cinnabar.server.command.zset.ZSetCommands(),
                new dev.cinnabar.server.command.set.SetCommands(),
                new dev.cinnabar.server.command.transaction.TransactionCommands(),
                new dev.cinnabar.server.command.list.ListCommands(),
                new dev.cinnabar.server.command.hash.HashCommands(),
                new dev.cinnabar.server.command.pubsub.PubSubCommands(),
                new dev.cinnabar.server.tracking.TrackingCommands(),
                new dev.cinnabar.server.command.generic.SortCommands(),
                new dev.cinnabar.server.command.stream.StreamCommands(),
                new dev.cinnabar.server.command.stream.StreamGroupCommands(),
                new dev.cinnabar.server.command.replication.ReplicationCommands(),
                new dev.cinnabar.server.command.cluster.ClusterCommands()
        );
    }
}
