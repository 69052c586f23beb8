package dev.cinnabar.tests.acl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ACL file against a real Redis 7.0: both servers are configured with the same aclfile path,
 * so ACL LOAD of a broken file must give the same errors (naming the lines), and a file written
 * by one server's ACL SAVE must load in the other with the same users (ACL LIST compared in
 * canonical form, see {@link AclReplies}).
 */
class AclFileTest {
    private static final Path FILE = aclFile();

    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("aclfile", FILE.toString());

    private static RealRedis redis;
    private RespClient real;
    private RespClient ours;

    private static Path aclFile() {
        try {
            Path dir = Files.createTempDirectory("cinnabar-aclfile");
            Path f = dir.resolve("users.acl");
            Files.writeString(f, "");
            f.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start("--aclfile", FILE.toString());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void connect() throws IOException {
        Files.writeString(FILE, "");
        real = redis.client();
        ours = server.client();
        for (RespClient c : List.of(real, ours)) {
            assertThat(c.call("ACL", "LOAD")).isEqualTo(new Resp.Simple("OK"));
        }
    }

    @AfterEach
    void close() throws IOException {
        Files.writeString(FILE, ""); // back to the default user alone (these connections are still authenticated)
        for (RespClient c : List.of(real, ours)) {
            c.call("ACL", "LOAD");
        }
        real.close();
        ours.close();
    }

    private void both(String... args) {
        assertThat(AclReplies.canonical(ours.call(args))).as(String.join(" ", args))
                .isEqualTo(AclReplies.canonical(real.call(args)));
    }

    private void loadBoth(String content) throws IOException {
        Files.writeString(FILE, content);
        both("ACL", "LOAD");
        both("ACL", "LIST");
    }

    @Test
    void brokenFilesAreRefusedWithTheSameErrorsAndChangeNothing() throws IOException {
        loadBoth("user alice on >pw ~k* +get\n");
        loadBoth("user bob on nopass\nnot a user line\nuser bob off\nuser carol on bogus ~x +nosuchcommand\n"
                + "user dave (~x +get\nuser\n  \nuser eve on #abc <nope\n");
        loadBoth("user alice on >pw ~k* +get\n# a comment\n");
        loadBoth("\n\nuser alice on\t>pw ~k* +get\r\n   \nuser default on nopass ~* &* +@all\n");
        loadBoth("user frank on nopass (~x* +set) (%R~r* +@read -@dangerous) ~a* &c* +@hash -hset +select|0\n");
        loadBoth("user default off ~* &* +@all\n"); // still allowed to run ACL LOAD again
        both("ACL", "LOG");
    }

    @Test
    void aFileWeSaveLoadsInRedisAndTheOtherWayRound() throws IOException {
        List<List<String>> users = List.of(
                List.of("alice", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&news", "-@all", "+@hash", "-hset", "+select|0"),
                List.of("bob", "off", "#" + "ab".repeat(32), "(~x* +set)", "(&c* +@pubsub)", "+@all", "-@dangerous"),
                List.of("carol", "on", "nopass", "allkeys", "allchannels", "allcommands", "-flushall", "skip-sanitize-payload"),
                List.of("default", "on", ">secret", "~*", "&*", "+@all", "-debug"));
        for (List<String> u : users) {
            ours.call(concat(List.of("ACL", "SETUSER"), u));
        }
        assertThat(ours.call("ACL", "SAVE")).isEqualTo(new Resp.Simple("OK"));
        Resp saved = AclReplies.canonical(ours.call("ACL", "LIST"));
        assertThat(real.call("ACL", "LOAD")).isEqualTo(new Resp.Simple("OK"));
        real.call("AUTH", "default", "secret");
        assertThat(AclReplies.canonical(real.call("ACL", "LIST"))).isEqualTo(saved);

        real.call("ACL", "SETUSER", "dave", "on", ">x", "~d*", "+@string");
        real.call("ACL", "DELUSER", "carol");
        assertThat(real.call("ACL", "SAVE")).isEqualTo(new Resp.Simple("OK"));
        Resp redisSaved = AclReplies.canonical(real.call("ACL", "LIST"));
        ours.call("AUTH", "default", "secret");
        assertThat(ours.call("ACL", "LOAD")).isEqualTo(new Resp.Simple("OK"));
        assertThat(AclReplies.canonical(ours.call("ACL", "LIST"))).isEqualTo(redisSaved);
        for (RespClient c : List.of(real, ours)) {
            c.call("ACL", "SETUSER", "default", "nopass");
        }
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
