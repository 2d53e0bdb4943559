import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that mostly wait on other processes (the container image build, the packed-tarball install)
 * start first, so they run beside the rest instead of after it: the CI run is bounded by the longest of
 * them, not by their sum with everything else.
 */
const FIRST = [
  'apps/http-server/test/container.test.ts',
  'test/packaging.test.ts',
  // ~100 s, mostly waiting on a slow simulated model (the 90 s task).
  'apps/mcp-server/test/tasks.test.ts',
];

export default class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? FIRST.length : index;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
