package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** All connected clients by id. Ids increase from 1, as Redis's CLIENT ID. */
public final class ClientRegistry {
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();

    private final ResumeQueue resumes;
    private final ClientPause pause;
    private final List<Consumer<Client>> resetListeners = new CopyOnWriteArrayList<>();
    private volatile Authenticator authenticator;
    private final ClientMemory memory;

    public ClientRegistry(ServerContext server) {
        this.resumes = new ResumeQueue(server.lock());
        this.pause = new ClientPause(server.commands().spec("exec"), resumes);
        this.authenticator = Authenticator.requirepass(server.config());
        this.memory = new ClientMemory(server);
    }

    /** Client memory accounting and client eviction (maxmemory-clients). */
    public ClientMemory memory() {
        return memory;
    }

    /** Who checks AUTH / HELLO AUTH credentials (requirepass until ACL replaces it). */
    public Authenticator authenticator() {
        return authenticator;
    }

    public void authenticator(Authenticator a) {
        this.authenticator = a;
    }

    /** Clients released from a blocking command or a pause, run one after the other. */
    public ResumeQueue resumes() {
        return resumes;
    }

    /** CLIENT PAUSE state. */
    public ClientPause pause() {
        return pause;
    }

    /**
     * Registers what RESET clears for a feature (MULTI/WATCH, pub/sub, tracking, blocking...).
     * Listeners run under the execution lock, in registration order, before the connection
     * package resets db, protocol, name and authentication.
     */
    public void addResetListener(Consumer<Client> l) {
        resetListeners.add(l);
    }

    /** Runs the RESET listeners for c. */
    public void reset(Client c) {
        for (Consumer<Client> l : resetListeners) {
            l.accept(c);
        }
    }

    public long newId() {
        return nextId.getAndIncrement();
    }

    public void add(Client c) {
        clients.put(c.id(), c);
    }

    /** c is gone (under the execution lock): it leaves the registry and the memory accounting. */
    public void remove(Client c) {
        clients.remove(c.id());
        memory.remove(c);
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
