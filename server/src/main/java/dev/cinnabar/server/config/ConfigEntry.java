package dev.cinnabar.server.config;

import java.util.List;

/**
 * One configuration directive: its name and aliases, whether CONFIG SET may change it at run time,
 * its default, and how to parse/apply and format the value. The config file parser, CONFIG
 * GET/SET/REWRITE and INFO all read the same entries.
 */
public final class ConfigEntry {
    /** Parses, validates and applies a value (the whole argument list of the directive). */
    @FunctionalInterface
    public interface Setter {
        void set(List<String> args) throws ConfigException;
    }

    private final String name;
    private final List<String> aliases;
    private final boolean mutable;
    private final String defaultValue;
    private final Setter setter;
    private final java.util.function.Supplier<String> getter;
    private final boolean implemented;
    /** Directives that may appear several times in a file (save, include, rename-command...). */
    private final boolean multiArg;

    public ConfigEntry(String name, List<String> aliases, boolean mutable, String defaultValue, Setter setter,
                       java.util.function.Supplier<String> getter, boolean implemented, boolean multiArg) {
        this.name = name;
        this.aliases = aliases;
        this.mutable = mutable;
        this.defaultValue = defaultValue;
        this.setter = setter;
        this.getter = getter;
        this.implemented = implemented;
        this.multiArg = multiArg;
    }

    public String name() {
        return name;
    }

    public List<String> aliases() {
        return aliases;
    }

    public boolean mutable() {
        return mutable;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String get() {
        return getter.get();
    }

    public void set(List<String> args) throws ConfigException {
        setter.set(args);
    }

    /** False for directives we accept and report but whose behaviour is not built yet. */
    public boolean implemented() {
        return implemented;
    }

    public boolean multiArg() {
        return multiArg;
    }
}
