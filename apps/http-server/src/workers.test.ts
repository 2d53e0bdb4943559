import { describe, expect, it } from 'vitest';
import { parseWorkers, workerExecArgv } from './workers.js';

describe('the workers of --workers N', () => {
  it('run with single-threaded GC when there are at least as many workers as CPUs', () => {
    expect(workerExecArgv(2, 2, [])).toEqual(['--single-threaded-gc']);
    expect(workerExecArgv(4, 2, ['--enable-source-maps'])).toEqual(['--enable-source-maps', '--single-threaded-gc']);
  });

  it('keep parallel GC when cores are left over, and never override a GC flag given to node', () => {
    expect(workerExecArgv(2, 8, [])).toEqual([]);
    expect(workerExecArgv(2, 2, ['--v8-pool-size=2'])).toEqual(['--v8-pool-size=2']);
    expect(workerExecArgv(2, 2, ['--no-single-threaded-gc'])).toEqual(['--no-single-threaded-gc']);
  });

  it("count 'auto' as every CPU and refuse what is not a count", () => {
    expect(parseWorkers('auto', 6)).toBe(6);
    expect(parseWorkers(undefined, 6)).toBe(1);
    expect(parseWorkers('0', 6)).toMatch(/--workers/);
  });
});
