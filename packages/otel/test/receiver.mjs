import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * The OTLP/HTTP receiver of the tracing tests (fixtures/otlp-receiver.mjs, a separate process that prints each
 * export it accepted as a JSON line), shared by both apps' tests. Types: receiver.d.mts.
 */

const attributeValue = (value) =>
  value.stringValue ??
  (value.intValue !== undefined
    ? Number(value.intValue)
    : (value.boolValue ?? value.doubleValue ?? value.arrayValue?.values?.map(attributeValue)));
const attributesOf = (list = []) => Object.fromEntries(list.map((item) => [item.key, attributeValue(item.value)]));

export function spansOf(request) {
  const spans = [];
  for (const resource of request.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        spans.push({
          ...span,
          attributes: attributesOf(span.attributes),
          resource: attributesOf(resource.resource?.attributes),
        });
  return spans;
}

export async function startReceiver() {
  const script = fileURLToPath(new URL('./fixtures/otlp-receiver.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exports = [];
  let buffered = '';
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for the OTLP receiver to listen')), 10_000);
    child.once('exit', () => reject(new Error('the OTLP receiver exited before listening')));
    child.stdout.on('data', (data) => {
      buffered += String(data);
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (line.port) {
          clearTimeout(timer);
          resolve(line.port);
        }
        if (line.export) exports.push(line);
      }
    });
  });
  return {
    endpoint: `http://127.0.0.1:${await port}`,
    exports,
    spans: () => exports.flatMap((received) => spansOf(received.export)),
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
