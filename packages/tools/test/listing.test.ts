import type { Engine, Store } from '@exai/engine';
import { describe, expect, it } from 'vitest';
// The build-time listing: its data (dist/listing.json) is a build output, so this reads the built module.
import { toolListing } from '../dist/listing.js';
import { createToolRegistry } from '../src/index.js';
import { gatewayForFile } from './helpers.js';

let engine: Engine;
let store: Store;

gatewayForFile(['glm'], {}, (opened) => {
  ({ engine, store } = opened);
});

describe('toolListing (the listing without the engine)', () => {
  it.each([
    {},
    { EXAI_TOOL_PROFILE: 'lean' },
    { EXAI_TOOL_PROFILE: 'full' },
    { EXAI_TOOL_PROFILE: 'lean', EXAI_ENABLED_TOOLS: 'consensus,files', EXAI_DISABLED_TOOLS: 'chat,version' },
  ])('lists what the registry lists, in its order, for %j', (env) => {
    const listed = createToolRegistry({ engine, store, env })
      .list()
      .map(({ inputSchema: _input, outputSchema: _output, ...tool }) => tool);
    expect(toolListing(env)).toEqual(listed);
    expect(toolListing(env).length).toBeGreaterThan(2);
  });

  it('takes already parsed settings, and an explicit profile over the environment', () => {
    expect(toolListing({}, undefined, { EXAI_TOOL_PROFILE: 'lean' }).map((tool) => tool.name)).toEqual(
      toolListing({ EXAI_TOOL_PROFILE: 'lean' }).map((tool) => tool.name),
    );
    expect(toolListing({ EXAI_TOOL_PROFILE: 'full' }, 'lean')).toEqual(toolListing({ EXAI_TOOL_PROFILE: 'lean' }));
  });
});
