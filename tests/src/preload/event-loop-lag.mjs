// Test-only preload (node --import), never part of a production source: SIGUSR2 toggles a forced event-loop lag
// in the process it is loaded into. While on, the loop is blocked TEST_LAG_BUSY_MS out of every
// TEST_LAG_BUSY_MS + TEST_LAG_FREE_MS: what a CPU-bound ingress under a burst looks like to its event loop.
const busyMs = Number(process.env.TEST_LAG_BUSY_MS ?? 100);
const freeMs = Number(process.env.TEST_LAG_FREE_MS ?? 10);
let timer;
process.on('SIGUSR2', () => {
  if (timer) {
    clearTimeout(timer);
    timer = undefined;
    process.stdout.write('{"msg":"test lag off"}\n');
    return;
  }
  const block = () => {
    const until = Date.now() + busyMs;
    while (Date.now() < until);
    timer = setTimeout(block, freeMs);
  };
  timer = setTimeout(block, freeMs);
  process.stdout.write('{"msg":"test lag on"}\n');
});
