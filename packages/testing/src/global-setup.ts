import type { TestProject } from 'vitest/node';
import { acquireTestRedis } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Resolves the integration suite's Redis once (REDIS_URL, testcontainers, or local) and hands it to every test file. */
export default async function setup(project: TestProject) {
  const redis = await acquireTestRedis();
  process.stdout.write(`integration tests use Redis at ${redis.url} (${redis.source})\n`);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
