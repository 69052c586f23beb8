package dev.cinnabar.server.config;

import java.util.List;
import java.util.function.Supplier;

/**
 * One configuration directive: name and aliases, type and bounds (read off Redis 7.0 into
 * configs.json), whether CONFIG SET may change it, its default, and how the value is parsed,
 * applied and reported. The config file parser, CONFIG GET/SET/REWRITE and INFO read the same
 * entries.
 *
 * <p>Setting a value is two steps so CONFIG SET can be atomic over several directives:
 * {@link #parse} validates and returns the typed value without side effects, {@link #apply}
 * stores it (and may fail, e.g. when a port cannot be bound; the caller then restores the
 * previous values).
 */
public final class ConfigEntry {
    /** How the value is written and checked; SPECIAL directives have their own syntax. */
    public enum Type { BOOL, INT, MEMORY, MEMORY_PERCENT, ENUM, STRING, SPECIAL }

    /** Validates the directive's arguments and returns the typed value; no side effects. */
    @FunctionalInterface
    public interface Parser {
        Object parse(List<String> args) throws ConfigException;
    }

    /** Stores a parsed value. */
    @FunctionalInterface
    public interface Applier {
        void apply(Object value) throws ConfigException;
    }

    /** Old-style setter: parse and apply in one step. */
    @FunctionalInterface
    public interface Setter {
        void set(List<String> args) throws ConfigException;
    }

    private final String name;
    private final List<String> aliases;
    private final Type type;
    private final boolean mutable;
    private final boolean protectedConfig;
    private final boolean hidden;
    private final long min;
    private final long max;
    private final List<String> values;
    private final String defaultValue;
    private final boolean multiArg;
    private Parser parser;
    private Applier applier;
    private Supplier<String> getter;
    private boolean implemented;
    /** Why the directive has no effect here although Redis has one, or null (see {@link #noEffect}). */
    private String noEffectReason;
    /** A string with no value by default (NULL in Redis): a forced rewrite leaves it out while empty. */
    private boolean unsetByDefault;
    /** CONFIG SET refuses it with LOADING while the dataset loads, as Redis's DENY_LOADING_CONFIG. */
    private boolean denyLoading;
    /** Run after a value is applied at run time (CONFIG SET), e.g. to rebind listeners. */
    private final List<Applier> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();

    ConfigEntry(String name, List<String> aliases, Type type, boolean mutable, boolean protectedConfig,
                boolean hidden, long min, long max, List<String> values, String defaultValue, boolean multiArg) {
        this.name = name;
        this.aliases = List.copyOf(aliases);
        this.type = type;
        this.mutable = mutable;
        this.protectedConfig = protectedConfig;
        this.hidden = hidden;
        this.min = min;
        this.max = max;
        this.values = values == null ? List.of() : List.copyOf(values);
        this.defaultValue = defaultValue;
        this.multiArg = multiArg;
    }

    /** A special directive built in code (kept for features that add their own directives). */
    public ConfigEntry(String name, List<String> aliases, boolean mutable, String defaultValue, Setter setter,
                       Supplier<String> getter, boolean implemented, boolean multiArg) {
        this(name, aliases, Type.SPECIAL, mutable, false, false, 0, 0, null, defaultValue, multiArg);
        this.parser = args -> args;
        @SuppressWarnings("unchecked")
        Applier a = v -> setter.set((List<String>) v);
        this.applier = a;
        this.getter = getter;
        this.implemented = implemented;
    }

    void bind(Parser p, Applier a, Supplier<String> g, boolean impl) {
        this.parser = p;
        this.applier = a;
        this.getter = g;
        this.implemented = impl;
    }

    void markUnsetByDefault() {
        this.unsetByDefault = true;
    }

    /** True for a string directive whose default is no value rather than an empty string. */
    public boolean unsetByDefault() {
        return unsetByDefault;
    }

    void markDenyLoading() {
        this.denyLoading = true;
    }

    /** True for a directive CONFIG SET refuses while the dataset is loading (dir, appendonly...). */
    public boolean denyLoading() {
        return denyLoading;
    }

    void markImplemented() {
        this.implemented = true;
    }

    void markNoEffect(String reason) {
        this.implemented = true;
        this.noEffectReason = reason;
    }

    /**
     * Non-null for a directive that is accepted and reported but, by design, changes nothing here,
     * as on a Redis built without the feature (jemalloc, CPU affinity...): the reason, for
     * docs/compatibility.md. Such a directive counts as implemented: there is nothing left to build.
     */
    public String noEffect() {
        return noEffectReason;
    }

    public String name() {
        return name;
    }

    public List<String> aliases() {
        return aliases;
    }

    public Type type() {
        return type;
    }

    /** False for directives CONFIG SET rejects with "can't set immutable config". */
    public boolean mutable() {
        return mutable;
    }

    /** Protected configs (dir, dbfilename): CONFIG SET needs enable-protected-configs. */
    public boolean isProtected() {
        return protectedConfig;
    }

    /** Hidden configs are not matched by CONFIG GET patterns, only by their exact name. */
    public boolean hidden() {
        return hidden;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    public List<String> enumValues() {
        return values;
    }

    public String defaultValue() {
        return defaultValue;
    }

    /** The value as CONFIG GET reports it. */
    public String get() {
        return getter.get();
    }

    public Object parse(List<String> args) throws ConfigException {
        return parser.parse(args);
    }

    public void apply(Object value) throws ConfigException {
        applier.apply(value);
        for (Applier h : hooks) {
            h.apply(value);
        }
    }

    /** Adds something to do after each apply (a running server reacting to CONFIG SET). */
    public void onApply(Applier hook) {
        hooks.add(hook);
    }

    public void set(List<String> args) throws ConfigException {
        apply(parser.parse(args));
    }

    /** False for directives we accept and report but whose behaviour is not built yet. */
    public boolean implemented() {
        return implemented;
    }

    /** Directives taking several arguments (save, bind, client-output-buffer-limit...). */
    public boolean multiArg() {
        return multiArg;
    }
}
