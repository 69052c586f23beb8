package dev.cinnabar.server.protocol;

/**
 * Every error text Cinnabar sends, worded exactly as Redis 7.0 words it. Handlers use these
 * constants or factories, never ad-hoc strings, so one place can be checked against Redis.
 */
public final class Errors {
    private Errors() {
    }

    public static final String SYNTAX = "ERR syntax error";
    public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    public static final String NO_SUCH_KEY = "ERR no such key";
    // ---- ACL (acl package, ACL command, the gate's ACL stage)
    public static final String NOPERM_KEYS = "NOPERM this user has no permissions to access one of the keys used as arguments";
    public static final String NOPERM_CHANNELS =
            "NOPERM this user has no permissions to access one of the channels used as arguments";
    public static final String SCRIPT_NOPERM_COMMAND = "ERR The user executing the script can't run this command or subcommand";
    public static final String SCRIPT_NOPERM_KEYS = "ERR The user executing the script can't access at least one of the keys"
            + " mentioned in the command arguments";
    public static final String SCRIPT_NOPERM_CHANNELS =
            "ERR The user executing the script can't publish to the channel mentioned in the command";
    private static final String EXEC_NOPERM = "NOPERM ACLs rules changed between the moment the transaction was"
            + " accumulated and the EXEC call. This command is no longer allowed for the following reason: ";
    public static final String EXEC_NOPERM_COMMAND = EXEC_NOPERM + "no permission to execute the command or subcommand";
    public static final String EXEC_NOPERM_KEYS = EXEC_NOPERM + "no permission to touch the specified keys";
    public static final String EXEC_NOPERM_CHANNELS = EXEC_NOPERM + "no permission to access one of the channels used as"
            + " arguments";
    public static final String SORT_BY_ACL = "ERR BY option of SORT denied due to insufficient ACL permissions.";
    public static final String SORT_GET_ACL = "ERR GET option of SORT denied due to insufficient ACL permissions.";
    public static final String ACL_RULE_WRONG_FORMAT = "Wrong format";
    public static final String ACL_RULE_UNKNOWN = "Unknown command or category name in ACL";
    public static final String ACL_RULE_SYNTAX = "Syntax error";
    public static final String ACL_RULE_KEY_AFTER_ALL = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not"
            + " valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    public static final String ACL_RULE_CHANNEL_AFTER_ALL = "Adding a pattern after the * pattern (or the 'allchannels' flag)"
            + " is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    public static final String ACL_RULE_NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist";
    public static final String ACL_RULE_BAD_HASH = "The password hash must be exactly 64 characters and contain only"
            + " lowercase hexadecimal characters";
    public static final String ACL_RULE_DUPLICATE_USER = "Duplicate user found. A user can only be defined once in config files";
    public static final String ACL_RULE_FIRST_ARG_OF_SUBCOMMAND = "Allowing first-arg of a subcommand is not supported";
    public static final String ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters";
    public static final String ACL_DELETE_DEFAULT = "ERR The 'default' user cannot be removed";
    public static final String ACL_NO_FILE = "ERR This Redis instance is not configured to use an ACL file. You may want to"
            + " specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis"
            + " configuration file set) in order to store users in the Redis configuration.";
    public static final String ACL_SAVE_FAILED = "ERR There was an error trying to save the ACLs. Please check the server"
            + " logs for more information";
    public static final String ACL_GENPASS_BITS = "ERR ACL GENPASS argument must be the number of bits for the output"
            + " password, a positive number up to 4096";

    public static String nopermCommand(String fullName) {
        return "NOPERM this user has no permissions to run the '" + fullName + "' command";
    }

    public static String aclSetuserModifier(String op, String problem) {
        return "ERR Error in ACL SETUSER modifier '" + op + "': " + problem;
    }

    public static String aclUnmatchedParenthesis(String arg) {
        return "ERR Unmatched parenthesis in acl selector starting at '" + arg + "'.";
    }

    /** ACL LOAD: every problem of the file, each naming its line (see Acl.loadFile). */
    public static String aclLoadFailed(String problems) {
        return "ERR " + problems;
    }

    public static String aclUnknownCategory(String name) {
        return "ERR Unknown category '" + name + "'";
    }

    public static String aclDryrunNoUser(String name) {
        return "ERR User '" + name + "' not found";
    }

    public static String aclDryrunNoCommand(String name) {
        return "ERR Command '" + name + "' not found";
    }

    public static final String INVALID_DB = "ERR DB index is out of range";
    /** DEBUG HTSTATS-KEY of a value that is not held in a hash table. */
    public static final String NOT_A_HASH_TABLE =
            "ERR The value stored at the specified key is not represented using an hash table";
    /** DEBUG HTSTATS of a database index the server does not have. */
    public static final String DEBUG_DB_RANGE = "ERR Out of range database";
    public static final String SAME_OBJECT = "ERR source and destination objects are the same";
    public static final String INVALID_EXPIRE = "ERR invalid expire time in '%s' command";
    public static final String OUT_OF_RANGE = "ERR index out of range";
    public static final String NOT_POSITIVE = "ERR value is out of range, must be positive";
    public static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public static final String BIT_OFFSET = "ERR bit offset is not an integer or out of range";
    public static final String TIMEOUT = "ERR timeout is not a float or out of range";
    public static final String TIMEOUT_NEGATIVE = "ERR timeout is negative";
    public static final String INCR_NAN_INF = "ERR increment would produce NaN or Infinity";
    public static final String ZADD_XX_NX = "ERR XX and NX options at the same time are not compatible";
    public static final String ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible";
    public static final String ZADD_INCR_PAIR = "ERR INCR option supports a single increment-element pair";
    public static final String SCORE_NAN = "ERR resulting score is not a number (NaN)";
    public static final String MIN_MAX_NOT_FLOAT = "ERR min or max is not a float";
    public static final String MIN_MAX_NOT_LEX = "ERR min or max not valid string range item";
    public static final String LIMIT_NEEDS_BY =
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    public static final String WITHSCORES_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    public static final String NUMKEYS_POSITIVE = "ERR numkeys should be greater than 0";
    public static final String COUNT_POSITIVE = "ERR count should be greater than 0";
    public static final String NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args";
    public static final String LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
    public static final String WEIGHT_NOT_FLOAT = "ERR weight value is not a float";
    public static final String RANGE = "ERR value is out of range";
    public static final String SRANDMEMBER_RANGE =
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

    // bitmaps, HyperLogLog, geo
    public static final String BIT_VALUE = "ERR bit is not an integer or out of range";
    public static final String BITPOS_BIT = "ERR The bit argument must be 1 or 0.";
    public static final String BITOP_NOT = "ERR BITOP NOT must be called with a single source key.";
    public static final String BITFIELD_TYPE =
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    public static final String BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified";
    public static final String BITFIELD_RO = "ERR BITFIELD_RO only supports the GET subcommand";
    public static final String HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    public static final String HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected";
    public static final String GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI";
    public static final String GEO_RADIUS_NOT_NUMERIC = "ERR need numeric radius";
    public static final String GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative";
    public static final String GEO_WIDTH_NOT_NUMERIC = "ERR need numeric width";
    public static final String GEO_HEIGHT_NOT_NUMERIC = "ERR need numeric height";
    public static final String GEO_BOX_NEGATIVE = "ERR height or width cannot be negative";
    public static final String GEO_MEMBER = "ERR could not decode requested zset member";
    public static final String GEO_COUNT = "ERR COUNT must be > 0";
    public static final String GEO_ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument";
    // keyspace: strings, generic, expiry
    public static final String DECREMENT_OVERFLOW = "ERR decrement would overflow";
    public static final String OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
    public static final String LCS_NOT_STRINGS = "ERR The specified keys must contain string values";
    public static final String LCS_IDX_AND_LEN = "ERR If you want both the length and indexes, please just use IDX.";
    public static final String LCS_TOO_LONG = "ERR String too long for LCS";
    public static final String LCS_OVER_LIMIT =
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
    public static final String LCS_NO_MEMORY = "ERR Insufficient memory, failed allocating transient memory for LCS";
    public static final String UNSUPPORTED_OPTION = "ERR Unsupported option %s";
    public static final String EXPIRE_NX_CONFLICT = "ERR NX and XX, GT or LT options at the same time are not compatible";
    public static final String EXPIRE_GT_LT = "ERR GT and LT options at the same time are not compatible";
    public static final String LFU_NOT_SELECTED = "ERR An LFU maxmemory policy is not selected, access frequency not "
            + "tracked. Please note that when switching between policies at runtime LRU and LFU data will take some "
            + "time to adjust.";
    public static final String INVALID_CURSOR = "ERR invalid cursor";
    public static final String INVALID_FIRST_DB = "ERR invalid first DB index";
    public static final String INVALID_SECOND_DB = "ERR invalid second DB index";
    public static final String NOT_INT32 = "ERR value is out of range, value must between -2147483648 and 2147483647";
    public static final String LRU_SELECTED = "ERR An LRU maxmemory policy is selected, idle time not tracked. Please "
            + "note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    // transactions
    public static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    public static final String EXECABORT_BECAUSE = "EXECABORT Transaction discarded because of: ";
    public static final String MULTI_NESTED = "ERR MULTI calls can not be nested";
    public static final String EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI";
    public static final String DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI";
    public static final String WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed";
    public static final String NOT_IN_TRANSACTION = "ERR Command not allowed inside a transaction";
    /** redis.call of a NOSCRIPT command. */
    public static final String NOSCRIPT_COMMAND = "ERR This Redis command is not allowed from script";
    /** EVAL_RO / FCALL_RO of a script or function that does not declare no-writes. */
    public static final String RO_SCRIPT_WITH_WRITE_FLAG = "ERR Can not execute a script with write flag using *_ro command.";
    // pub/sub
    public static final String PUBSUB_CONTEXT =
            "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    // client tracking
    public static final String TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled";
    public static final String TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode";
    public static final String TRACKING_BCAST_OPTIN = "ERR OPTIN and OPTOUT are not compatible with BCAST";
    public static final String TRACKING_SWITCH_BCAST = "ERR You can't switch BCAST mode on/off before disabling tracking "
            + "for this client, and then re-enabling it with a different mode.";
    public static final String TRACKING_SWITCH_OPTIN = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking "
            + "for this client, and then re-enabling it with a different mode.";
    public static final String TRACKING_SINGLE_REDIRECT = "ERR A client can only redirect to a single other client";
    public static final String TRACKING_NO_REDIRECT_CLIENT = "ERR The client ID you want redirect to does not exist";
    public static final String TRACKING_CACHING_MODE =
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";
    public static final String TRACKING_CACHING_YES = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
    public static final String TRACKING_CACHING_NO = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";

    /** A subcommand called with arguments it does not take (e.g. PUBSUB CHANNELS a b). */
    public static String unknownSubcommandOrArgs(String sub, String container) {
        return "ERR unknown subcommand or wrong number of arguments for '" + Texts.truncate(sub, 128) + "'. Try "
                + container.toUpperCase() + " HELP.";
    }

    public static String pubsubContext(String fullName) {
        return String.format(PUBSUB_CONTEXT, fullName);
    }

    public static String trackingPrefixOverlap(String a, String b) {
        return "ERR Prefix '" + a + "' overlaps with an existing prefix '" + b
                + "'. Prefixes for a single client must not overlap.";
    }

    public static String trackingPrefixOverlapArgs(String a, String b) {
        return "ERR Prefix '" + a + "' overlaps with another provided prefix '" + b
                + "'. Prefixes for a single client must not overlap.";
    }

    public static String wrongArgs(String commandName) {
        return "ERR wrong number of arguments for '" + commandName + "' command";
    }

    public static String invalidExpire(String commandName) {
        return String.format(INVALID_EXPIRE, commandName);
    }

    /**
     * "unknown command 'foo', with args beginning with: 'a' 'b' " - Redis quotes arguments while
     * the list is shorter than 128 characters, cutting each to the room left.
     */
    public static String unknownCommand(byte[][] argv, int argc) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argc && args.length() < 128; i++) {
            String a = Texts.str(argv[i]);
            int room = 128 - args.length();
            args.append('\'').append(a, 0, Math.min(a.length(), room)).append("' ");
        }
        return "ERR unknown command '" + Texts.truncate(Texts.str(argv[0]), 128)
                + "', with args beginning with: " + args;
    }

    public static String unknownSubcommand(String sub, String container) {
        return "ERR unknown subcommand '" + Texts.truncate(sub, 128) + "'. Try " + container.toUpperCase() + " HELP.";
    }

    // server administration (CONFIG, SHUTDOWN, SLOWLOG, DEBUG)
    public static final String NO_CONFIG_FILE = "ERR The server is running without a config file";
    public static final String CONFIG_REWRITE_FAILED = "ERR Rewriting config file: %s";
    /** DEBUG CONFIG-REWRITE-FORCE-ALL's failure; Redis reports a missing config file as EFAULT's text. */
    public static final String CONFIG_REWRITE_FORCE_ALL_FAILED = "ERR CONFIG-REWRITE-FORCE-ALL failed: %s";
    public static final String NO_CONFIG_FILE_ERRNO = "Bad address";
    public static final String NO_SHUTDOWN_IN_PROGRESS = "ERR No shutdown in progress.";
    public static final String SLOWLOG_COUNT = "ERR count should be greater than or equal to -1";
    public static final String DEBUG_NOT_ALLOWED = "ERR DEBUG command not allowed. If the enable-debug-command option is "
            + "set to \"local\", you can run it from a local connection, otherwise you need to set this option in the "
            + "configuration file, and then restart the server.";
    public static final String OOM_SCORE_ADJ_FAILED = "Failed to set current oom_score_adj. Check server logs.";
    public static final String RESP2_NOT_SUPPORTED = "ERR RESP2 is not supported by this command";
    public static final String DEBUG_PROTOCOL_TYPE = "ERR Wrong protocol type name. Please use one of the following: "
            + "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
    public static final String NOT_LISTPACK = "ERR Not a listpack encoded object.";
    public static final String NOT_QUICKLIST = "ERR Not a quicklist encoded object.";
    public static final String PACKED_THRESHOLD = "ERR argument must be a memory value bigger than 1 and smaller than 4gb";
    public static final String MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client";
    public static final String SHUTDOWN_DENY_BLOCKING =
            "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client";

    /** LATENCY GRAPH for an event class with no samples. */
    public static String noLatencySamples(String event) {
        return "ERR No samples available for event '" + event + "'";
    }

    /** CONFIG SET's wording for an argument it could not set. */
    public static String configSetFailed(String arg, String reason) {
        return "ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + reason;
    }

    public static String configSetUnknown(String arg) {
        return "ERR Unknown option or number of arguments for CONFIG SET - '" + arg + "'";
    }

    /** "ERR at least 1 input key is needed for 'zunion' command" (ZUNION/ZINTER/ZDIFF and STOREs). */
    public static String atLeastOneKey(String commandName) {
        return "ERR at least 1 input key is needed for '" + commandName + "' command";
    }

    // ---- connection (AUTH, HELLO, CLIENT)
    public static final String AUTH_NO_PASSWORD = "ERR AUTH <password> called without any password configured for the"
            + " default user. Are you sure your configuration is correct?";
    public static final String NOPROTO = "NOPROTO unsupported protocol version";
    public static final String HELLO_PROTOVER = "ERR Protocol version is not an integer or out of range";
    public static final String HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated,"
            + " otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the"
            + " RESP protocol version at the same time";
    public static final String CLIENT_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";
    public static final String NO_SUCH_CLIENT = "ERR No such client";
    public static final String CLIENT_ID_POSITIVE = "ERR client-id should be greater than 0";
    public static final String INVALID_CLIENT_ID = "ERR Invalid client ID";
    public static final String TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range";
    public static final String PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL";

    public static String helloSyntax(String option) {
        return "ERR Syntax error in HELLO option '" + option + "'";
    }

    public static String unknownClientType(String type) {
        return "ERR Unknown client type '" + type + "'";
    }

    public static String noSuchUser(String user) {
        return "ERR No such user '" + user + "'";
    }

    // lists, hashes and blocking (the lists family)
    public static final String UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    public static final String UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
    public static final String UNBLOCK_SYNTAX =
            "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.";
    public static final String LPOS_RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, "
            + "2 from the second ... or use negative to start from the end of the list";
    public static final String LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
    public static final String LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
    public static final String HASH_NOT_INTEGER = "ERR hash value is not an integer";
    public static final String HASH_NOT_FLOAT = "ERR hash value is not a float";
    public static final String NAN_OR_INFINITY = "ERR value is NaN or Infinity";

    /** A container's generic complaint, e.g. for CLIENT PAUSE with too many arguments. */
    public static String subcommandSyntax(String sub, String container) {
        return "ERR unknown subcommand or wrong number of arguments for '" + Texts.truncate(sub, 128) + "'. Try "
                + container.toUpperCase() + " HELP.";
    }

    // SORT and streams
    public static final String SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double";
    public static final String STREAM_INVALID_ID = "ERR Invalid stream ID specified as stream command argument";
    public static final String XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0";
    public static final String XADD_ID_SMALLER =
            "ERR The ID specified in XADD is equal or smaller than the target stream top item";
    public static final String STREAM_EXHAUSTED =
            "ERR The stream has exhausted the last possible ID, unable to add more items";
    public static final String STREAM_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0.";
    public static final String STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0.";
    public static final String STREAM_MAXLEN_AND_MINID =
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
    public static final String STREAM_LIMIT_NO_STRATEGY =
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
    public static final String STREAM_LIMIT_NO_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option";
    public static final String XTRIM_NO_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy";
    public static final String STREAM_INVALID_START = "ERR invalid start ID for the interval";
    public static final String STREAM_INVALID_END = "ERR invalid end ID for the interval";
    public static final String XSETID_ENTRIES_NEGATIVE = "ERR entries_added must be positive";
    public static final String XSETID_BELOW_GIVEN_MAXDELETED =
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
    public static final String XSETID_BELOW_TOP = "ERR The ID specified in XSETID is smaller than the target stream top item";
    public static final String XSETID_ENTRIES_BELOW_LENGTH =
            "ERR The entries_added specified in XSETID is smaller than the target stream length";
    public static final String XREAD_GT_ID =
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.";

    /** XREAD / XREADGROUP with an odd number of arguments after STREAMS. */
    public static String xreadUnbalanced(String command, char symbol) {
        return "ERR Unbalanced " + command.toUpperCase() + " list of streams: for each stream key an ID or '" + symbol
                + "' must be specified.";
    }

    // stream consumer groups
    public static final String XREADGROUP_NO_GROUP = "ERR Missing GROUP option for XREADGROUP";
    public static final String XREAD_GROUP_OPTION =
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
    public static final String XREAD_NOACK_OPTION =
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
    public static final String XREADGROUP_DOLLAR = "ERR The $ ID is meaningless in the context of XREADGROUP: you want "
            + "to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. "
            + "The $ ID would just return an empty result set.";
    /** To the clients still blocked when the server becomes a replica (Redis's disconnectAllBlockedClients). */
    public static final String UNBLOCKED_ROLE_CHANGE = "UNBLOCKED force unblock from blocking operation, instance state "
            + "changed (master -> replica?)";
    public static final String UNBLOCKED_STREAM_GONE = "UNBLOCKED the stream key no longer exists";
    public static final String NOGROUP_BLOCKED = "NOGROUP the consumer group this client was blocked on no longer exists";
    public static final String XGROUP_KEY_REQUIRED = "ERR The XGROUP subcommand requires the key to exist. Note that "
            + "for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
    public static final String BUSYGROUP = "BUSYGROUP Consumer Group name already exists";
    public static final String ENTRIESREAD_INVALID = "ERR value for ENTRIESREAD must be positive or -1";
    public static final String XCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XCLAIM";
    public static final String XAUTOCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XAUTOCLAIM";
    public static final String XCLAIM_IDLE = "ERR Invalid IDLE option argument for XCLAIM";
    public static final String XCLAIM_TIME = "ERR Invalid TIME option argument for XCLAIM";
    public static final String XCLAIM_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM";
    public static final String XAUTOCLAIM_COUNT = "ERR COUNT must be > 0";
    public static final String XAUTOCLAIM_COUNT_TOO_HIGH =
            "ERR Insufficient memory, failed allocating transient memory, COUNT too high.";

    /** XREADGROUP on a missing key or group. */
    public static String noGroupForRead(byte[] key, byte[] group) {
        return "NOGROUP No such key '" + Texts.str(key) + "' or consumer group '" + Texts.str(group)
                + "' in XREADGROUP with GROUP option";
    }

    /** XGROUP SETID / CREATECONSUMER / DELCONSUMER and XINFO CONSUMERS on a missing group. */
    public static String noGroupForKey(byte[] group, byte[] key) {
        return "NOGROUP No such consumer group '" + Texts.str(group) + "' for key name '" + Texts.str(key) + "'";
    }

    /** XPENDING, XCLAIM, XAUTOCLAIM on a missing key or group. */
    public static String noKeyOrGroup(byte[] key, byte[] group) {
        return "NOGROUP No such key '" + Texts.str(key) + "' or consumer group '" + Texts.str(group) + "'";
    }

    public static String xclaimUnrecognized(byte[] option) {
        return "ERR Unrecognized XCLAIM option '" + Texts.str(option) + "'";
    }

    /** A command failed on a defect of ours (its cause is in the server log). */
    public static String internal(String command) {
        return "ERR internal error running '" + command + "', see the server log";
    }

    /** The JVM refused an allocation a command needed (the server goes on). */
    public static String oomInternal(String command) {
        return "OOM not enough memory to run '" + command + "'";
    }

    // DUMP / RESTORE
    public static final String BUSYKEY = "BUSYKEY Target key name already exists.";
    /** A script's redis.call of a command not flagged stale on a stale replica (Redis's scriptVerifyAllowStale). */
    public static final String STALE_FROM_SCRIPT = "ERR Can not execute the command on a stale replica";
    public static final String DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
    public static final String BAD_DATA_FORMAT = "ERR Bad data format";
    // MIGRATE
    public static final String MIGRATE_KEYS_NOT_EMPTY =
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
    public static final String MIGRATE_CONNECT = "IOERR error or timeout connecting to the client";
    public static final String MIGRATE_WRITE = "IOERR error or timeout writing to target instance";
    public static final String MIGRATE_READ = "IOERR error or timeout reading to target instance";
    /** Followed by the target's error line without its '-'. */
    public static final String MIGRATE_TARGET_ERROR = "ERR Target instance replied with error: ";
    public static final String INVALID_TTL = "ERR Invalid TTL value, must be >= 0";
    public static final String INVALID_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0";
    public static final String INVALID_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255";

    // DEBUG RELOAD
    public static final String RELOAD_OPTIONS = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
    public static final String RELOAD_FAILED = "ERR Error trying to load the RDB dump";

    // RDB persistence (SAVE, BGSAVE, SHUTDOWN, the gate's LOADING and MISCONF refusals)
    /** Redis's shared.err: a save that failed (the reason is in the log). */
    public static final String ERR = "ERR";
    public static final String BGSAVE_IN_PROGRESS = "ERR Background save already in progress";
    public static final String CHILD_ACTIVE_BGSAVE = "ERR Another child process is active (AOF?): can't BGSAVE right now. "
            + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
    public static final String SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs.";
    public static final String LOADING = "LOADING Redis is loading the dataset in memory";
    public static final String MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently "
            + "unable to persist to disk. Commands that may modify the data set are disabled, because this instance "
            + "is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error "
            + "option). Please check the Redis logs for details about the RDB error.";

    // AOF (BGREWRITEAOF, DEBUG LOADAOF, the gate's MISCONF for a failed AOF write)
    public static final String AOF_REWRITE_IN_PROGRESS = "ERR Background append only file rewriting already in progress";
    public static final String AOF_REWRITE_FAILED = "ERR Can't execute an AOF background rewriting. Please check the "
            + "server logs for more information.";
    /** Followed by the reason of the failed write (strerror's text, e.g. "No space left on device"). */
    public static final String MISCONF_AOF = "MISCONF Errors writing to the AOF file: ";

    // Replication (SYNC, PSYNC, REPLCONF, WAIT, REPLICAOF, the gate's NOREPLICAS, READONLY and MASTERDOWN)
    public static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    public static final String READONLY_REPLICA = "READONLY You can't write against a read only replica.";
    public static final String MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    /** CLUSTER, READONLY, READWRITE, ASKING on a server with cluster-enabled no. */
    public static final String CLUSTER_DISABLED = "ERR This instance has cluster support disabled";
    public static final String NOMASTERLINK = "NOMASTERLINK Can't SYNC while not connected with my master";
    public static final String WAIT_ON_REPLICA = "ERR WAIT cannot be used with replica instances. Please also note that "
            + "since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas "
            + "are just local and are not propagated.";
    public static final String INVALID_MASTER_PORT = "ERR Invalid master port";

    public static String unrecognizedReplconf(String option) {
        return "ERR Unrecognized REPLCONF option: " + option;
    }

    public static String replconfIpTooLong(int len) {
        return "ERR REPLCONF ip-address provided by replica instance is too long: " + len + " bytes";
    }
}
