import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './ws-harness.js';

/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package, never a downloaded
 * browser): first-run mode, traffic through the API, figures on the page change, a screenshot
 * saved (to a temporary file; to docs/images/dashboard.png with EXAI_UPDATE_SCREENSHOTS=1).
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = process.env.EXAI_UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/images/dashboard.png', import.meta.url))
  : join(tmpdir(), `exai-dashboard-${process.pid}.png`);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs Debian's chromium when missing (CI runs as root); anything else is a clear failure. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: run "apt-get install -y chromium" as root`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}

let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  // First-run mode on this machine: the feed is admin-only, so the operator lets loopback in.
  harness = await startHarness({ simulated: true, open: true, env: { EXAI_LOOPBACK_ADMIN: '1' } });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

const chat = (model: string, content: string) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

describe('dashboard in Chromium', () => {
  it('shows live figures that follow API traffic, with the SIMULATED banner', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(harness.url)) external.push(request.url());
    });
    await page.goto(`${harness.url}/dashboard`);
    await page.waitForSelector('body[data-updates]');
    expect(await page.isVisible('#simulated-banner')).toBe(true);
    expect(await page.textContent('#simulated-banner')).toContain('SIMULATED');
    expect(await page.textContent('#total-requests')).toBe('0');
    expect(await page.locator('#providers tr').count()).toBeGreaterThanOrEqual(4);

    // Traffic through the API: several providers, some latency, some failures (scenarios ride on the model name).
    const models = [
      'glm-4.6~latency?min=40&max=160',
      'kimi-k2-0905-preview~latency?min=80&max=260',
      'MiniMax-M2~latency?min=20&max=90',
      'gpt-5.5~latency?min=60&max=200',
    ];
    const calls: Array<Promise<Response>> = [];
    for (let wave = 0; wave < 4; wave += 1) {
      for (let index = 0; index < 6; index += 1)
        calls.push(chat(models[(wave + index) % models.length]!, `request ${wave}.${index}`));
      await new Promise((resolve) => setTimeout(resolve, 350));
    }
    calls.push(chat('glm-4.6~http-503', 'fails'), chat('MiniMax-M2~http-500', 'fails too'));
    const statuses = (await Promise.all(calls)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(24);

    await expect
      .poll(async () => Number(await page.textContent('#total-requests')), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(26);
    expect(await page.textContent('#total-requests')).toBe('26');
    expect(Number(await page.textContent('#total-errors'))).toBeGreaterThanOrEqual(2);
    expect(await page.textContent('#p95')).not.toBe('0 ms');
    expect(Number(await page.textContent('tr[data-provider="glm"] .requests'))).toBeGreaterThanOrEqual(6);
    expect(await page.textContent('tr[data-provider="glm"] .error-rate')).not.toBe('0.0%');
    expect(await page.locator('#recent tr').count()).toBeGreaterThanOrEqual(20);
    expect(await page.locator('#chart-requests polyline').count()).toBe(2);
    expect(await page.textContent('#status')).toBe('live');

    // A few slow calls in flight while the screenshot is taken.
    const slow = [
      chat('kimi-k2-0905-preview~latency?ms=1500', 'slow'),
      chat('gpt-5.5~latency?ms=1500', 'slow'),
      chat('glm-4.6~latency?ms=1500', 'slow'),
    ];
    await expect.poll(() => page.textContent('#in-flight'), { timeout: 5_000 }).toBe('3 / 0');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await Promise.all(slow);
    await expect.poll(() => page.textContent('#in-flight'), { timeout: 5_000 }).toBe('0 / 0');
    expect(external).toEqual([]);
    await page.close();
  });
});
