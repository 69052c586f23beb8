package dev.cinnabar.server.command;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;

/**
 * The typed key look-up of a data-type family (Redis's lookupKey*OrReply followed by checkType):
 * the value at a key when it is of the family's type, null when the key is missing, or this
 * look-up's marker {@link #wrong()} after replying WRONGTYPE. The marker is a value of the type
 * that is never stored, so a handler tests {@code v == WRONG} and returns; one look-up per type,
 * written once here instead of in each family.
 *
 * @param <T> the value class (RHash, ZSet, RSet, QuickList, Stream)
 */
public final class TypedLookup<T> {
    private final Class<T> type;
    private final T wrong;

    /** @param wrong a fresh instance of the type, used only as the WRONGTYPE marker */
    public TypedLookup(Class<T> type, T wrong) {
        this.type = type;
        this.wrong = wrong;
    }

    /** The marker returned after a WRONGTYPE reply. */
    public T wrong() {
        return wrong;
    }

    /** v itself when of the type, null when null, else the marker after replying WRONGTYPE. */
    public T checked(Client c, Object v) {
        if (v == null) {
            return null;
        }
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        c.error(Errors.WRONGTYPE);
        return wrong;
    }

    /** The value at key in the client's database, looked up for reading (see {@link #checked}). */
    public T read(Client c, byte[] key) {
        return checked(c, c.db().lookupRead(key));
    }

    /** The value at key in the client's database, looked up for writing (see {@link #checked}). */
    public T write(Client c, byte[] key) {
        return checked(c, c.db().lookupWrite(key));
    }
}
