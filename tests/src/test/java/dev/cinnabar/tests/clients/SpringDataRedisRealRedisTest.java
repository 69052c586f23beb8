package dev.cinnabar.tests.clients;

/** The Spring Data Redis (Lettuce) contract against real Redis 7.0: shows its expectations are Redis's behaviour. */
class SpringDataRedisRealRedisTest extends SpringDataRedisContract {
    SpringDataRedisRealRedisTest() {
        super(ServerTarget.realRedis());
    }
}
