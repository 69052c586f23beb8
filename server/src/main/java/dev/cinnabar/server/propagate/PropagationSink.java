package dev.cinnabar.server.propagate;

/**
 * A receiver of the propagated stream: the AOF, the replication backlog, a test's recorder.
 *
 * <p>It is handed each propagated command with the database it applies to, in the order the
 * commands took effect, under the execution lock; MULTI and EXEC wrapping a unit of several
 * commands arrive as commands of their own. Emitting SELECT when the database changes is the
 * sink's business (each sink has its own idea of the current database: a fresh replica starts
 * with none): see {@link SelectingSink}.
 */
public interface PropagationSink {
    /** The stream an AOF receives (Redis's PROPAGATE_AOF). */
    int AOF = 1;
    /** The stream replicas receive (Redis's PROPAGATE_REPL). */
    int REPL = 2;

    /** Which targets this sink is: {@link #AOF}, {@link #REPL} or both. */
    int targets();

    /** One command to append; {@code argv} is owned by the stream (never modify it). */
    void append(int dbId, byte[][] argv);
}
