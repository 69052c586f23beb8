package dev.cinnabar.server.net.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.CipherSuiteFilter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * tls-ciphers (TLS 1.2 and below, an OpenSSL cipher list) and tls-ciphersuites (TLS 1.3 names)
 * turned into the provider's list of enabled suites. OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256)
 * and IANA/Java names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) are both accepted; keywords
 * (DEFAULT, HIGH, ALL, MEDIUM) stand for every suite the provider supports except anonymous,
 * unencrypted and export ones (OpenSSL's DEFAULT is that wide: it keeps RSA key exchange and CBC
 * suites, which the providers' own default lists drop), the provider's defaults first; another keyword (ECDHE,
 * CHACHA20...) for the defaults containing it; {@code !x} / {@code -x} removes a name or every
 * suite containing a keyword (aNULL: anonymous, eNULL: no encryption). As with OpenSSL, names the
 * provider lacks are skipped and a directive leaving no suite at all is an error. An unset
 * directive keeps the provider's defaults for its protocol versions.
 */
final class Ciphers implements CipherSuiteFilter {
    private static final Set<String> DEFAULT_KEYWORDS = Set.of("DEFAULT", "HIGH", "ALL", "MEDIUM",
            "COMPLEMENTOFDEFAULT", "@STRENGTH", "@SECLEVEL=0", "@SECLEVEL=1", "@SECLEVEL=2");
    private final String tls12;
    private final String tls13;

    Ciphers(String tls12, String tls13) {
        this.tls12 = tls12;
        this.tls13 = tls13;
    }

    /** True when neither directive is set: the provider's defaults apply unchanged. */
    boolean unset() {
        return tls12.isEmpty() && tls13.isEmpty();
    }

    @Override
    public String[] filterCipherSuites(Iterable<String> ciphers, List<String> defaults, Set<String> supported) {
        try {
            return select(defaults, supported).toArray(String[]::new);
        } catch (TlsConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The suites to enable, defaults' order first, then the names as given. */
    List<String> select(List<String> defaults, Set<String> supported) throws TlsConfigException {
        List<String> old = new ArrayList<>();
        List<String> v13 = new ArrayList<>();
        for (String s : defaults) {
            if (supported.contains(s)) {
                (isTls13(s) ? v13 : old).add(s);
            }
        }
        List<String> out = new ArrayList<>();
        if (tls12.isEmpty()) {
            out.addAll(old);
        } else {
            List<String> picked = pick(tls12, old, supported);
            picked.removeIf(Ciphers::isTls13);
            if (picked.isEmpty()) {
                throw new TlsConfigException("Failed to configure ciphers: " + tls12);
            }
            out.addAll(picked);
        }
        if (tls13.isEmpty()) {
            out.addAll(v13);
        } else {
            List<String> picked = pick(tls13, v13, supported);
            picked.removeIf(s -> !isTls13(s));
            if (picked.isEmpty()) {
                throw new TlsConfigException("Failed to configure ciphersuites: " + tls13);
            }
            out.addAll(picked);
        }
        return out;
    }

    private static List<String> pick(String spec, List<String> defaults, Set<String> supported) {
        Set<String> chosen = new LinkedHashSet<>();
        List<String> removed = new ArrayList<>();
        for (String token : spec.split("[:, ]+")) {
            if (token.isEmpty()) {
                continue;
            }
            boolean remove = token.startsWith("!") || token.startsWith("-");
            String t = token.startsWith("!") || token.startsWith("-") || token.startsWith("+") ? token.substring(1) : token;
            if (remove) {
                removed.add(t);
                continue;
            }
            String name = javaName(t);
            if (name != null) {
                if (supported.contains(name)) {
                    chosen.add(name);
                }
            } else if (DEFAULT_KEYWORDS.contains(t.toUpperCase(Locale.ROOT))) {
                chosen.addAll(defaults);
                supported.stream().filter(Ciphers::acceptable).sorted().forEach(chosen::add);
            } else {
                for (String d : defaults) {
                    if (d.contains(keyword(t))) {
                        chosen.add(d);
                    }
                }
            }
        }
        for (String r : removed) {
            String name = javaName(r);
            if (name != null) {
                chosen.remove(name);
            } else {
                String k = keyword(r);
                chosen.removeIf(s -> s.contains(k));
            }
        }
        return new ArrayList<>(chosen);
    }

    /** The Java/IANA name of a suite name, or null for a keyword. */
    private static String javaName(String t) {
        if (t.startsWith("TLS_") || t.startsWith("SSL_")) {
            return t;
        }
        if (t.indexOf('-') < 0) {
            return null; // a keyword (HIGH, ECDHE, AESGCM...)
        }
        String j = CipherSuiteConverter.toJava(t, "TLS");
        return j == null ? t : j;
    }

    private static String keyword(String t) {
        return switch (t) {
            case "aNULL" -> "_anon_";
            case "eNULL", "NULL" -> "_NULL_";
            case "AESGCM" -> "GCM";
            case "CHACHA20" -> "CHACHA20";
            default -> t;
        };
    }

    /** Not anonymous, not unencrypted, not export-grade, not a signalling pseudo-suite. */
    private static boolean acceptable(String suite) {
        return !suite.contains("_anon_") && !suite.contains("_NULL_") && !suite.contains("EXPORT")
                && !suite.contains("_RC4_") && !suite.contains("_DES_") && !suite.contains("SCSV")
                && !suite.contains("_DES40_") && !suite.startsWith("SSL_");
    }

    static boolean isTls13(String suite) {
        return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_") || suite.startsWith("TLS_SM4_");
    }
}
