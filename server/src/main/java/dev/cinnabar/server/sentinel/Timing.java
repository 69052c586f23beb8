package dev.cinnabar.server.sentinel;

/**
 * The Sentinel's periods and timeouts (milliseconds), Redis's defaults, each changeable at run
 * time with SENTINEL DEBUG (Redis's test suite shortens them). Shown by SENTINEL DEBUG in this order.
 */
enum Timing {
    INFO_PERIOD(10000),
    PING_PERIOD(1000),
    ASK_PERIOD(1000),
    PUBLISH_PERIOD(2000),
    DEFAULT_DOWN_AFTER(30000),
    DEFAULT_FAILOVER_TIMEOUT(60 * 3 * 1000),
    TILT_TRIGGER(2000),
    TILT_PERIOD(1000 * 30),
    SLAVE_RECONF_TIMEOUT(10000),
    MIN_LINK_RECONNECT_PERIOD(15000),
    ELECTION_TIMEOUT(10000),
    SCRIPT_MAX_RUNTIME(60000),
    SCRIPT_RETRY_DELAY(30000);

    final long defaultValue;

    Timing(long defaultValue) {
        this.defaultValue = defaultValue;
    }

    /** The name SENTINEL DEBUG takes ("info-period"). */
    String option() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
