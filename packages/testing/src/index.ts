export { waitFor } from './wait.js';
export type { WaitOptions } from './wait.js';
export { acquireTestRedis, uniquePrefix, deleteByPrefix } from './redis.js';
export type { TestRedis } from './redis.js';
export { startPrivateRedis, findRedisServer, freePort } from './redis-server.js';
export type { PrivateRedis } from './redis-server.js';
export { startService, serviceArgs, REPO_ROOT } from './service.js';
export type { ServiceProcess, ServiceRuntime } from './service.js';
/** A local Redis Cluster (redis-server --cluster-enabled + redis-cli --cluster create) for scale-out tests. */
export { startRedisCluster, redisClusterUnavailable, findRedisCli } from './redis-cluster.js';
export type { PrivateRedisCluster } from './redis-cluster.js';
