import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('an embedded server child never outlives its parent', () => {
  it('closes itself when the parent process is killed with SIGKILL', { timeout: 30_000 }, async () => {
    const script = `
      import { spawnOtaServer } from ${JSON.stringify(new URL('../../../src/server/child.ts', import.meta.url).href)};
      const s = await spawnOtaServer({});
      console.log(JSON.stringify({ pid: s.pid }));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const serverPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (d: Buffer) => resolve(JSON.parse(d.toString()).pid as number));
      parent.on('exit', () => reject(new Error('parent exited early')));
    });
    expect(alive(serverPid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(serverPid)).toBe(false);
  });
});
