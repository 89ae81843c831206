/** Scenario files shared by the outputs tests. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A small rollout that lasts 5 s: requests of several calls, downloads, upgrades and a few failures. */
export async function writeTinyRollout(folder: string, name = 'tiny-live', duration = '5s'): Promise<string> {
  const file = join(folder, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      name,
      seed: 3,
      target: { url: 'embedded' },
      fleet: { count: 30, versions: { f_version: { V1: 1 } }, boot: { over: '500ms' } },
      profiles: [
        { name: 'ok', weight: 80, pollInterval: '300ms', installTime: '200ms' },
        {
          name: 'bad',
          weight: 20,
          pollInterval: '300ms',
          installTime: '200ms',
          faults: { installFailure: 1 },
        },
      ],
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2', size: '64KiB' }],
        steps: [{ at: '1s', batch: { name: 'all', package: 'fw', fromVersion: 'V1' } }],
      },
      stop: { duration, whenSettled: false },
    }),
    'utf8',
  );
  return file;
}
