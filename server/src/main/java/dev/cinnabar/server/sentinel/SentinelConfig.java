package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Start-up checks of sentinel mode, before the server is built, with Redis's messages: a
 * configuration file is required and must be writable (the Sentinel saves its state there), and
 * every "sentinel" line must be valid (read into a scratch state; the server reads them again).
 */
public final class SentinelConfig {
    private SentinelConfig() {
    }

    public static void check(ServerConfig config, Path file) throws ConfigFile.FatalConfigError {
        if (file == null) {
            throw new ConfigFile.FatalConfigError(warningLine("Sentinel needs config file on disk to save state. Exiting..."));
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new ConfigFile.FatalConfigError(warningLine("Sentinel config file " + file
                    + " is not writable: Permission denied. Exiting..."));
        }
        Sentinel scratch = new Sentinel(null, config);
        scratch.load(config);
    }

    private static String warningLine(String msg) {
        return dev.cinnabar.server.Log.line(ProcessHandle.current().pid(), 'X', dev.cinnabar.server.Log.WARNING, msg);
    }
}
