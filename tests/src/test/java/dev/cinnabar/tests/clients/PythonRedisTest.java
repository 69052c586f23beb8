package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Tools;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** redis-py (Debian's python3-redis) run by /usr/bin/python3 against the embedded server. */
class PythonRedisTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    static final String SCRIPT = String.join("\n",
            "import sys, redis",
            "r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), socket_timeout=10)",
            "assert r.ping() is True",
            "assert r.set('py:a', 'x') is True",
            "assert r.get('py:a') == b'x', r.get('py:a')",
            "assert r.get('py:missing') is None",
            "assert r.exists('py:a', 'py:missing') == 1",
            "assert r.echo('héllo') == 'héllo'.encode()",
            "p = r.pipeline(transaction=False)",
            "for i in range(500):",
            "    p.set('py:%d' % i, i)",
            "    p.get('py:%d' % i)",
            "res = p.execute()",
            "assert res[1::2] == [str(i).encode() for i in range(500)], res[:6]",
            "assert r.delete('py:a', 'py:missing') == 1",
            "try:",
            "    r.execute_command('NOSUCHCOMMAND', 'x')",
            "    raise SystemExit('no error raised')",
            "except redis.ResponseError as e:",
            "    assert str(e).startswith(\"unknown command 'NOSUCHCOMMAND'\"), str(e)",
            "pool = redis.ConnectionPool(host='127.0.0.1', port=int(sys.argv[1]), db=2)",
            "r2 = redis.Redis(connection_pool=pool)",
            "assert r2.dbsize() == 0",
            "print('python-redis ok', redis.__version__)",
            "");

    @Test
    void redisPyScript() {
        String py = Tools.requirePythonRedis();
        Tools.Run r = Tools.run(List.of(py, "-c", SCRIPT, Integer.toString(server.port())), (String) null, 60);
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).startsWith("python-redis ok");
    }
}
