/** `--dashboard [HOST:]PORT`: loopback by default, an address when given, a usage error otherwise. */
import { describe, expect, it } from 'vitest';
import { parseListen } from '../../../src/dashboard/server.ts';

describe('parseListen', () => {
  it('listens on loopback for a bare port, on the host given otherwise', () => {
    expect(parseListen('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen('localhost:1')).toEqual({ host: 'localhost', port: 1 });
  });

  it('refuses what is not [HOST:]PORT as a usage error', () => {
    for (const bad of ['', 'abc', '70000', ':80', 'host:', '1.2.3.4:-1']) {
      expect(() => parseListen(bad), bad).toThrow(/--dashboard must be PORT or HOST:PORT/);
    }
  });
});
