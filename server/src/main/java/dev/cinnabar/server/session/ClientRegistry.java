package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** All connected clients by id. Ids increase from 1, as Redis's CLIENT ID. */
public final class ClientRegistry {
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();

    public ClientRegistry(ServerContext server) {
    }

    public long newId() {
        return nextId.getAndIncrement();
    }

    public void add(Client c) {
        clients.put(c.id(), c);
    }

    public void remove(Client c) {
        clients.remove(c.id());
    }

    public Client get(long id) {
        return clients.get(id);
    }

    public int size() {
        return clients.size();
    }

    /** A live view, ordered by nothing in particular; sort by id when order matters. */
    public Collection<Client> all() {
        return clients.values();
    }
}
