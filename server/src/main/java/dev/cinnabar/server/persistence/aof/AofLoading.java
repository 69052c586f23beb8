package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.persistence.Persistence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loading every file of the manifest in order (Redis's loadAppendOnlyFiles): the base, then each
 * incremental file. A file cut short is accepted only when it is the last one (and
 * aof-load-truncated allows it); a file the manifest names but the disk lacks stops start-up.
 * An old single-file AOF (appendfilename in dir) is first moved into the directory as the base of
 * a new manifest, as 7.0 upgrades it. Progress goes to the LOADING state the RDB loader owns
 * ({@link Persistence#beginLoading}), so clients get LOADING and INFO shows loading_* meanwhile.
 */
final class AofLoading {
    private final Aof aof;

    AofLoading(Aof aof) {
        this.aof = aof;
    }

    AofLoader.Result loadAll(boolean startup) {
        AofManifest am = aof.manifest;
        Path old = aof.workDir().resolve(aof.prefix());
        if (Files.isRegularFile(old)) {
            boolean noDir = !Files.isDirectory(aof.dir());
            boolean onlyOldBase = am.base != null && am.incr.isEmpty() && am.base.name().equals(aof.prefix())
                    && !Files.exists(aof.file(aof.prefix()));
            if (noDir || am.isEmpty() || onlyOldBase) {
                upgrade(am, old);
            }
        }
        if (am.isEmpty()) {
            return AofLoader.Result.NOT_EXIST;
        }
        List<AofManifest.Info> files = new ArrayList<>();
        if (am.base != null) {
            files.add(am.base);
        }
        files.addAll(am.incr);
        long total = 0;
        for (AofManifest.Info f : files) {
            Path p = aof.file(f.name());
            try {
                total += Files.size(p);
            } catch (IOException e) {
                aof.log().warning("Unable to obtain the AOF file " + f.name() + " length. stat: " + Aof.reason(e));
                return AofLoader.Result.FAILED;
            }
        }
        if (total == 0) {
            return AofLoader.Result.EMPTY;
        }
        Persistence loading = Persistence.of(aof.server());
        loading.beginLoading(total);
        aof.server().loading(true); // no key expires while the file replays
        long[] done = {0};
        AofLoader.Progress progress = delta -> {
            done[0] += delta;
            loading.loadingProgress(done[0]);
        };
        AofLoader.Result ret = AofLoader.Result.OK;
        long baseSize = 0;
        try {
            for (int i = 0; i < files.size(); i++) {
                AofManifest.Info f = files.get(i);
                boolean base = f == am.base;
                boolean last = i == files.size() - 1;
                if (base) {
                    baseSize = Aof.size(aof.file(f.name()));
                }
                long start = System.nanoTime();
                ret = new AofLoader(aof.server(), aof).load(aof.file(f.name()), f.name(),
                        f.name().equals(aof.prefix()), progress);
                if (ret == AofLoader.Result.OK || (ret == AofLoader.Result.TRUNCATED && last)) {
                    aof.log().notice(String.format(Locale.ROOT, "DB loaded from %s file %s: %.3f seconds",
                            base ? "base" : "incr", f.name(), (System.nanoTime() - start) / 1e9));
                }
                if (ret == AofLoader.Result.EMPTY && !base) {
                    ret = AofLoader.Result.OK;
                }
                if (ret == AofLoader.Result.NOT_EXIST) {
                    ret = AofLoader.Result.FAILED;
                }
                if (ret == AofLoader.Result.TRUNCATED && !last) {
                    ret = AofLoader.Result.FAILED;
                    aof.log().warning("Fatal error: the truncated file is not the last file");
                }
                if (ret == AofLoader.Result.OPEN_ERR || ret == AofLoader.Result.FAILED) {
                    return ret;
                }
            }
            aof.currentSize = sizeOf(files);
            aof.baseSize = baseSize;
            return ret;
        } finally {
            aof.server().loading(false);
            loading.endLoading();
        }
    }

    private long sizeOf(List<AofManifest.Info> files) {
        long n = 0;
        for (AofManifest.Info f : files) {
            n += Aof.size(aof.file(f.name()));
        }
        return n;
    }

    /**
     * Redis's aofUpgradePrepare: the directory, a manifest naming the old file as base 1, then the
     * old file moved in. Each step can be redone after a crash.
     */
    private void upgrade(AofManifest am, Path old) {
        try {
            Files.createDirectories(aof.dir());
        } catch (IOException e) {
            String msg = "Can't open or create append-only dir " + aof.dir().getFileName() + ": " + Aof.reason(e);
            aof.log().warning(msg);
            throw new Aof.Fatal(msg);
        }
        am.base = new AofManifest.Info(aof.prefix(), 1, AofManifest.Info.BASE);
        am.baseSeq = 1;
        if (!aof.persistManifest(am)) {
            throw new Aof.Fatal("Can't persist the AOF manifest");
        }
        try {
            Files.move(old, aof.file(aof.prefix()), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            String msg = "Error trying to move the old AOF file " + aof.prefix() + " into dir "
                    + aof.dir().getFileName() + ": " + Aof.reason(e);
            aof.log().warning(msg);
            throw new Aof.Fatal(msg);
        }
        aof.log().notice("Successfully migrated an old-style AOF file (" + aof.prefix() + ") into the AOF directory ("
                + aof.dir().getFileName() + ").");
    }
}
