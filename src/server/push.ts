/**
 * HTTP push of spec §5 (legacy doc): when a batch with a notify URL starts, verify the URL with
 * `GET <url>?signature=...` expecting `PASSED`, then POST the task info. Failures are logged and
 * counted; nothing here throws into the server.
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { PackageType } from '../ota/codes.ts';
import { moduleName } from './api/views.ts';
import type { ServerContext } from './context.ts';

/** The push signature: base64 HMAC-SHA256 of `${batchId}:${startTime}` under the product access key. */
export function pushSignature(accessKey: string, batchId: number, startTime: number): string {
  return createHmac('sha256', Buffer.from(accessKey, 'base64'))
    .update(`${batchId}:${startTime}`)
    .digest('base64');
}

async function deliver(
  ctx: ServerContext,
  dispatcher: Agent,
  batchId: number,
  dids: string[],
): Promise<void> {
  const batch = ctx.state.batches.get(batchId);
  const pkg = batch && ctx.state.packages.get(batch.packageId);
  const product = pkg && ctx.state.products.get(pkg.pid);
  if (!batch?.notifyUrl || !pkg || !product) throw new Error('batch, package or product vanished');
  const startTime = batch.startedAt ?? Date.now();
  const signature = pushSignature(product.accessKey, batch.id, startTime);
  const url = new URL(batch.notifyUrl);
  url.searchParams.set('signature', signature);
  const check = await request(url, { method: 'GET', dispatcher });
  const answer = (await check.body.text()).trim();
  if (check.statusCode !== 200 || answer !== 'PASSED') {
    throw new Error(`verification GET answered ${check.statusCode} ${JSON.stringify(answer.slice(0, 40))}`);
  }
  const info = {
    pid: pkg.pid,
    batchId: batch.id,
    name: batch.name,
    packageId: pkg.id,
    packageName: pkg.name,
    module: moduleName(pkg.module),
    type: pkg.type === PackageType.FULL ? 'full' : 'diff',
    fromVersion: batch.fromVersion,
    targetVersion: pkg.targetVersion,
  };
  const body = JSON.stringify({ info, signature, msg: { dids, startTime, version: pkg.targetVersion } });
  const post = await request(batch.notifyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    dispatcher,
  });
  await post.body.dump();
  if (post.statusCode < 200 || post.statusCode > 299) throw new Error(`POST answered ${post.statusCode}`);
}

function record(ctx: ServerContext, batchId: number, outcome: string): void {
  const batch = ctx.state.batches.get(batchId);
  if (!batch || ctx.closed()) return;
  batch.push = outcome;
  ctx.state.saveBatch(batch);
}

/** Sends HTTP pushes in the background over its own connection pool. */
export interface Pusher {
  push(batchId: number, dids: string[]): void;
  /** Aborts pushes in flight and closes the pool. */
  close(): Promise<void>;
}

/** Creates the pusher of a server (5 s header and body timeouts per request). */
export function createPusher(ctx: ServerContext): Pusher {
  const agent = new Agent({ headersTimeout: 5000, bodyTimeout: 5000, connectTimeout: 5000 });
  return {
    push(batchId, dids) {
      deliver(ctx, agent, batchId, dids).then(
        () => {
          ctx.stats.push.sent++;
          record(ctx, batchId, 'sent');
        },
        (err: unknown) => {
          ctx.stats.push.failed++;
          const message = err instanceof Error ? err.message : String(err);
          ctx.log.warn({ batch: batchId, err: message }, 'HTTP push failed');
          record(ctx, batchId, `failed: ${message}`);
        },
      );
    },
    close: () => agent.destroy(),
  };
}
