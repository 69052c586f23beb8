package dev.cinnabar.tests.clients;

/** The Redisson contract against real Redis 7.0: shows its expectations are Redis's behaviour. */
class RedissonRealRedisTest extends RedissonContract {
    RedissonRealRedisTest() {
        super(ServerTarget.realRedis());
    }
}
