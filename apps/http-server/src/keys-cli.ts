import { parseArgs } from 'node:util';
import { createLogger, type GatewayConfig } from '@exai/core';
import { openStore } from '@exai/engine';
import { validateBody } from './chat-schema.js';
import { keyPolicySchema, keyView, toPolicy } from './key-policy.js';

export const keysUsage = `Usage: exai-http keys <command> [--config gateway.yaml]

  create --name NAME [--owner TENANT] [--models m1,m2] [--rpm N] [--tpm N]
         [--budget USD] [--period day|month|total] [--alert 0.8] [--admin]
                 creates a key and prints it (the secret is shown this once)
  list [--owner TENANT]          every key, newest first (no secrets)
  show KEY_ID                    one key with its budget's spend so far
  revoke KEY_ID                  revokes a key (requests with it are refused within 30 s)
`;

const options = {
  name: { type: 'string' },
  owner: { type: 'string' },
  models: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  budget: { type: 'string' },
  period: { type: 'string' },
  alert: { type: 'string' },
  admin: { type: 'boolean' },
  config: { type: 'string', short: 'c' },
} as const;

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));

/** `exai-http keys ...` on the store the configuration names; prints JSON. Throws with a message on bad input. */
export async function runKeys(args: string[], config: GatewayConfig, out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  const [command, id] = positionals;
  const store = await openStore(config, createLogger({ level: 'silent', name: 'exai-keys' }));
  const print = (value: unknown) => out(`${JSON.stringify(value, null, 2)}\n`);
  try {
    switch (command) {
      case 'create': {
        const input = validateBody(keyPolicySchema, {
          name: values.name,
          ...(values.owner ? { owner: values.owner } : {}),
          ...(values.models ? { models: values.models.split(',').map((model) => model.trim()) } : {}),
          ...(values.rpm ? { requests_per_minute: number(values.rpm) } : {}),
          ...(values.tpm ? { tokens_per_minute: number(values.tpm) } : {}),
          ...(values.budget
            ? {
                budget: {
                  amount: number(values.budget),
                  ...(values.period ? { period: values.period } : {}),
                  ...(values.alert ? { alert_at: number(values.alert) } : {}),
                },
              }
            : {}),
          ...(values.admin ? { admin: true } : {}),
        });
        const created = await store.createApiKey(input.name, toPolicy(input));
        print({ ...(await keyView((await store.getApiKey(created.id))!, store)), key: created.key });
        return 0;
      }
      case 'list': {
        const records = await store.listApiKeys({ limit: 100, ...(values.owner ? { owner: values.owner } : {}) });
        print(await Promise.all(records.map((record) => keyView(record, store))));
        return 0;
      }
      case 'show':
      case 'revoke': {
        if (!id) throw new Error(`keys ${command}: give the key id (key_...)\n\n${keysUsage}`);
        const record = await store.getApiKey(id);
        if (!record) throw new Error(`keys ${command}: no key '${id}'`);
        if (command === 'revoke' && !(await store.revokeApiKey(id)))
          throw new Error(`keys revoke: '${id}' is already revoked`);
        print(await keyView((await store.getApiKey(id))!, store));
        return 0;
      }
      default:
        throw new Error(`keys: unknown command '${command ?? ''}'\n\n${keysUsage}`);
    }
  } finally {
    await store.close();
  }
}
