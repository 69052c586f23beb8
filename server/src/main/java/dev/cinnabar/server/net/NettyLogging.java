package dev.cinnabar.server.net;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;

/**
 * Netty's log in the launched server: what Netty would print through java.util.logging with the
 * JDK's default configuration (INFO and above, to standard error), but without starting
 * java.util.logging until Netty has something to print.
 *
 * <p>Why: Netty picks its logging framework on its first logger by trying SLF4J, Log4J 2 and Log4J
 * in turn. On our class path none is there, so each try searches every jar for a missing class
 * (opening and indexing the jars no class had been looked up in yet), and the JDK logger it ends with
 * initialises java.util.logging's LogManager (its configuration file, root logger and
 * handlers), all at every start for messages that are off (Netty logs almost only at DEBUG). Here
 * TRACE and DEBUG are off, as java.util.logging's default INFO level has them, and a message at INFO
 * or above goes to the JDK logger created on first use, so it reads exactly as before.
 *
 * <p>Only {@code Main} installs it (a process of its own): an embedding application keeps Netty's
 * own choice. With a java.util.logging configuration given on the command line
 * ({@code java.util.logging.config.file} or {@code .class}), whose levels may differ, the JDK
 * logger is used directly, as Netty would.
 */
public final class NettyLogging extends InternalLoggerFactory {
    private NettyLogging() {
    }

    /** Makes Netty log as described above; call before the first Netty class is used. */
    public static void install() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        } else {
            InternalLoggerFactory.setDefaultFactory(new NettyLogging());
        }
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name);
    }

    /** Off below INFO; INFO and above through the JDK logger, created on first use. */
    private static final class Logger extends AbstractInternalLogger {
        private static final long serialVersionUID = 1L;
        private transient volatile InternalLogger jdk;

        Logger(String name) {
            super(name);
        }

        private InternalLogger jdk() {
            InternalLogger l = jdk;
            if (l == null) {
                l = ((JdkLoggerFactory) JdkLoggerFactory.INSTANCE).newInstance(name());
                jdk = l;
            }
            return l;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public void trace(String msg) {
        }

        @Override
        public void trace(String format, Object arg) {
        }

        @Override
        public void trace(String format, Object argA, Object argB) {
        }

        @Override
        public void trace(String format, Object... arguments) {
        }

        @Override
        public void trace(String msg, Throwable t) {
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public void debug(String msg) {
        }

        @Override
        public void debug(String format, Object arg) {
        }

        @Override
        public void debug(String format, Object argA, Object argB) {
        }

        @Override
        public void debug(String format, Object... arguments) {
        }

        @Override
        public void debug(String msg, Throwable t) {
        }

        @Override
        public boolean isInfoEnabled() {
            return jdk().isInfoEnabled();
        }

        @Override
        public void info(String msg) {
            jdk().info(msg);
        }

        @Override
        public void info(String format, Object arg) {
            jdk().info(format, arg);
        }

        @Override
        public void info(String format, Object argA, Object argB) {
            jdk().info(format, argA, argB);
        }

        @Override
        public void info(String format, Object... arguments) {
            jdk().info(format, arguments);
        }

        @Override
        public void info(String msg, Throwable t) {
            jdk().info(msg, t);
        }

        @Override
        public boolean isWarnEnabled() {
            return jdk().isWarnEnabled();
        }

        @Override
        public void warn(String msg) {
            jdk().warn(msg);
        }

        @Override
        public void warn(String format, Object arg) {
            jdk().warn(format, arg);
        }

        @Override
        public void warn(String format, Object... arguments) {
            jdk().warn(format, arguments);
        }

        @Override
        public void warn(String format, Object argA, Object argB) {
            jdk().warn(format, argA, argB);
        }

        @Override
        public void warn(String msg, Throwable t) {
            jdk().warn(msg, t);
        }

        @Override
        public boolean isErrorEnabled() {
            return jdk().isErrorEnabled();
        }

        @Override
        public void error(String msg) {
            jdk().error(msg);
        }

        @Override
        public void error(String format, Object arg) {
            jdk().error(format, arg);
        }

        @Override
        public void error(String format, Object argA, Object argB) {
            jdk().error(format, argA, argB);
        }

        @Override
        public void error(String format, Object... arguments) {
            jdk().error(format, arguments);
        }

        @Override
        public void error(String msg, Throwable t) {
            jdk().error(msg, t);
        }
    }
}
