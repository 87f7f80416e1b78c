// Preloaded with NODE_OPTIONS=--import=… in processes the bench profiles (Node 20 refuses --cpu-prof in
// NODE_OPTIONS). Starts V8's sampling profiler at once and writes BENCH_CPU_PROFILE_DIR/<pid>.cpuprofile when the
// process exits (the services exit through process.exit after SIGTERM). The inspector session of the process's
// own thread answers synchronously, so the 'exit' handler can stop and write.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
