// Test-only preload (node --import), never part of a production source: the first outgoing HTTP request whose
// path contains TEST_REJECT_ON_PATH (default: a Genesys conversation read) leaves behind a promise rejection
// nobody handles, as a forgotten `await` or a library bug would, while a job is in the middle of its run.
import diagnosticsChannel from 'node:diagnostics_channel';

const match = process.env.TEST_REJECT_ON_PATH ?? '/api/v2/conversations/';
let fired = false;
diagnosticsChannel.subscribe('http.client.request.start', ({ request }) => {
  if (fired || !String(request.path).includes(match)) return;
  fired = true;
  process.stdout.write(`{"msg":"test preload: rejecting during ${request.method} ${request.path}"}\n`);
  Promise.reject(new Error('injected by the test preload: a rejection nobody handles'));
});
