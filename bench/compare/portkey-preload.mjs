// Preloaded into the Portkey gateway process (`node --import ./portkey-preload.mjs ...`). Two things, nothing else:
// 1. Portkey 1.15.2 on Node appends x-portkey-* headers to the upstream `fetch()` response, whose headers are
//    immutable by the fetch spec, so every streaming request fails with "Something went wrong"
//    (Portkey-AI/gateway#1389, #1550). Re-wrapping each upstream response in a constructed Response (mutable
//    headers, same body stream, no copy of the body) lets its streaming path run.
// 2. Portkey's start-server binds every interface with no host option; the benchmark is loopback only, so
//    listen() without a host is pointed at 127.0.0.1.
import http from 'node:http';

const originalFetch = globalThis.fetch;
const OriginalResponse = globalThis.Response;
const OriginalHeaders = globalThis.Headers;

if (process.env.BENCH_PORTKEY_FETCH_FIX !== '0') {
  globalThis.fetch = async function fetchWithMutableHeaders(input, init) {
    const response = await originalFetch(input, init);
    return new OriginalResponse(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: new OriginalHeaders(response.headers),
    });
  };
}

const originalListen = http.Server.prototype.listen;
http.Server.prototype.listen = function listenOnLoopback(...args) {
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null && !('host' in args[0])) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  } else if (typeof args[0] === 'number' && (args[1] === undefined || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
  }
  return originalListen.apply(this, args);
};
