// BullMQ ships its Lua scripts (includes resolved) as CommonJS modules without declarations. The file name
// carries the script's key count: an upgrade that changes it breaks this import at type-check and at start.
declare module 'bullmq/dist/cjs/scripts/addStandardJob-9.js' {
  /** BullMQ's own `addStandardJob` script: what `queue.add` runs for a job without delay, priority or parent. */
  export const addStandardJob: { name: string; content: string; keys: number };
}
