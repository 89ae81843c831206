/**
 * Bench peer: runs autocannon in this process against one URL and prints one JSON line with its
 * requests, req/s, bytes/s and the CPU time this process spent (user + system, µs).
 * Usage: autocannon-child.ts '{"url","connections","durationSec","headers"}'
 */
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
};
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: opts.url,
  connections: opts.connections,
  duration: opts.durationSec,
  headers: opts.headers ?? {},
});
const cpu = process.cpuUsage(cpu0);
const requests = result.requests.total;
process.stdout.write(
  `${JSON.stringify({
    requests,
    rps: requests / opts.durationSec,
    bytesPerSec: result.throughput.average,
    errors: result.errors + result.non2xx,
    cpuMicros: cpu.user + cpu.system,
  })}\n`,
);
